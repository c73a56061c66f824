package handlers_test

import (
	"testing"

	"nasbot/domain"
)

func TestAddToMailbox(t *testing.T) {
	give := func(account string, role domain.Role, requestedBy *domain.Person) domain.Request {
		return domain.Request{Type: domain.AddToMailbox, Word: "Give access", Account: account, Role: role, RequestedBy: requestedBy}
	}
	runCases(t, []ruleCase{
		{"unlinked account as member", castle, give("dev.patel@nhs.net", "", nil),
			want{outcome: domain.Done, account: "dev.patel@nhs.net", checkEffects: true,
				effects: effects(domain.SetRole{Address: "dev.patel@nhs.net", Role: domain.RoleMember})}},
		{"unlinked account as owner, asked by an owner", castle, give("dev.patel@nhs.net", domain.RoleOwner, by(ellenFrost)),
			want{outcome: domain.Done, account: "dev.patel@nhs.net", checkEffects: true,
				effects: effects(domain.SetRole{Address: "dev.patel@nhs.net", Role: domain.RoleOwner})}},
		{"member made owner", oak, give(tomBaker, domain.RoleOwner, by(janeSmith)),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.SetRole{Address: tomBaker, Role: domain.RoleOwner})}},
		{"already a member", oak, give(tomBaker, domain.RoleMember, nil),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true, summaryHas: []string{"already"}}},
		{"already linked, no role given", oak, give(janeSmith, "", nil),
			want{outcome: domain.Done, account: janeSmith, checkEffects: true}},
		{"inactive account", oak, give("rita.oneill@nhs.net", domain.RoleOwner, by(janeSmith)),
			want{outcome: domain.Done, account: "rita.oneill@nhs.net"}},
		{"sole owner given member", oak, give(janeSmith, domain.RoleMember, nil),
			want{outcome: domain.Rejected, reasons: reasons(domain.LastOwner), account: janeSmith}},
		{"one of two owners given member", willow, give(annWood, domain.RoleMember, nil),
			want{outcome: domain.Done, account: annWood, checkEffects: true,
				effects: effects(domain.SetRole{Address: annWood, Role: domain.RoleMember})}},
		{"through an alias", castle, give("mary.jones@nhs.net", domain.RoleOwner, by(ellenFrost)),
			want{outcome: domain.Done, account: "nia.evans@nhs.net", checkEffects: true,
				effects: effects(domain.SetRole{Address: "nia.evans@nhs.net", Role: domain.RoleOwner})}},
		{"leaver", oak, give("paul.hale@nhs.net", "", nil),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "paul.hale@nhs.net", summaryHas: []string{"Joiner"}}},
		{"another site's account", oak, give("kim.lowe@nhs.net", "", nil),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "kim.lowe@nhs.net"}},
		{"unknown account", oak, give("nobody@nhs.net", "", nil),
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownAccount), account: "nobody@nhs.net"}},
	})
}

func TestRemoveFromMailbox(t *testing.T) {
	remove := func(account string) domain.Request {
		return domain.Request{Type: domain.RemoveFromMailbox, Word: "Remove access", Account: account}
	}
	runCases(t, []ruleCase{
		{"member", oak, remove(tomBaker),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.SetRole{Address: tomBaker, Role: domain.RoleNone})}},
		{"member of a dac (linking mandatory for new accounts only)", ostomy, remove("raj.mehta@nhs.net"),
			want{outcome: domain.Done, account: "raj.mehta@nhs.net"}},
		{"sole owner", oak, remove(janeSmith),
			want{outcome: domain.Rejected, reasons: reasons(domain.LastOwner), account: janeSmith, checkEffects: true}},
		{"sole owner of a dental practice", castle, remove(ellenFrost),
			want{outcome: domain.Rejected, reasons: reasons(domain.LastOwner), account: ellenFrost}},
		{"one of two owners", willow, remove(annWood),
			want{outcome: domain.Done, account: annWood, checkEffects: true,
				effects: effects(domain.SetRole{Address: annWood, Role: domain.RoleNone})}},
		{"not linked", castle, remove("dev.patel@nhs.net"),
			want{outcome: domain.Done, account: "dev.patel@nhs.net", checkEffects: true}},
		{"leaver belongs to no site", oak, remove("paul.hale@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "paul.hale@nhs.net", checkEffects: true}},
		{"another site's account", willow, remove(tomBaker),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: tomBaker}},
		{"unknown account", willow, remove("craig.dobson@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownAccount), account: "craig.dobson@nhs.net"}},
	})
}

func TestChangeRole(t *testing.T) {
	role := func(account string, r domain.Role, requestedBy string) domain.Request {
		return domain.Request{Type: domain.ChangeRole, Word: "Change role", Account: account, Role: r, RequestedBy: by(requestedBy)}
	}
	runCases(t, []ruleCase{
		{"make owner", oak, role(tomBaker, domain.RoleOwner, janeSmith),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.SetRole{Address: tomBaker, Role: domain.RoleOwner})}},
		{"make owner links an unlinked account", castle, role("dev.patel@nhs.net", domain.RoleOwner, ellenFrost),
			want{outcome: domain.Done, account: "dev.patel@nhs.net", checkEffects: true,
				effects: effects(domain.SetRole{Address: "dev.patel@nhs.net", Role: domain.RoleOwner})}},
		{"make member of one of two owners", willow, role("bob.wood@nhs.net", domain.RoleMember, annWood),
			want{outcome: domain.Done, account: "bob.wood@nhs.net", checkEffects: true,
				effects: effects(domain.SetRole{Address: "bob.wood@nhs.net", Role: domain.RoleMember})}},
		{"owner demotes themselves when another owner stays", willow, role(annWood, domain.RoleMember, annWood),
			want{outcome: domain.Done, account: annWood}},
		{"demote the sole owner", oak, role(janeSmith, domain.RoleMember, janeSmith),
			want{outcome: domain.Rejected, reasons: reasons(domain.LastOwner), account: janeSmith, checkEffects: true}},
		{"already an owner", willow, role(annWood, domain.RoleOwner, annWood),
			want{outcome: domain.Done, account: annWood, checkEffects: true, summaryHas: []string{"already"}}},
		{"no role", oak, role(tomBaker, "", janeSmith),
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), account: tomBaker, field: "role"}},
		{"not a role", oak, role(tomBaker, "boss", janeSmith),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), account: tomBaker, field: "role"}},
		{"leaver", oak, role("paul.hale@nhs.net", domain.RoleOwner, janeSmith),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "paul.hale@nhs.net"}},
		{"another site's account", oak, role(annWood, domain.RoleMember, janeSmith),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: annWood}},
		{"unknown account", oak, role("nobody@nhs.net", domain.RoleOwner, janeSmith),
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownAccount), account: "nobody@nhs.net"}},
		{"owner check comes before the account", oak, role("nobody@nhs.net", domain.RoleOwner, tomBaker),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: "nobody@nhs.net"}},
	})
}
