package handlers_test

import (
	"testing"

	"nasbot/domain"
	"nasbot/handlers"
)

// Shared mailboxes of the fixture.
const (
	oak        = "pharmacy.fa111@nhs.net" // Oak Tree Pharmacy, sole owner jane.smith
	kingsway   = "pharmacy.fb222@nhs.net" // full site, owner sarah.owen
	harbour    = "pharmacy.fc333@nhs.net" // one place left, owner hugo.lane
	stationRd  = "pharmacy.fx404@nhs.net" // closed
	ostomy     = "dac.g9911@nhs.net"      // owner wendy.cho
	castle     = "dental.d4455@nhs.net"   // owner ellen.frost
	willow     = "care.c7788@nhs.net"     // owners ann.wood, bob.wood
	lensFrame  = "optometry.op123@nhs.net"
	janeSmith  = "jane.smith@nhs.net"
	tomBaker   = "tom.baker@nhs.net"
	ellenFrost = "ellen.frost@nhs.net"
	annWood    = "ann.wood@nhs.net"
)

type ruleCase struct {
	name string
	from string
	req  domain.Request
	want want
}

// runCases decides each case against a fresh fixture.
func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := fixture(t)
			check(t, decide(t, dir, tc.from, tc.req), tc.want)
		})
	}
}

func addUserReq(name, mobile string) domain.Request {
	return domain.Request{Type: domain.AddUser, Word: "Add user", Name: name, Mobile: mobile,
		Email: "someone@example.com", Linked: yes(), Role: domain.RoleMember}
}

func TestParserProblems(t *testing.T) {
	runCases(t, []ruleCase{
		{"missing field", oak, domain.Request{Type: domain.AddUser, Name: "Ruth Akinola",
			Problems: []domain.Problem{{Reason: domain.MissingField, Field: "mobile", Detail: "the Mobile field is missing"}}},
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), checkEffects: true, summaryHas: []string{"Mobile field is missing"}, field: "mobile"}},
		{"invalid field keeps the account named", oak, domain.Request{Type: domain.ChangeRole, Account: tomBaker,
			Problems: []domain.Problem{{Reason: domain.InvalidField, Field: "role", Detail: "Role must be Owner or Member"}}},
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), account: tomBaker, field: "role"}},
		{"mobile invalid", oak, domain.Request{Type: domain.AddUser, Name: "Conor Healy",
			Problems: []domain.Problem{{Reason: domain.MobileInvalid, Field: "mobile", Detail: "07700 90016 is not a UK mobile number"}}},
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInvalid)}},
		{"several problems, each reason once, in order", oak, domain.Request{Type: domain.AddUser,
			Problems: []domain.Problem{
				{Reason: domain.MissingField, Field: "name"},
				{Reason: domain.InvalidField, Field: "linked", Detail: "Linked must be yes or no"},
				{Reason: domain.MissingField, Field: "mobile"},
			}},
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField, domain.InvalidField), field: "name"}},
		{"unknown request word from the parser", oak, domain.Request{Type: domain.Unknown, Word: "Order prescription pads",
			Problems: []domain.Problem{{Reason: domain.UnknownRequest}}},
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownRequest), summaryHas: []string{"Order prescription pads"}}},
		{"unknown type without problems", oak, domain.Request{Type: domain.Unknown, Word: "Order pads"},
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownRequest)}},
		{"type outside the registry", oak, domain.Request{Type: "frobnicate"},
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownRequest)}},
		{"problems win over who asks", "someone@example.com", domain.Request{Type: domain.AddUser,
			Problems: []domain.Problem{{Reason: domain.MissingField, Field: "mobile"}}},
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), field: "mobile"}},
	})
}

func TestODSChange(t *testing.T) {
	req := domain.Request{Type: domain.ODSChange, Word: "Update ODS details"}
	for _, from := range []string{oak, castle, tomBaker, "stranger@example.com"} {
		t.Run(from, func(t *testing.T) {
			check(t, decide(t, fixture(t), from, req), want{outcome: domain.Rejected,
				reasons: reasons(domain.ODSChangeRedirect), checkEffects: true, summaryHas: []string{"exeter.helpdesk@nhs.net"}})
		})
	}
}

