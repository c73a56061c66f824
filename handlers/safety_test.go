package handlers_test

import (
	"testing"

	"nasbot/domain"
)

// rose is a social care provider whose ODS code, 1-2000000001, has a dash and ten digits.
const rose = "care.1-2000000001@nhs.net"

// The safety rules added after review (docs/spec/rules.md) and the readings that go with them, on the
// edges the other tables do not reach.
func TestSafetyRules(t *testing.T) {
	runCases(t, []ruleCase{
		// A closed shared mailbox is not a sender; its people still are, for themselves.
		{"closed mailbox asks for an ODS change", stationRd, domain.Request{Type: domain.ODSChange},
			want{outcome: domain.Rejected, reasons: reasons(domain.MailboxClosed)}},
		{"closed mailbox sends a block the parser could not read", stationRd, domain.Request{Type: domain.AddUser,
			Problems: []domain.Problem{{Reason: domain.MissingField, Field: "mobile"}}},
			want{outcome: domain.Rejected, reasons: reasons(domain.MailboxClosed)}},
		{"an account of a closed site changes its own name", "ivan.petrov@nhs.net",
			domain.Request{Type: domain.ChangeName, Account: "ivan.petrov@nhs.net", NewName: "Ivan Petrovic"},
			want{outcome: domain.Done, account: "ivan.petrov@nhs.net"}},

		// Leavers belong to no site until a joiner request.
		{"password reset for a leaver", oak, domain.Request{Type: domain.PasswordReset, Account: "paul.hale@nhs.net",
			Mobile: "07700900505", RequestedBy: by(janeSmith)},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "paul.hale@nhs.net"}},
		{"a leaver asks for their own name change", "paul.hale@nhs.net",
			domain.Request{Type: domain.ChangeName, Account: "paul.hale@nhs.net", NewName: "Paul Hill"},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "paul.hale@nhs.net"}},
		{"a leaver of another site", willow, domain.Request{Type: domain.RemoveFromMailbox, Account: "paul.hale@nhs.net"},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "paul.hale@nhs.net"}},
		{"a joiner still brings a leaver back", willow, domain.Request{Type: domain.Joiner, Account: "paul.hale@nhs.net"},
			want{outcome: domain.Done, account: "paul.hale@nhs.net"}},

		// A social care provider's own code is the site's code like any other.
		{"block ODS code of a social care provider", rose, domain.Request{Type: domain.ChangeRole, Account: "rosa.lind@nhs.net",
			Role: domain.RoleOwner, ODS: "1-2000000001", RequestedBy: by("rosa.lind@nhs.net")},
			want{outcome: domain.Done, account: "rosa.lind@nhs.net"}},
		{"add user at a social care provider, naming its code", rose, func() domain.Request {
			r := addUserReq("Ana Costa", "07700900601")
			r.ODS = "1-2000000001"
			return r
		}(), want{outcome: domain.Done, account: "ana.costa@nhs.net"}},
		{"another site's code from a social care provider", rose, func() domain.Request {
			r := addUserReq("Ana Costa", "07700900601")
			r.ODS = "1-2000000002"
			return r
		}(), want{outcome: domain.Rejected, reasons: reasons(domain.ODSMismatch)}},

		// requests[].account for an old address is the account's current address, refused or not.
		{"an alias named in a refused request", willow, domain.Request{Type: domain.RemoveFromMailbox, Account: "mary.jones@nhs.net"},
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "nia.evans@nhs.net"}},
	})
}
