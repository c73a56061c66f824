package parser

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"nasbot/domain"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func person(name, addr string) *domain.Person { return &domain.Person{Name: name, Address: addr} }

// problem is a Problem without its Detail, which is prose for the sender.
func problem(reason domain.Reason, field string) domain.Problem {
	return domain.Problem{Reason: reason, Field: field}
}

// comparable drops what the table does not pin down: the block's Source (checked separately),
// the word as written, and the Detail prose.
func comparable(r domain.Request) domain.Request {
	r.Source = nil
	r.Word = ""
	ps := make([]domain.Problem, len(r.Problems))
	for i, p := range r.Problems {
		ps[i] = domain.Problem{Reason: p.Reason, Field: p.Field}
	}
	if len(ps) == 0 {
		ps = nil
	}
	r.Problems = ps
	return r
}

func assertRequests(t *testing.T, got []domain.Request, want []domain.Request) {
	t.Helper()
	if len(got) != len(want) {
		for _, r := range got {
			t.Logf("got %+v", comparable(r))
		}
		t.Fatalf("%d requests, want %d", len(got), len(want))
	}
	for i := range want {
		g := comparable(got[i])
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("request %d:\n got %+v\nwant %+v", i+1, g, want[i])
		}
		for _, p := range got[i].Problems {
			if strings.TrimSpace(p.Detail) == "" {
				t.Errorf("request %d: problem %s has no detail", i+1, p.Reason)
			}
		}
	}
}

