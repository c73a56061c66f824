package parser

import (
	"reflect"
	"testing"

	"nasbot/domain"
)

// TestDecidedReadings holds one case per value reading of docs/spec/requests.md "Readings decided": the
// request words, yes/no and role values, empty optional fields, the role a request word implies,
// addresses, ODS codes, sectors and mobiles.
func TestDecidedReadings(t *testing.T) {
	const user = "Name: Ann Able\nMobile: 07700 900123\nEmail: ann@example.org\n"
	addUser := func(r domain.Request) domain.Request {
		r.Type, r.Name, r.Mobile, r.Email = domain.AddUser, "Ann Able", "07700900123", "ann@example.org"
		return r
	}
	unknown := domain.Request{Type: domain.Unknown, Problems: []domain.Problem{problem(domain.UnknownRequest, "request")}}
	invalid := func(r domain.Request, field string) domain.Request {
		r.Problems = append(r.Problems, problem(domain.InvalidField, field))
		return r
	}
	leaver := domain.Request{Type: domain.Leaver, Account: "a@nhs.net"}
	tests := []struct {
		name string
		text string
		want domain.Request
	}{
		// Request words.
		{"word in any case and spacing", "Request:   aDD    USER\n" + user, addUser(domain.Request{})},
		{"word without its space", "Request: Adduser\n" + user, addUser(domain.Request{})},
		{"articles ignored", "Request: Add a user\n" + user, addUser(domain.Request{})},
		{"after a colon ignored", "Request: Leaver: please action\nAccount: a@nhs.net", leaver},
		{"after a dash ignored", "Request: Add user - urgent\n" + user, addUser(domain.Request{})},
		{"after an en dash ignored", "Request: Leaver – last day Friday\nAccount: a@nhs.net", leaver},
		{"after a comma ignored", "Request: Mark as leaver, thanks\nAccount: a@nhs.net", leaver},
		{"another word", "Request: Add user please\n" + user, unknown},
		{"a bracket is another word", "Request: Add user (new starter)\n" + user, unknown},
		{"unknown word", "Request: Order pads\nAccount: a@nhs.net", unknown},
		{"empty word", "Request:\nAccount: a@nhs.net", unknown},
		{"list accounts", "Request: Who has access", domain.Request{Type: domain.ListAccounts}},

		// Yes/no and role values.
		{"yes please", "Request: Joiner\nAccount: a@nhs.net\nLinked: Yes please", domain.Request{Type: domain.Joiner, Account: "a@nhs.net", Linked: yes()}},
		{"no with a comma", "Request: Joiner\nAccount: a@nhs.net\nLinked: No, thanks", domain.Request{Type: domain.Joiner, Account: "a@nhs.net", Linked: no()}},
		{"N/A", "Request: Joiner\nAccount: a@nhs.net\nLinked: N/A", invalid(domain.Request{Type: domain.Joiner, Account: "a@nhs.net"}, "linked")},
		{"yes or no", "Request: Joiner\nAccount: a@nhs.net\nLinked: yes or no", invalid(domain.Request{Type: domain.Joiner, Account: "a@nhs.net"}, "linked")},
		{"yes (no)", "Request: Joiner\nAccount: a@nhs.net\nLinked: Yes (no)", invalid(domain.Request{Type: domain.Joiner, Account: "a@nhs.net"}, "linked")},
		{"Member.", "Request: Joiner\nAccount: a@nhs.net\nRole: Member.", domain.Request{Type: domain.Joiner, Account: "a@nhs.net", Role: domain.RoleMember}},
		{"owner with a note", "Request: Joiner\nAccount: a@nhs.net\nRole: OWNER (manager)", domain.Request{Type: domain.Joiner, Account: "a@nhs.net", Role: domain.RoleOwner}},
		{"Owner/member", "Request: Joiner\nAccount: a@nhs.net\nRole: Owner/member", invalid(domain.Request{Type: domain.Joiner, Account: "a@nhs.net"}, "role")},
		{"Owner member", "Request: Joiner\nAccount: a@nhs.net\nRole: Owner member", invalid(domain.Request{Type: domain.Joiner, Account: "a@nhs.net"}, "role")},
		{"role by first letters", "Request: Joiner\nAccount: a@nhs.net\nRole: Ownership", invalid(domain.Request{Type: domain.Joiner, Account: "a@nhs.net"}, "role")},
		{"leaving profession yes", "Request: Leaver\nAccount: a@nhs.net\nLeaving profession: YES", domain.Request{Type: domain.Leaver, Account: "a@nhs.net", LeavingProfession: yes()}},
		{"leaving profession not yes/no", "Request: Leaver\nAccount: a@nhs.net\nLeaving profession: retiring", invalid(leaver, "leaving_profession")},
		{"empty optional field", "Request: Joiner\nAccount: a@nhs.net\nLinked:\nRole:", domain.Request{Type: domain.Joiner, Account: "a@nhs.net"}},
		{"make member with role owner", "Request: Make member\nAccount: a@nhs.net\nRole: Owner", invalid(domain.Request{Type: domain.ChangeRole, Account: "a@nhs.net", Role: domain.RoleMember}, "role")},
		{"make owner with role owner", "Request: Make owner\nAccount: a@nhs.net\nRole: owner", domain.Request{Type: domain.ChangeRole, Account: "a@nhs.net", Role: domain.RoleOwner}},

		// Requested by among a block's fields does not end the block.
		{"requested by among the fields", "Request: Make owner\nRequested by: Ann Able (ann.able@nhs.net)\nAccount: a@nhs.net",
			domain.Request{Type: domain.ChangeRole, Account: "a@nhs.net", Role: domain.RoleOwner, RequestedBy: person("Ann Able", "ann.able@nhs.net")}},

		// Addresses.
		{"email without an address", "Request: Add user\nName: Ann Able\nMobile: 07700 900123\nEmail: to follow", invalid(domain.Request{Type: domain.AddUser, Name: "Ann Able", Mobile: "07700900123"}, "email")},
		{"account as Name <address>", "Request: Leaver\nAccount: Ann Able <A@nhs.net>", leaver},
		{"account as address (Name)", "Request: Leaver\nAccount: a@nhs.net (Ann Able)", leaver},
		{"account without an address", "Request: Leaver\nAccount: Ann Able", invalid(domain.Request{Type: domain.Leaver}, "account")},
		{"account with two addresses", "Request: Leaver\nAccount: a@nhs.net, b@nhs.net", invalid(domain.Request{Type: domain.Leaver}, "account")},

		// ODS codes and sectors.
		{"social care code", "Request: Leaver\nAccount: a@nhs.net\nODS code: 1-2000000001", domain.Request{Type: domain.Leaver, Account: "a@nhs.net", ODS: "1-2000000001"}},
		{"code in lower case", "Request: Leaver\nAccount: a@nhs.net\nODS code: fa123", domain.Request{Type: domain.Leaver, Account: "a@nhs.net", ODS: "FA123"}},
		{"code with a space", "Request: Leaver\nAccount: a@nhs.net\nODS code: FA 123", invalid(leaver, "ods_code")},
		{"code too short", "Request: Leaver\nAccount: a@nhs.net\nODS code: F1", invalid(leaver, "ods_code")},
		{"code too long", "Request: Leaver\nAccount: a@nhs.net\nODS code: 1-20000000012", invalid(leaver, "ods_code")},
		{"code with a dot", "Request: Leaver\nAccount: a@nhs.net\nODS code: FA.123", invalid(leaver, "ods_code")},
		{"sector words", "Request: Register shared mailbox\nODS code: FB456\nSector: Dispensing appliance contractor\nOrganisation name: X\nTown: Y\n" + user,
			domain.Request{Type: domain.RegisterMailbox, ODS: "FB456", Sector: domain.DAC, OrganisationName: "X", Town: "Y", Name: "Ann Able", Mobile: "07700900123", Email: "ann@example.org"}},
		{"not a sector word", "Request: Register shared mailbox\nODS code: FB456\nSector: Chemist\nOrganisation name: X\nTown: Y\n" + user,
			invalid(domain.Request{Type: domain.RegisterMailbox, ODS: "FB456", OrganisationName: "X", Town: "Y", Name: "Ann Able", Mobile: "07700900123", Email: "ann@example.org"}, "sector")},

		// Mobiles.
		{"44 without plus", "Request: Add user\nName: Ann Able\nMobile: 44 7700 900123\nEmail: ann@example.org", addUser(domain.Request{})},
		{"comment after the mobile", "Request: Add user\nName: Ann Able\nMobile: 07700-900-123 (personal)\nEmail: ann@example.org", addUser(domain.Request{})},
		{"two mobiles", "Request: Add user\nName: Ann Able\nMobile: 07700 900123, 07700 900124\nEmail: ann@example.org",
			domain.Request{Type: domain.AddUser, Name: "Ann Able", Mobile: "07700 900123, 07700 900124", Email: "ann@example.org", Problems: []domain.Problem{problem(domain.MobileInvalid, "mobile")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse(plainMail(tt.text), Options{})
			if len(m.Requests) != 1 {
				t.Fatalf("%d requests", len(m.Requests))
			}
			got := comparable(m.Requests[0])
			got.Line = 0
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
