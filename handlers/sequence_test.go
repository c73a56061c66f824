package handlers_test

import (
	"errors"
	"testing"

	"nasbot/domain"
	"nasbot/handlers"
)

// step is one request of a sequence: the mail it came in and what must become of it. The
// directory carries the effects of each done step to the next (README reading 1).
type step struct {
	from string
	req  domain.Request
	want want
}

func runSteps(t *testing.T, steps []step) {
	t.Helper()
	dir := fixture(t)
	for i, s := range steps {
		got := decide(t, dir, s.from, s.req)
		t.Logf("step %d %s %s: %s %v", i+1, s.req.Type, s.req.Account, got.Outcome, got.Reasons)
		check(t, got, s.want)
	}
}

func TestSequences(t *testing.T) {
	jane := by(janeSmith)
	tests := []struct {
		name  string
		steps []step
	}{
		{"new owner, then the old owner leaves", []step{
			{oak, domain.Request{Type: domain.ChangeRole, Account: tomBaker, Role: domain.RoleOwner, RequestedBy: jane},
				want{outcome: domain.Done, account: tomBaker}},
			{oak, domain.Request{Type: domain.Leaver, Account: janeSmith, RequestedBy: jane},
				want{outcome: domain.Done, account: janeSmith}},
			// jane is no longer an owner: her Requested by no longer counts.
			{oak, domain.Request{Type: domain.ChangeRole, Account: "jose.garcia@nhs.net", Role: domain.RoleOwner, RequestedBy: jane},
				want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: "jose.garcia@nhs.net"}},
			{oak, domain.Request{Type: domain.ChangeRole, Account: "jose.garcia@nhs.net", Role: domain.RoleOwner, RequestedBy: by(tomBaker)},
				want{outcome: domain.Done, account: "jose.garcia@nhs.net"}},
		}},
		{"the old owner leaves first: refused", []step{
			{oak, domain.Request{Type: domain.Leaver, Account: janeSmith, RequestedBy: jane},
				want{outcome: domain.Rejected, reasons: reasons(domain.LastOwner), account: janeSmith}},
			{oak, domain.Request{Type: domain.ChangeRole, Account: tomBaker, Role: domain.RoleOwner, RequestedBy: jane},
				want{outcome: domain.Done, account: tomBaker}},
		}},
		{"a new user as owner, then the old owner is removed", []step{
			{oak, domain.Request{Type: domain.AddUser, Name: "Lily Adams", Mobile: "07700900601", Linked: yes(), Role: domain.RoleOwner, RequestedBy: jane},
				want{outcome: domain.Done, account: "lily.adams@nhs.net"}},
			{oak, domain.Request{Type: domain.RemoveFromMailbox, Account: janeSmith, RequestedBy: jane},
				want{outcome: domain.Done, account: janeSmith}},
		}},
		{"leaver at a pharmacy, then joiner at a care home", []step{
			{oak, domain.Request{Type: domain.Leaver, Account: tomBaker},
				want{outcome: domain.Done, account: tomBaker}},
			{willow, domain.Request{Type: domain.Joiner, Account: tomBaker, Linked: yes(), Role: domain.RoleMember, RequestedBy: by(annWood)},
				want{outcome: domain.Done, account: tomBaker, checkEffects: true,
					effects: effects(domain.MarkJoiner{Address: tomBaker, ODS: "C7788", Role: domain.RoleMember})}},
			// Now at the care home: the pharmacy can no longer touch the account.
			{oak, domain.Request{Type: domain.RemoveFromMailbox, Account: tomBaker},
				want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: tomBaker}},
			{willow, domain.Request{Type: domain.PasswordReset, Account: tomBaker, Mobile: "07700900502", RequestedBy: by(annWood)},
				want{outcome: domain.Done, account: tomBaker}},
		}},
		{"joiner before the leaver: still active", []step{
			{willow, domain.Request{Type: domain.Joiner, Account: tomBaker},
				want{outcome: domain.Rejected, reasons: reasons(domain.StillActive), account: tomBaker}},
			{oak, domain.Request{Type: domain.Leaver, Account: tomBaker},
				want{outcome: domain.Done, account: tomBaker}},
			{willow, domain.Request{Type: domain.Joiner, Account: tomBaker},
				want{outcome: domain.Done, account: tomBaker}},
		}},
		{"own name change, then the new address is used", []step{
			{tomBaker, domain.Request{Type: domain.ChangeName, Account: tomBaker, NewName: "Tom Walker"},
				want{outcome: domain.Done, account: tomBaker}},
			{oak, domain.Request{Type: domain.ChangeRole, Account: "tom.walker@nhs.net", Role: domain.RoleOwner, RequestedBy: jane},
				want{outcome: domain.Done, account: "tom.walker@nhs.net", checkEffects: true,
					effects: effects(domain.SetRole{Address: "tom.walker@nhs.net", Role: domain.RoleOwner})}},
			// The old address still finds the account (reported by its current address), and is
			// never given to anyone else.
			{oak, domain.Request{Type: domain.PasswordReset, Account: tomBaker, Mobile: "07700900502", RequestedBy: jane},
				want{outcome: domain.Done, account: "tom.walker@nhs.net", checkEffects: true,
					effects: effects(domain.SendTemporaryPassword{Address: "tom.walker@nhs.net"})}},
			{oak, domain.Request{Type: domain.AddUser, Name: "Tom Baker", Mobile: "07700900601"},
				want{outcome: domain.Done, account: "tom.baker2@nhs.net"}},
			// The renamed owner asks by the old address: it still resolves to an owner.
			{oak, domain.Request{Type: domain.ChangeRole, Account: "jose.garcia@nhs.net", Role: domain.RoleOwner, RequestedBy: by(tomBaker)},
				want{outcome: domain.Done, account: "jose.garcia@nhs.net"}},
		}},
		{"two renames: both old addresses forward", []step{
			{oak, domain.Request{Type: domain.ChangeName, Account: tomBaker, NewName: "Tom Walker"},
				want{outcome: domain.Done, account: tomBaker}},
			{oak, domain.Request{Type: domain.ChangeName, Account: tomBaker, NewName: "Tom Baker"},
				want{outcome: domain.Done, account: "tom.walker@nhs.net", checkEffects: true, effects: effects(
					domain.RenameAccount{OldAddress: "tom.walker@nhs.net", NewAddress: "tom.baker2@nhs.net", NewName: "Tom Baker"})}},
			{oak, domain.Request{Type: domain.Leaver, Account: "tom.walker@nhs.net"},
				want{outcome: domain.Done, account: "tom.baker2@nhs.net", checkEffects: true, effects: effects(
					domain.MarkLeaver{Address: "tom.baker2@nhs.net", DeleteAfter: now.AddDate(0, 0, 30)})}},
		}},
		{"adding to a site until it is full", []step{
			{harbour, domain.Request{Type: domain.AddUser, Name: "Lily Adams", Mobile: "07700900601"},
				want{outcome: domain.Done, account: "lily.adams@nhs.net"}},
			{harbour, domain.Request{Type: domain.AddUser, Name: "Max Hill", Mobile: "07700900602"},
				want{outcome: domain.Review, reasons: reasons(domain.SiteAccountLimit), account: "max.hill@nhs.net"}},
			// A leaver frees a place.
			{harbour, domain.Request{Type: domain.Leaver, Account: "c.one@nhs.net"},
				want{outcome: domain.Done, account: "c.one@nhs.net"}},
			{harbour, domain.Request{Type: domain.AddUser, Name: "Max Hill", Mobile: "07700900602"},
				want{outcome: domain.Done, account: "max.hill@nhs.net"}},
		}},
		{"close the pharmacy mailbox, then nothing works from it", []step{
			{oak, domain.Request{Type: domain.CloseMailbox, RequestedBy: jane},
				want{outcome: domain.Done}},
			{oak, registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane),
				want{outcome: domain.Rejected, reasons: reasons(domain.MailboxClosed)}},
			{oak, domain.Request{Type: domain.AddUser, Name: "Max Hill", Mobile: "07700900602"},
				want{outcome: domain.Rejected, reasons: reasons(domain.MailboxClosed)}},
			{oak, domain.Request{Type: domain.Joiner, Account: "paul.hale@nhs.net"},
				want{outcome: domain.Rejected, reasons: reasons(domain.MailboxClosed), account: "paul.hale@nhs.net"}},
			{oak, domain.Request{Type: domain.CloseMailbox, RequestedBy: jane},
				want{outcome: domain.Rejected, reasons: reasons(domain.MailboxClosed)}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.steps) })
	}
}