func TestParseFixtures(t *testing.T) {
	owen := person("Owen Price", "owen.price@nhs.net")
	sunita := person("Sunita Varma", "sunita.varma@nhs.net")
	helen := person("Helen Shaw", "helen.shaw@nhs.net")
	tests := []struct {
		file         string
		requests     []domain.Request
		requestedBy  *domain.Person
		unrecognised []string
		textHas      []string // lines Message.Text must hold
	}{
		{
			file: "plain-add-user.eml", // 7bit, sign-off, a request-looking signature, footer
			requests: []domain.Request{{
				Type: domain.AddUser, Line: 5, Name: "Harriet Quinn", Mobile: "07700900311",
				Email: "harriet.quinn@example.com", Linked: yes(), Role: domain.RoleMember, RequestedBy: owen,
			}},
			requestedBy: owen,
			textHas:     []string{"Request: Leaver", "This message may contain confidential information. If you are not the intended recipient please inform the"},
		},
		{
			file: "html-only-aliases.eml", // HTML only: bold labels, &nbsp;, mailto with a name, a table, a blockquote
			requests: []domain.Request{
				{
					Type: domain.AddUser, Line: 5, Name: "Tomás Brennan", Mobile: "07700900322",
					Email: "tomas.brennan@example.org", Linked: yes(), Role: domain.RoleMember, RequestedBy: sunita,
				},
				{Type: domain.AddToMailbox, Line: 12, Account: "leah.marsh@nhs.net", Role: domain.RoleMember, RequestedBy: sunita},
			},
			requestedBy: sunita,
			textHas: []string{
				"Two things for Clearbrook Opticians please – details below.",
				"Mobile phone number: 07700 900322",
				"Email address: Tomás Brennan <tomas.brennan@example.org>",
				"Request:\tAdd to shared mailbox",
				"> Request: Leaver",
			},
		},
		{
			file: "alternative-cp1252.eml", // windows-1252 QP, NBSP, smart quotes; the plain part is read
			requests: []domain.Request{
				{Type: domain.AddUser, Line: 5, Name: "Niamh O’Neill", Mobile: "07700900333", Email: "niamh.oneill@example.net", Linked: no(), RequestedBy: person("Carys Bevan", "carys.bevan@nhs.net")},
				{Type: domain.ChangeRole, Line: 11, Account: "dylan.hughes@nhs.net", Role: domain.RoleMember, RequestedBy: person("Carys Bevan", "carys.bevan@nhs.net")},
			},
			requestedBy: person("Carys Bevan", "carys.bevan@nhs.net"),
			textHas:     []string{"We’d like the following for Hillside Dental please:", "Practice Manager – Hillside Dental, Ruthin"},
		},
		{
			file: "base64-bullets.eml", // base64; "1. ", "2) ", "- ", "* ", "• ", Word's "·" and a tab, "(1) "
			requests: []domain.Request{
				{Type: domain.AddToMailbox, Line: 5, Account: "priya.nair@nhs.net", Role: domain.RoleOwner, RequestedBy: helen},
				{Type: domain.RemoveFromMailbox, Line: 9, Account: "brian.cole@nhs.net", RequestedBy: helen},
				{Type: domain.RemoveFromMailbox, Line: 12, Account: "zara.ahmed@nhs.net", RequestedBy: helen},
				{Type: domain.AddToMailbox, Line: 15, Account: "kofi.mensah@nhs.net", Role: domain.RoleMember, RequestedBy: helen},
			},
			requestedBy: helen,
		},
		{
			file: "separators-lf.eml", // LF line ends; "Name - value", "Name = value", tabs, a blank line inside a block
			requests: []domain.Request{
				{Type: domain.Joiner, Line: 5, Account: "sam.okoro@nhs.net", Linked: yes(), Role: domain.RoleMember, RequestedBy: person("Gareth Lloyd", "gareth.lloyd@nhs.net")},
				{Type: domain.Joiner, Line: 10, Account: "ella.price@nhs.net", Linked: no(), RequestedBy: person("Gareth Lloyd", "gareth.lloyd@nhs.net")},
				{Type: domain.Joiner, Line: 15, Account: "joe.burns@nhs.net", Linked: yes(), Role: domain.RoleOwner, RequestedBy: person("Gareth Lloyd", "gareth.lloyd@nhs.net")},
			},
			requestedBy: person("Gareth Lloyd", "gareth.lloyd@nhs.net"),
		},
		{
			file: "csv-bulk.eml", // CSV attachment: another column order and case, BOM, extra column, blank row, problems
			requests: []domain.Request{
				{Type: domain.AddUser, Row: 1, Name: "Ruth Kemp", Mobile: "07700900341", Email: "ruth.kemp@example.com", Linked: yes(), Role: domain.RoleMember, Unused: []string{"Notes"}, RequestedBy: person("Martin Gale", "martin.gale@nhs.net")},
				{Type: domain.AddUser, Row: 2, Name: "Imran Malik", Mobile: "07700900342", Email: "imran.malik@example.com", Linked: yes(), Role: domain.RoleMember, RequestedBy: person("Martin Gale", "martin.gale@nhs.net")},
				{
					Type: domain.AddUser, Row: 3, Name: "Alice Ward", Mobile: "07700 900", Email: "alice.ward@example.com", Linked: yes(), RequestedBy: person("Martin Gale", "martin.gale@nhs.net"),
					Problems: []domain.Problem{problem(domain.MobileInvalid, "mobile"), problem(domain.InvalidField, "role")},
				},
				{Type: domain.Leaver, Row: 4, Account: "colin.reeve@nhs.net", RequestedBy: person("Martin Gale", "martin.gale@nhs.net")},
			},
			requestedBy: person("Martin Gale", "martin.gale@nhs.net"),
		},
		{
			file: "csv-inline.eml", // text/csv with no disposition, ";" and Windows-1252; a .csv sent as vnd.ms-excel
			requests: []domain.Request{
				{Type: domain.AddUser, Row: 1, Name: "Zoë Brown", Mobile: "07700900351", Email: "zoe.brown@example.com", Linked: yes(), Role: domain.RoleMember},
				{Type: domain.AddToMailbox, Row: 2, Account: "raj.patel@nhs.net", Role: domain.RoleOwner},
				{Type: domain.RemoveFromMailbox, Row: 1, Account: "old.locum@nhs.net"},
			},
		},
		{
			file: "reply-on-wrote.eml", // "On … wrote:" over two lines, then "> " quoting
			requests: []domain.Request{
				{Type: domain.ChangeName, Line: 5, Account: "dylan.hughes@nhs.net", NewName: "Dylan Hughes-Parry"},
			},
		},
		{
			file: "reply-inline-quote.eml", // "> " lines between the block and Requested by
			requests: []domain.Request{
				{Type: domain.CloseMailbox, Line: 3, CloseReason: "Sold to a new contractor", RequestedBy: owen},
			},
			requestedBy: owen,
		},
		{
			file: "original-message.eml", // -----Original Message-----
			requests: []domain.Request{
				{Type: domain.CloseMailbox, Line: 5, CloseReason: "Change of ownership", RequestedBy: owen},
			},
			requestedBy: owen,
		},
		{
			file: "outlook-reply-rule.eml", // ____ rule, From:/Sent:; Phone alias; dashes; +44 (0)
			requests: []domain.Request{
				{Type: domain.PasswordReset, Line: 5, Account: "leah.marsh@nhs.net", Mobile: "07700900381", RequestedBy: sunita},
				{Type: domain.PasswordReset, Line: 9, Account: "ben.ford@nhs.net", Mobile: "07700900382", RequestedBy: sunita},
			},
			requestedBy: sunita,
		},
		{
			file: "forward-on-top.eml", // FW: with From:/Sent: and no rule or sign-off; Location, Community pharmacy
			requests: []domain.Request{{
				Type: domain.RegisterMailbox, Line: 5, ODS: "FW7N2", Sector: domain.Pharmacy, OrganisationName: "Greenway Pharmacy",
				Town: "Kendal", Name: "Lena Fischer", Mobile: "07700900391", Email: "lena.fischer@example.com",
				Role: domain.RoleOwner, Linked: yes(), RequestedBy: owen,
			}},
			requestedBy: owen,
		},
		{
			file:     "forward-only.eml", // the only request is forwarded: nothing recognised
			requests: []domain.Request{},
		},
		{
			file: "signature-dashdash.eml", // "-- " signature; ODS code on a block; ods_change takes anything
			requests: []domain.Request{
				{Type: domain.Leaver, Line: 3, Account: "colin.reeve@nhs.net", LeavingProfession: yes(), ODS: "FJ8R2"},
				{Type: domain.ODSChange, Line: 8, ODS: "FJ8R2"},
			},
		},
		{
			file: "problems.eml",
			requests: []domain.Request{
				{Type: domain.Unknown, Line: 3, RequestedBy: sunita, Problems: []domain.Problem{problem(domain.UnknownRequest, "request")}},
				{
					Type: domain.AddUser, Line: 6, Name: "Kim Lowe", Mobile: "07012 345678", Unused: []string{"Date of birth"}, RequestedBy: sunita,
					Problems: []domain.Problem{problem(domain.MobileInvalid, "mobile"), problem(domain.InvalidField, "email"), problem(domain.InvalidField, "linked")},
				},
				// Priya's and Sunita's Requested by lines disagree: owner-only requests get requested_by.
				{Type: domain.ChangeRole, Line: 13, Account: "leah.marsh@nhs.net", RequestedBy: sunita, Problems: []domain.Problem{problem(domain.InvalidField, "role"), problem(domain.InvalidField, "requested_by")}},
				{
					Type: domain.ChangeRole, Line: 17, Account: "ben.ford@nhs.net", Role: domain.RoleOwner, RequestedBy: person("Priya Nair", "priya.nair@nhs.net"),
					Problems: []domain.Problem{problem(domain.InvalidField, "role"), problem(domain.InvalidField, "requested_by")},
				},
				{
					Type: domain.RegisterMailbox, Line: 22, Town: "Kendal", RequestedBy: sunita,
					Problems: []domain.Problem{
						problem(domain.InvalidField, "ods_code"), problem(domain.InvalidField, "sector"),
						problem(domain.MissingField, "organisation_name"), problem(domain.MissingField, "name"),
						problem(domain.MissingField, "mobile"), problem(domain.MissingField, "email"),
						problem(domain.InvalidField, "requested_by"),
					},
				},
				{Type: domain.ChangeName, Line: 27, Account: "ben.ford@nhs.net", Unused: []string{"Mobile"}, RequestedBy: sunita, Problems: []domain.Problem{problem(domain.MissingField, "new_name")}},
				{Type: domain.Unknown, Line: 31, RequestedBy: sunita, Problems: []domain.Problem{problem(domain.UnknownRequest, "request")}},
			},
			requestedBy: sunita,
		},
		{
			file:         "unrecognised.eml",
			requests:     []domain.Request{},
			requestedBy:  person("Carys Bevan", "carys.bevan@nhs.net"),
			unrecognised: []string{"Please set up Megan, details:", "Name: Megan Tully", "Mobile - 07700 900189"},
		},
		{
			file:     "unknown-encoding.eml", // unknown transfer encoding and charset: the body as it stands
			requests: []domain.Request{{Type: domain.Leaver, Line: 1, Account: "odd.encoding@nhs.net", LeavingProfession: no()}},
		},
		{
			file:        "gmail-alternative.eml", // *bold* labels, "Sent from my iPhone", wrapped attribution
			requests:    []domain.Request{{Type: domain.ChangeRole, Line: 3, Account: "priya.nair@nhs.net", Role: domain.RoleOwner, RequestedBy: helen}},
			requestedBy: helen,
		},
		{
			file:        "gmail-html-only.eml", // divs, <br>, a gmail_quote blockquote
			requests:    []domain.Request{{Type: domain.ChangeRole, Line: 3, Account: "priya.nair@nhs.net", Role: domain.RoleOwner, RequestedBy: helen}},
			requestedBy: helen,
			textHas:     []string{"Account: Priya <priya.nair@nhs.net>", "> Request: Leaver"},
		},
		{
			file:        "typical-outlook.eml",
			requests:    []domain.Request{{Type: domain.Joiner, Line: 5, Account: "sam.okoro@nhs.net", Linked: yes(), Role: domain.RoleMember, RequestedBy: helen}},
			requestedBy: helen,
		},
		{
			file: "aliases.eml", // the remaining request words and field synonyms
			requests: []domain.Request{
				{Type: domain.AddUser, Line: 3, Name: "Ivy Stone", Mobile: "07700900401", Email: "ivy.stone@example.org", Linked: no(), Role: domain.RoleOwner, RequestedBy: person("Ivy Stone", "ivy.stone@nhs.net")},
				{Type: domain.RemoveFromMailbox, Line: 10, Account: "ivy.old@nhs.net", RequestedBy: person("Ivy Stone", "ivy.stone@nhs.net")},
				{Type: domain.PasswordReset, Line: 13, Account: "ivy.stone@nhs.net", Mobile: "07700900401", RequestedBy: person("Ivy Stone", "ivy.stone@nhs.net")},
				{Type: domain.ChangeName, Line: 17, Account: "ivy.stone@nhs.net", NewName: "Ivy Stone-Hart", RequestedBy: person("Ivy Stone", "ivy.stone@nhs.net")},
				{Type: domain.CloseMailbox, Line: 21, RequestedBy: person("Ivy Stone", "ivy.stone@nhs.net")},
				{Type: domain.ODSChange, Line: 23, RequestedBy: person("Ivy Stone", "ivy.stone@nhs.net")},
				{Type: domain.ChangeRole, Line: 26, Account: "ivy.stone@nhs.net", Role: domain.RoleMember, RequestedBy: person("Ivy Stone", "ivy.stone@nhs.net")},
				{Type: domain.Leaver, Line: 29, Account: "ivy.old@nhs.net", LeavingProfession: yes(), RequestedBy: person("Ivy Stone", "ivy.stone@nhs.net")},
				{
					Type: domain.RegisterMailbox, Line: 33, ODS: "FQ9Z1", Sector: domain.DAC, OrganisationName: "Fellside North", Town: "Keswick",
					Name: "Ivy Stone", Mobile: "07700900401", Email: "ivy.stone@example.org", Role: domain.RoleOwner, RequestedBy: person("Ivy Stone", "ivy.stone@nhs.net"),
				},
			},
			requestedBy: person("Ivy Stone", "ivy.stone@nhs.net"),
		},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			m := Parse(readFixture(t, tt.file), Options{})
			assertRequests(t, m.Requests, tt.requests)
			if !reflect.DeepEqual(m.RequestedBy, tt.requestedBy) {
				t.Errorf("RequestedBy = %+v, want %+v", m.RequestedBy, tt.requestedBy)
			}
			if !reflect.DeepEqual(m.Unrecognised, tt.unrecognised) {
				t.Errorf("Unrecognised = %q, want %q", m.Unrecognised, tt.unrecognised)
			}
			lines := strings.Split(m.Text, "\n")
			for _, want := range tt.textHas {
				found := false
				for _, l := range lines {
					found = found || l == want
				}
				if !found {
					t.Errorf("Text has no line %q:\n%s", want, m.Text)
				}
			}
			// Line and Source point at the block in Text.
			for _, r := range m.Requests {
				if r.Row != 0 {
					continue
				}
				if r.Line < 1 || r.Line > len(lines) || len(r.Source) == 0 || lines[r.Line-1] != r.Source[0] {
					t.Errorf("request at line %d: Source %q does not start at that line of Text", r.Line, r.Source)
				}
			}
			if m.Refusal != "" {
				t.Errorf("Refusal = %q", m.Refusal)
			}
		})
	}
}