func TestWhoMayAsk(t *testing.T) {
	leaverOwn := domain.Request{Type: domain.Leaver, Account: tomBaker}
	runCases(t, []ruleCase{
		{"unknown sender", "stranger@example.com", addUserReq("Lily Adams", "07700900601"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotSharedMailbox)}},
		{"unknown sender, leaver", "stranger@example.com", leaverOwn,
			want{outcome: domain.Rejected, reasons: reasons(domain.NotSharedMailbox), account: tomBaker}},
		{"personal account adds a user", tomBaker, addUserReq("Lily Adams", "07700900601"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotSharedMailbox), checkEffects: true}},
		{"personal account, own leaver", tomBaker, leaverOwn,
			want{outcome: domain.Done, account: tomBaker, checkEffects: true, effects: effects(
				domain.MarkLeaver{Address: tomBaker, DeleteAfter: now.AddDate(0, 0, 30)})}},
		{"personal account, own name change", tomBaker,
			domain.Request{Type: domain.ChangeName, Account: tomBaker, NewName: "Tom Walker"},
			want{outcome: domain.Done, account: tomBaker, checkEffects: true, effects: effects(
				domain.RenameAccount{OldAddress: tomBaker, NewAddress: "tom.walker@nhs.net", NewName: "Tom Walker"})}},
		{"personal account, someone else's leaver", tomBaker,
			domain.Request{Type: domain.Leaver, Account: janeSmith},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotSharedMailbox), account: janeSmith}},
		{"personal account, unknown account's leaver", tomBaker,
			domain.Request{Type: domain.Leaver, Account: "nobody@nhs.net"},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotSharedMailbox), account: "nobody@nhs.net"}},
		{"personal account, own role change", janeSmith,
			domain.Request{Type: domain.ChangeRole, Account: janeSmith, Role: domain.RoleMember, RequestedBy: by(janeSmith)},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotSharedMailbox), account: janeSmith}},
		{"personal account, own password reset", tomBaker,
			domain.Request{Type: domain.PasswordReset, Account: tomBaker, Mobile: "07700900502"},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotSharedMailbox), account: tomBaker}},
		{"personal account, own leaver as sole owner", janeSmith,
			domain.Request{Type: domain.Leaver, Account: janeSmith},
			want{outcome: domain.Rejected, reasons: reasons(domain.LastOwner), account: janeSmith}},
		{"personal account, own name change through an alias", "nia.evans@nhs.net",
			domain.Request{Type: domain.ChangeName, Account: "mary.jones@nhs.net", NewName: "Nia Rees"},
			want{outcome: domain.Done, account: "nia.evans@nhs.net", checkEffects: true, effects: effects(
				domain.RenameAccount{OldAddress: "nia.evans@nhs.net", NewAddress: "nia.rees@nhs.net", NewName: "Nia Rees"})}},
		{"personal account, block ODS of another site", tomBaker,
			domain.Request{Type: domain.Leaver, Account: tomBaker, ODS: "D4455"},
			want{outcome: domain.Rejected, reasons: reasons(domain.ODSMismatch), account: tomBaker}},

		{"ODS code of another site", oak, func() domain.Request {
			r := addUserReq("Lily Adams", "07700900601")
			r.ODS = "FB222"
			return r
		}(), want{outcome: domain.Rejected, reasons: reasons(domain.ODSMismatch)}},
		{"ODS code of the sending site", oak, func() domain.Request {
			r := addUserReq("Lily Adams", "07700900601")
			r.ODS = "FA111"
			return r
		}(), want{outcome: domain.Done, account: "lily.adams@nhs.net"}},
		{"ODS code on a leaver of another site", oak,
			domain.Request{Type: domain.Leaver, Account: tomBaker, ODS: "FC333"},
			want{outcome: domain.Rejected, reasons: reasons(domain.ODSMismatch), account: tomBaker}},

		{"owner-only without Requested by", oak,
			domain.Request{Type: domain.ChangeRole, Account: tomBaker, Role: domain.RoleOwner},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: tomBaker, summaryHas: []string{"Requested by"}}},
		{"owner-only requested by a member", oak,
			domain.Request{Type: domain.ChangeRole, Account: tomBaker, Role: domain.RoleOwner, RequestedBy: by(tomBaker)},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: tomBaker}},
		{"owner-only requested by another site's owner", oak,
			domain.Request{Type: domain.ChangeRole, Account: tomBaker, Role: domain.RoleOwner, RequestedBy: by(annWood)},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: tomBaker}},
		{"owner-only requested by an unknown address", oak,
			domain.Request{Type: domain.ChangeRole, Account: tomBaker, Role: domain.RoleOwner, RequestedBy: by("boss@example.com")},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: tomBaker}},
		{"Make member is owner-only too", willow,
			domain.Request{Type: domain.ChangeRole, Account: "bob.wood@nhs.net", Role: domain.RoleMember, RequestedBy: by("kim.lowe@nhs.net")},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: "bob.wood@nhs.net"}},
		{"add user as owner needs an owner", oak, func() domain.Request {
			r := addUserReq("Lily Adams", "07700900601")
			r.Role, r.RequestedBy = domain.RoleOwner, by(tomBaker)
			return r
		}(), want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner)}},
		{"add user as member needs no Requested by", oak, addUserReq("Lily Adams", "07700900601"),
			want{outcome: domain.Done, account: "lily.adams@nhs.net"}},
		{"give access as owner needs an owner", oak,
			domain.Request{Type: domain.AddToMailbox, Account: tomBaker, Role: domain.RoleOwner, RequestedBy: by(tomBaker)},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: tomBaker}},
		{"joiner as owner needs an owner", willow,
			domain.Request{Type: domain.Joiner, Account: "paul.hale@nhs.net", Role: domain.RoleOwner},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: "paul.hale@nhs.net"}},
		{"close needs an owner", oak, domain.Request{Type: domain.CloseMailbox, RequestedBy: by(tomBaker)},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner)}},
		{"password reset needs an owner", oak,
			domain.Request{Type: domain.PasswordReset, Account: tomBaker, Mobile: "07700900502", RequestedBy: by("jose.garcia@nhs.net")},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: tomBaker}},
		{"register needs an owner", oak, registerReq("FN999", "Oak Tree Pharmacy", "Derby", by(tomBaker)),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner)}},
		{"owner named by an old address (alias)", castle,
			domain.Request{Type: domain.ChangeRole, Account: "dev.patel@nhs.net", Role: domain.RoleMember, RequestedBy: by("mary.jones@nhs.net")},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: "dev.patel@nhs.net"}},
	})
}

// An owner who has become inactive or a leaver can no longer ask for owner-only changes.
func TestNotOwnerWhenOwnerNotActive(t *testing.T) {
	for _, status := range []string{domain.StatusInactive, domain.StatusLeaver} {
		t.Run(status, func(t *testing.T) {
			dir := fixture(t)
			owner, _, _ := dir.Account(janeSmith)
			owner.Status = status
			site, _, _ := dir.Organisation("FA111")
			ctx := handlers.Context{Now: now, Site: &site, Domain: "nhs.net"}
			req := domain.Request{Type: domain.ChangeRole, Account: tomBaker, Role: domain.RoleOwner, RequestedBy: by(janeSmith)}
			got, err := handlers.Decide(ctx, req, withAccount{dir, owner})
			if err != nil {
				t.Fatal(err)
			}
			check(t, got, want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: tomBaker})
		})
	}
}

// withAccount is a Directory with one account replaced.
type withAccount struct {
	handlers.Directory
	acct domain.Account
}

func (w withAccount) Account(address string) (domain.Account, bool, error) {
	if address == w.acct.Address {
		return w.acct, true, nil
	}
	return w.Directory.Account(address)
}