// A change of owner: the pharmacy asks for the new code's mailbox, then closes its own. Staff
// approve the new mailbox afterwards, when the old one is closed and its owner no longer one:
// the desk's approval still registers it, and the new mailbox works at once.
func TestRegisterThenCloseThenApprove(t *testing.T) {
	jane := by(janeSmith)
	dir := fixture(t)
	register := registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane)
	check(t, decide(t, dir, oak, register), want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)})
	check(t, decide(t, dir, oak, domain.Request{Type: domain.CloseMailbox, RequestedBy: jane}), want{outcome: domain.Done})
	check(t, deskDecide(t, dir, oak, register, reasons(domain.NewMailboxReview)), want{outcome: domain.Done,
		checkEffects: true, effects: effects(
			domain.RegisterSharedMailbox{ODS: "FN999", Sector: domain.Pharmacy, Name: "Oak Tree Pharmacy", Town: "Derby", Mailbox: "pharmacy.fn999@nhs.net"},
			domain.CreateAccount{Address: "imani.cole@nhs.net", Name: "Imani Cole", Mobile: "07700900650", ODS: "FN999", Role: domain.RoleOwner},
			domain.SendTemporaryPassword{Address: "imani.cole@nhs.net"})})
	newSite := "pharmacy.fn999@nhs.net"
	check(t, decide(t, dir, newSite, domain.Request{Type: domain.AddUser, Name: "Max Hill", Mobile: "07700900602",
		RequestedBy: by("imani.cole@nhs.net")}), want{outcome: domain.Done, account: "max.hill@nhs.net"})
	check(t, decide(t, dir, newSite, registerReq("FN999", "Oak Tree Pharmacy", "Derby", by("imani.cole@nhs.net"))),
		want{outcome: domain.Rejected, reasons: reasons(domain.MailboxExists)})
	// Mail from the closed mailbox is still refused: only the desk goes past the closing.
	check(t, decide(t, dir, oak, domain.Request{Type: domain.AddUser, Name: "Lily Adams", Mobile: "07700900601"}),
		want{outcome: domain.Rejected, reasons: reasons(domain.MailboxClosed)})
}

