package handlers_test

import (
	"testing"

	"nasbot/domain"
	"nasbot/handlers"
)

// Staff may approve a request past a rule whose outcome is review (Context.Approved); the other
// rules still hold, and an approval for one rule does not pass another.
func TestApproved(t *testing.T) {
	jane := by(janeSmith)
	tests := []struct {
		name     string
		from     string
		approved []domain.Reason
		req      domain.Request
		want     want
	}{
		{"site account limit", kingsway, reasons(domain.SiteAccountLimit), addUserReq("Lily Adams", "07700900601"),
			want{outcome: domain.Done, account: "lily.adams@nhs.net", checkEffects: true, effects: effects(
				domain.CreateAccount{Address: "lily.adams@nhs.net", Name: "Lily Adams", Mobile: "07700900601", ODS: "FB222", Role: domain.RoleMember},
				domain.SendTemporaryPassword{Address: "lily.adams@nhs.net"})}},
		{"site account limit, joiner", kingsway, reasons(domain.SiteAccountLimit),
			domain.Request{Type: domain.Joiner, Account: "paul.hale@nhs.net"},
			want{outcome: domain.Done, account: "paul.hale@nhs.net"}},
		{"limit approval does not pass a refusal", kingsway, reasons(domain.SiteAccountLimit), addUserReq("Lily Adams", "07700900501"),
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInUse)}},
		{"another rule's approval does not pass the limit", kingsway, reasons(domain.MobileMismatch), addUserReq("Lily Adams", "07700900601"),
			want{outcome: domain.Review, reasons: reasons(domain.SiteAccountLimit), account: "lily.adams@nhs.net"}},
		{"mobile mismatch: sent to the number on record", oak, reasons(domain.MobileMismatch),
			domain.Request{Type: domain.PasswordReset, Account: tomBaker, Mobile: "07700900599", RequestedBy: jane},
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.SendTemporaryPassword{Address: tomBaker}), summaryHas: []string{"07*** ***502"}}},
		{"mismatch approval does not pass not_owner", oak, reasons(domain.MobileMismatch),
			domain.Request{Type: domain.PasswordReset, Account: tomBaker, Mobile: "07700900599", RequestedBy: by(tomBaker)},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner), account: tomBaker}},
		{"unknown ODS code registered as given", oak, reasons(domain.ODSUnknown), registerReq("FZ000", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Done, checkEffects: true, effects: effects(
				domain.RegisterSharedMailbox{ODS: "FZ000", Sector: domain.Pharmacy, Name: "Oak Tree Pharmacy", Town: "Derby", Mailbox: "pharmacy.fz000@nhs.net"},
				domain.CreateAccount{Address: "imani.cole@nhs.net", Name: "Imani Cole", Mobile: "07700900650", ODS: "FZ000", Role: domain.RoleOwner},
				domain.SendTemporaryPassword{Address: "imani.cole@nhs.net"})}},
		{"unknown ODS code approved but no sector", oak, reasons(domain.ODSUnknown),
			func() domain.Request {
				r := registerReq("FZ000", "Oak Tree Pharmacy", "Derby", jane)
				r.Sector = ""
				return r
			}(),
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), field: "sector"}},
		{"unknown ODS approval does not pass name_too_long", oak, reasons(domain.ODSUnknown), registerReq("FZ000", "Oak Tree Pharmacy Ltd", "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.NameTooLong)}},
		{"closed mailbox opened again", oak, reasons(domain.NewMailboxReview), registerReq("FX404", "Station Road", "Selby", jane),
			want{outcome: domain.Done, checkEffects: true, effects: effects(
				domain.RegisterSharedMailbox{ODS: "FX404", Sector: domain.Pharmacy, Name: "Station Road", Town: "Selby", Mailbox: "pharmacy.fx404@nhs.net"},
				domain.CreateAccount{Address: "imani.cole@nhs.net", Name: "Imani Cole", Mobile: "07700900650", ODS: "FX404", Role: domain.RoleOwner},
				domain.SendTemporaryPassword{Address: "imani.cole@nhs.net"})}},
		{"an open mailbox is never registered twice", oak, reasons(domain.MailboxExists), registerReq("FB222", "Kingsway Chemist", "Ripon", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.MailboxExists)}},
		{"new mailbox approved: the first owner gets the next free address", oak, reasons(domain.NewMailboxReview),
			func() domain.Request {
				r := registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane)
				r.Name = "Jane Smith"
				return r
			}(),
			want{outcome: domain.Done, checkEffects: true, effects: effects(
				domain.RegisterSharedMailbox{ODS: "FN999", Sector: domain.Pharmacy, Name: "Oak Tree Pharmacy", Town: "Derby", Mailbox: "pharmacy.fn999@nhs.net"},
				domain.CreateAccount{Address: "jane.smith2@nhs.net", Name: "Jane Smith", Mobile: "07700900650", ODS: "FN999", Role: domain.RoleOwner},
				domain.SendTemporaryPassword{Address: "jane.smith2@nhs.net"})}},
		{"new mailbox approval does not pass address_in_use", oak, reasons(domain.NewMailboxReview),
			registerReq("FZ111", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Review, reasons: reasons(domain.AddressInUse)}},
		{"new mailbox approval does not pass a reserved first owner", oak, reasons(domain.NewMailboxReview),
			func() domain.Request {
				r := registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane)
				r.Name = "Care Home"
				return r
			}(),
			want{outcome: domain.Review, reasons: reasons(domain.AddressReserved)}},
		{"a social care provider's new code approved", willow, reasons(domain.ODSUnknown),
			func() domain.Request {
				r := registerReq("1-2000000002", "Rose Lodge East", "Penzance", by(annWood))
				r.Sector = domain.Care
				return r
			}(),
			want{outcome: domain.Done, checkEffects: true, effects: effects(
				domain.RegisterSharedMailbox{ODS: "1-2000000002", Sector: domain.Care, Name: "Rose Lodge East", Town: "Penzance", Mailbox: "care.1-2000000002@nhs.net"},
				domain.CreateAccount{Address: "imani.cole@nhs.net", Name: "Imani Cole", Mobile: "07700900650", ODS: "1-2000000002", Role: domain.RoleOwner},
				domain.SendTemporaryPassword{Address: "imani.cole@nhs.net"})}},
		{"a rejection rule cannot be approved past", oak, reasons(domain.LastOwner),
			domain.Request{Type: domain.Leaver, Account: janeSmith},
			want{outcome: domain.Rejected, reasons: reasons(domain.LastOwner), account: janeSmith}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture(t)
			ctx := dir.Context(tt.from, now)
			ctx.Approved, ctx.Desk = tt.approved, true
			got, err := handlers.Decide(ctx, tt.req, dir)
			if err != nil {
				t.Fatal(err)
			}
			check(t, got, tt.want)
			if got.Outcome == domain.Done {
				if err := dir.Apply(got.Effects...); err != nil {
					t.Fatalf("apply: %v", err)
				}
			}
		})
	}
}
