package handlers_test

import (
	"testing"

	"nasbot/domain"
)

func TestLeaver(t *testing.T) {
	deleteAfter := now.AddDate(0, 0, 30)
	leave := func(account string) domain.Request {
		return domain.Request{Type: domain.Leaver, Word: "Leaver", Account: account}
	}
	profession := leave(tomBaker)
	profession.LeavingProfession = yes()
	runCases(t, []ruleCase{
		{"member", oak, leave(tomBaker),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects:    effects(domain.MarkLeaver{Address: tomBaker, DeleteAfter: deleteAfter}),
				summaryHas: []string{"1 April 2026", "joiner"}}},
		{"leaving the profession", oak, profession,
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.MarkLeaver{Address: tomBaker, DeleteAfter: deleteAfter, LeavingProfession: true})}},
		{"inactive account", oak, leave("rita.oneill@nhs.net"),
			want{outcome: domain.Done, account: "rita.oneill@nhs.net"}},
		{"unlinked account", castle, leave("dev.patel@nhs.net"),
			want{outcome: domain.Done, account: "dev.patel@nhs.net"}},
		{"sole owner", oak, leave(janeSmith),
			want{outcome: domain.Rejected, reasons: reasons(domain.LastOwner), account: janeSmith, checkEffects: true}},
		{"sole owner of an optometry practice", lensFrame, leave("otto.berg@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.LastOwner), account: "otto.berg@nhs.net"}},
		{"one of two owners", willow, leave(annWood),
			want{outcome: domain.Done, account: annWood}},
		{"already a leaver: belongs to no site", oak, leave("paul.hale@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "paul.hale@nhs.net", checkEffects: true}},
		{"another site's account", ostomy, leave("kim.lowe@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "kim.lowe@nhs.net"}},
		{"unknown account", ostomy, leave("nobody@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownAccount), account: "nobody@nhs.net"}},
		{"through an alias", castle, leave("mary.jones@nhs.net"),
			want{outcome: domain.Done, account: "nia.evans@nhs.net", checkEffects: true,
				effects: effects(domain.MarkLeaver{Address: "nia.evans@nhs.net", DeleteAfter: deleteAfter})}},
	})
}

func TestJoiner(t *testing.T) {
	join := func(account string, linked *bool, role domain.Role) domain.Request {
		return domain.Request{Type: domain.Joiner, Word: "Joiner", Account: account, Linked: linked, Role: role}
	}
	const paul, mark = "paul.hale@nhs.net", "mark.dunn@nhs.net"
	runCases(t, []ruleCase{
		{"leaver joins a care home", willow, join(paul, yes(), domain.RoleMember),
			want{outcome: domain.Done, account: paul, checkEffects: true,
				effects: effects(domain.MarkJoiner{Address: paul, ODS: "C7788", Role: domain.RoleMember})}},
		{"linked by default", oak, join(mark, nil, ""),
			want{outcome: domain.Done, account: mark, checkEffects: true,
				effects: effects(domain.MarkJoiner{Address: mark, ODS: "FA111", Role: domain.RoleMember})}},
		{"back to the site they left", oak, join(paul, yes(), ""),
			want{outcome: domain.Done, account: paul}},
		{"as owner, asked by an owner", willow, func() domain.Request {
			r := join(paul, yes(), domain.RoleOwner)
			r.RequestedBy = by(annWood)
			return r
		}(), want{outcome: domain.Done, account: paul, checkEffects: true,
			effects: effects(domain.MarkJoiner{Address: paul, ODS: "C7788", Role: domain.RoleOwner})}},
		{"not linked at a pharmacy", oak, join(mark, no(), ""),
			want{outcome: domain.Rejected, reasons: reasons(domain.LinkRequired), account: mark, checkEffects: true}},
		{"not linked at an optometry practice", lensFrame, join(mark, no(), ""),
			want{outcome: domain.Rejected, reasons: reasons(domain.LinkRequired), account: mark}},
		{"not linked at a dental practice", castle, join(mark, no(), ""),
			want{outcome: domain.Done, account: mark, checkEffects: true,
				effects: effects(domain.MarkJoiner{Address: mark, ODS: "D4455", Role: domain.RoleNone})}},
		{"active account", willow, join(tomBaker, yes(), ""),
			want{outcome: domain.Rejected, reasons: reasons(domain.StillActive), account: tomBaker, summaryHas: []string{"Oak Tree Pharmacy"}}},
		{"active account of the same site", oak, join(tomBaker, yes(), ""),
			want{outcome: domain.Rejected, reasons: reasons(domain.StillActive), account: tomBaker}},
		{"inactive account", willow, join("rita.oneill@nhs.net", yes(), ""),
			want{outcome: domain.Rejected, reasons: reasons(domain.StillActive), account: "rita.oneill@nhs.net"}},
		{"unknown account", willow, join("nobody@nhs.net", yes(), ""),
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownAccount), account: "nobody@nhs.net"}},
		{"full site", kingsway, join(paul, yes(), ""),
			want{outcome: domain.Review, reasons: reasons(domain.SiteAccountLimit), account: paul, checkEffects: true}},
	})
}