// brokenDirectory fails every lookup, as a database that went away would.
type brokenDirectory struct{}

var errBroken = errors.New("directory unavailable")

func (brokenDirectory) Organisation(string) (domain.Organisation, bool, error) {
	return domain.Organisation{}, false, errBroken
}
func (brokenDirectory) Account(string) (domain.Account, bool, error) {
	return domain.Account{}, false, errBroken
}
func (brokenDirectory) AccountByMobile(string) (domain.Account, bool, error) {
	return domain.Account{}, false, errBroken
}
func (brokenDirectory) AddressTaken(string) (bool, error)             { return false, errBroken }
func (brokenDirectory) SiteAccounts(string) ([]domain.Account, error) { return nil, errBroken }
func (brokenDirectory) Aliases(string) ([]string, error)              { return nil, errBroken }

// A directory error is returned, never turned into a refusal.
func TestDirectoryErrors(t *testing.T) {
	site := domain.Organisation{ODS: "FA111", Sector: domain.Pharmacy, Name: "Oak Tree Pharmacy", Town: "Derby"}
	ctx := handlers.Context{Now: now, Site: &site, Domain: "nhs.net"}
	for _, req := range []domain.Request{
		addUserReq("Lily Adams", "07700900601"),
		{Type: domain.Leaver, Account: tomBaker},
		{Type: domain.ChangeRole, Account: tomBaker, Role: domain.RoleOwner, RequestedBy: by(janeSmith)},
		{Type: domain.Joiner, Account: tomBaker},
		{Type: domain.ChangeName, Account: tomBaker, NewName: "Tom Walker"},
		registerReq("FN999", "Oak Tree Pharmacy", "Derby", nil),
		{Type: domain.ListAccounts},
	} {
		t.Run(string(req.Type), func(t *testing.T) {
			if _, err := handlers.Decide(ctx, req, brokenDirectory{}); !errors.Is(err, errBroken) {
				t.Errorf("err = %v, want %v", err, errBroken)
			}
		})
	}
}

// Every request type has a handler; only ods_change and unknown requests skip the sender checks.
func TestEveryTypeDecides(t *testing.T) {
	for _, typ := range []domain.RequestType{domain.AddUser, domain.AddToMailbox, domain.RemoveFromMailbox,
		domain.ChangeRole, domain.Leaver, domain.Joiner, domain.ChangeName, domain.CloseMailbox,
		domain.RegisterMailbox, domain.PasswordReset} {
		t.Run(string(typ), func(t *testing.T) {
			got := decide(t, fixture(t), "stranger@example.com", domain.Request{Type: typ, Account: tomBaker})
			check(t, got, want{outcome: domain.Rejected, reasons: reasons(domain.NotSharedMailbox), account: accountOf(typ)})
		})
	}
}

func accountOf(typ domain.RequestType) string {
	if typ == domain.AddUser || typ == domain.RegisterMailbox {
		return ""
	}
	return tomBaker
}

func BenchmarkDecideAddUser(b *testing.B) {
	dir := fixture(b)
	site, _, _ := dir.Organisation("FA111")
	ctx := handlers.Context{Now: now, Site: &site, Domain: "nhs.net"}
	req := addUserReq("Tom Baker", "07700900601") // takes the numbered path: tom.baker2
	b.ReportAllocs()
	for b.Loop() {
		d, err := handlers.Decide(ctx, req, dir)
		if err != nil || d.Outcome != domain.Done {
			b.Fatalf("%v %v", d.Outcome, err)
		}
	}
}
