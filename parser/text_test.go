package parser

import (
	"reflect"
	"strings"
	"testing"

	"nasbot/domain"
)

// plainMail makes a minimal text/plain message around text.
func plainMail(text string) []byte {
	return []byte("From: pharmacy.fa123@nhs.net\r\nSubject: t\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text)
}

func TestSplitField(t *testing.T) {
	tests := []struct {
		line        string
		name, value string
		id          field
		ok          bool
	}{
		{"Name: Jane Smith", "Name", "Jane Smith", fieldName, true},
		{"NAME:Jane", "NAME", "Jane", fieldName, true},
		{"Mobile number : 07700 900123", "Mobile number", "07700 900123", fieldMobile, true},
		{"Mobile phone number - 07700-900-123", "Mobile phone number", "07700-900-123", fieldMobile, true},
		{"Email address = jane@example.com", "Email address", "jane@example.com", fieldEmail, true},
		{"E-mail: jane@example.com", "E-mail", "jane@example.com", fieldEmail, true},
		{"Linked to shared mailbox\tYes", "Linked to shared mailbox", "Yes", fieldLinked, true},
		{"Role:\tMember", "Role", "Member", fieldRole, true},
		{"Role\t:\tMember", "Role", "Member", fieldRole, true},
		{"*Request:* Add user", "Request", "Add user", fieldRequest, true},
		{"Request – Leaver", "Request", "Leaver", fieldRequest, true},
		{"Request -Leaver", "Request", "Leaver", fieldRequest, true},
		{"Name- Jane Smith-Jones", "Name", "Jane Smith-Jones", fieldName, true},
		{"Owner or member: Owner", "Owner or member", "Owner", fieldRole, true},
		{"NHSmail address: a@nhs.net", "NHSmail address", "a@nhs.net", fieldAccount, true},
		{"Requested by: A B (a@nhs.net)", "Requested by", "A B (a@nhs.net)", fieldRequestedBy, true},
		{"ODS code：FA123", "ODS code", "FA123", fieldODS, true},
		{"Parent organisation: Moorland Health", "Parent organisation", "Moorland Health", fieldUnknown, true},
		{"Date of birth: 1 April", "Date of birth", "1 April", fieldUnknown, true},
		// Not fields: prose, times, links, unknown names with loose separators.
		{"Thanks for setting Farah up. One more thing - Daniel is leaving us on Friday:", "", "", fieldUnknown, false},
		{"She starts at 9:30 on Monday", "", "", fieldUnknown, false},
		{"https://example.org/form", "", "", fieldUnknown, false},
		{"Sophie has moved - no longer needs it", "", "", fieldUnknown, false},
		{"x = y", "", "", fieldUnknown, false},
		{"We need four more pads please.", "", "", fieldUnknown, false},
		{"", "", "", fieldUnknown, false},
	}
	for _, tt := range tests {
		name, value, id, ok := splitField(tt.line)
		if name != tt.name || value != tt.value || id != tt.id || ok != tt.ok {
			t.Errorf("splitField(%q) = %q, %q, %v, %v; want %q, %q, %v, %v", tt.line, name, value, id, ok, tt.name, tt.value, tt.id, tt.ok)
		}
	}
}

func TestNormLine(t *testing.T) {
	tests := map[string]string{
		"- Name: Jane":             "Name: Jane",
		"* Name: Jane":             "Name: Jane",
		"• Name: Jane":             "Name: Jane",
		"·\tName: Jane":            "Name: Jane",
		"\uf0b7 Name: Jane":        "Name: Jane",
		"o\tName: Jane":            "Name: Jane",
		"1. Name: Jane":            "Name: Jane",
		"12) Name: Jane":           "Name: Jane",
		"(3) Name: Jane":           "Name: Jane",
		"1.Name: Jane":             "Name: Jane",
		"- 1. Request: Add user":   "Request: Add user",
		"\u00a0 Name:\u00a0Jane ":  "Name: Jane",
		"Na\u200bme: Jane":         "Name: Jane",
		"-Name: Jane":              "-Name: Jane",
		"07700 900123":             "07700 900123",
		"2026. A year":             "2026. A year",
		"+44 7700 900123":          "+44 7700 900123",
		"other words":              "other words",
		"> Request: Add user":      "> Request: Add user",
		"  \t  ":                   "",
		"o dear":                   "o dear",
		"*Request:* Add user":      "*Request:* Add user",
		"– Account: a@nhs.net":     "Account: a@nhs.net",
		"(12345) is a number":      "(12345) is a number",
		"3) ":                      "3)",
		"§ Role: Owner":            "Role: Owner",
		"\ufeffRequest: Add user":  "Request: Add user",
		"1\tRequest: Add user":     "1\tRequest: Add user",
		"•Request: Add user":       "Request: Add user",
		"- - Request: Add user":    "Request: Add user",
		"Request: Add user\u00a0":  "Request: Add user",
		"\u00a0\u00a0Role: Member": "Role: Member",
	}
	for in, want := range tests {
		if got := normLine(in); got != want {
			t.Errorf("normLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignOff(t *testing.T) {
	for _, l := range []string{"Kind regards", "Kind regards,", "Regards", "Many thanks,", "Thanks", "Thanks!", "Best wishes",
		"Cheers,", "Thanks, Priya", "Regards Martin Shaw", "Many thanks, Amelia Hart", "Thank you", "Best regards,", "Yours sincerely"} {
		if !isSignOff(l) {
			t.Errorf("isSignOff(%q) = false", l)
		}
	}
	for _, l := range []string{"Thanks for setting Farah up.", "Thanks, please also add Jo", "Regards the account below:",
		"Request: Add user", "Thanks so much for the help last week with everything", "thanks, priya and the team"} {
		if isSignOff(l) {
			t.Errorf("isSignOff(%q) = true", l)
		}
	}
}

func TestCuts(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		count int
	}{
		{"after sign-off", "Request: Leaver\nAccount: a@nhs.net\n\nKind regards\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{"sign-off ends a block", "Request: Leaver\nAccount: a@nhs.net\nThanks\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{"dash dash", "Request: Leaver\nAccount: a@nhs.net\n-- \nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{"original message", "Request: Leaver\nAccount: a@nhs.net\n----- Original Message -----\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{"forwarded message", "-------- Forwarded message --------\nRequest: Leaver\nAccount: b@nhs.net\n", 0},
		{"begin forwarded", "Begin forwarded message:\n\nRequest: Leaver\nAccount: b@nhs.net\n", 0},
		{"on wrote", "Request: Leaver\nAccount: a@nhs.net\nOn Mon, 2 Mar 2026 at 09:00, X <x@y.z> wrote:\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{"on wrote wrapped", "See below\nOn Mon, 2 Mar 2026 at 09:00, NHSmail National Administration\nService <x@y.z> wrote:\nRequest: Leaver\nAccount: b@nhs.net\n", 0},
		{"outlook from sent", "Request: Leaver\nAccount: a@nhs.net\n\nFrom: X <x@y.z>\nSent: 1 March 2026 10:00\nTo: Y\nSubject: staff\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{"outlook from date bold", "*From:* X <x@y.z>\n*Date:* 1 March 2026\n*Subject:* staff\nRequest: Leaver\nAccount: b@nhs.net\n", 0},
		{"outlook subject before date", "From: X <x@y.z>\nSubject: staff\nTo: Y\nDate: 1 March 2026\nRequest: Leaver\nAccount: b@nhs.net\n", 0},
		{
			"outlook header with long To and Cc lists",
			"Request: Leaver\nAccount: a@nhs.net\n\nFrom: X <x@y.z>\nTo: A <a@y.z>; B <b@y.z>;\n C <c@y.z>; D <d@y.z>;\n E <e@y.z>\nCc: F <f@y.z>;\n G <g@y.z>;\n H <h@y.z>\nSent: 1 March 2026 10:00\nSubject: staff\n\nRequest: Leaver\nAccount: b@nhs.net\n",
			1,
		},
		{"from and sent without subject is no header", "From: head office\nSent: by post\n\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{
			"subject 10 lines below from",
			"From: head office\nSent: by post\n1\n2\n3\n4\n5\n6\n7\n8\nSubject: staff\n\nRequest: Leaver\nAccount: b@nhs.net\n",
			0,
		},
		{
			"subject more than 10 lines below from",
			"From: head office\nSent: by post\n1\n2\n3\n4\n5\n6\n7\n8\n9\nSubject: staff\n\nRequest: Leaver\nAccount: b@nhs.net\n",
			1,
		},
		{"a From field alone is no header", "From: our head office\n\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{"footer", "Request: Leaver\nAccount: a@nhs.net\n*****\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{"quoted lines", "> Request: Leaver\n> Account: b@nhs.net\n", 0},
		{"request after free text", "Hi,\nplease do this: thanks.\nSome more words here.\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
		{"sent from my iphone", "Request: Leaver\nAccount: a@nhs.net\nSent from my iPhone\nRequest: Leaver\nAccount: b@nhs.net\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse(plainMail(tt.text), Options{})
			if len(m.Requests) != tt.count {
				t.Errorf("%d requests, want %d", len(m.Requests), tt.count)
			}
		})
	}
}

func TestBlocks(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		lines  []int
		source [][]string
	}{
		{
			"blank line then prose ends a block",
			"Request: Leaver\nAccount: a@nhs.net\n\nShe is moving on.\n\nRequest: Joiner\nAccount: b@nhs.net\n",
			[]int{1, 6}, [][]string{{"Request: Leaver", "Account: a@nhs.net"}, {"Request: Joiner", "Account: b@nhs.net"}},
		},
		{
			"blank lines inside a block",
			"Request: Add user\nName: Jo Bloggs\n\nMobile: 07700 900123\n\n\nEmail: jo@example.com\n",
			[]int{1}, [][]string{{"Request: Add user", "Name: Jo Bloggs", "", "Mobile: 07700 900123", "", "", "Email: jo@example.com"}},
		},
		{
			"prose right under the Request line stays in the block",
			"Request: Order pads\nWe need four more pads please.\n\nRequest: Leaver\nAccount: a@nhs.net\n",
			[]int{1, 4}, [][]string{{"Request: Order pads", "We need four more pads please."}, {"Request: Leaver", "Account: a@nhs.net"}},
		},
		{
			"CRLF, and an empty Request line is of unknown type even with a type under it",
			"Request:\r\nLeaver\r\nAccount: a@nhs.net\r\n",
			[]int{1}, [][]string{{"Request:", "Leaver", "Account: a@nhs.net"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse(plainMail(tt.text), Options{})
			var lines []int
			var source [][]string
			for _, r := range m.Requests {
				lines = append(lines, r.Line)
				source = append(source, r.Source)
				if strings.Contains(tt.name, "unknown type") {
					if r.Type != domain.Unknown {
						t.Errorf("type %s, want unknown", r.Type)
					}
				} else if r.HasProblems() && !strings.Contains(tt.name, "prose") {
					t.Errorf("problems %+v", r.Problems)
				}
			}
			if !reflect.DeepEqual(lines, tt.lines) || !reflect.DeepEqual(source, tt.source) {
				t.Errorf("lines %v source %q; want %v %q", lines, source, tt.lines, tt.source)
			}
		})
	}
}

func TestRequestedBy(t *testing.T) {
	a := person("Ann Able", "ann.able@nhs.net")
	b := person("Bob Baker", "bob.baker@nhs.net")
	tests := []struct {
		name  string
		text  string
		mail  *domain.Person
		perRq []*domain.Person
	}{
		{"after the blocks", "Request: Leaver\nAccount: x@nhs.net\n\nRequest: Leaver\nAccount: y@nhs.net\n\nRequested by: Ann Able (ann.able@nhs.net)\n", a, []*domain.Person{a, a}},
		{"before the blocks", "Requested by: Ann Able <ann.able@nhs.net>\n\nRequest: Leaver\nAccount: x@nhs.net\n", a, []*domain.Person{a}},
		{
			"one per block, under its fields",
			"Request: Leaver\nAccount: x@nhs.net\nRequested by: Ann Able (ann.able@nhs.net)\n\nRequest: Leaver\nAccount: y@nhs.net\nRequested by: Bob Baker (bob.baker@nhs.net)\n",
			b, []*domain.Person{a, b},
		},
		{
			"block's own beats the mail's",
			"Request: Leaver\nAccount: x@nhs.net\nRequested by: Bob Baker (bob.baker@nhs.net)\n\nRequest: Leaver\nAccount: y@nhs.net\n\nRequested by: Ann Able (ann.able@nhs.net)\n",
			a, []*domain.Person{b, a},
		},
		{
			"under the last block only: applies to all",
			"Request: Leaver\nAccount: x@nhs.net\n\nRequest: Leaver\nAccount: y@nhs.net\nRequested by: Ann Able (ann.able@nhs.net)\n",
			a, []*domain.Person{a, a},
		},
		{
			"in the signature",
			"Request: Leaver\nAccount: x@nhs.net\n\nKind regards\nAnn\nRequested by: Ann Able (ann.able@nhs.net)\n",
			a, []*domain.Person{a},
		},
		{
			"not from quoted history",
			"Request: Leaver\nAccount: x@nhs.net\n\nOn Mon, 2 Mar 2026, Ann wrote:\n> Requested by: Ann Able (ann.able@nhs.net)\n",
			nil, []*domain.Person{nil},
		},
		{"mailto link", "Requested by: Ann Able <mailto:Ann.Able@NHS.net>\nRequest: Leaver\nAccount: x@nhs.net\n", a, []*domain.Person{a}},
		{"title after the address", "Requested by: Ann Able (ann.able@nhs.net), Manager\nRequest: Leaver\nAccount: x@nhs.net\n", person("Ann Able, Manager", "ann.able@nhs.net"), []*domain.Person{person("Ann Able, Manager", "ann.able@nhs.net")}},
		{"name only", "Requested by: Ann Able\nRequest: Leaver\nAccount: x@nhs.net\n", person("Ann Able", ""), []*domain.Person{person("Ann Able", "")}},
		{
			"among the block's fields, the block goes on",
			"Request: Make owner\nRequested by: Bob Baker (bob.baker@nhs.net)\nAccount: x@nhs.net\n\nRequest: Leaver\nAccount: y@nhs.net\n",
			b, []*domain.Person{b, b},
		},
		{
			"an address in the signature beats a name alone",
			"Requested by: Ann Able\n\nRequest: Leaver\nAccount: x@nhs.net\n\nKind regards\nRequested by: Ann Able (ann.able@nhs.net)\n",
			a, []*domain.Person{a},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse(plainMail(tt.text), Options{})
			if !reflect.DeepEqual(m.RequestedBy, tt.mail) {
				t.Errorf("mail RequestedBy %+v, want %+v", m.RequestedBy, tt.mail)
			}
			if len(m.Requests) != len(tt.perRq) {
				t.Fatalf("%d requests", len(m.Requests))
			}
			for i, r := range m.Requests {
				if !reflect.DeepEqual(r.RequestedBy, tt.perRq[i]) {
					t.Errorf("request %d RequestedBy %+v, want %+v", i+1, r.RequestedBy, tt.perRq[i])
				}
			}
		})
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		name string
		text string
		want domain.Request
	}{
		{"yes/no and role in any case", "Request: Joiner\nAccount: A@NHS.NET\nLinked: TRUE\nRole: OWNER", domain.Request{Type: domain.Joiner, Account: "a@nhs.net", Linked: yes(), Role: domain.RoleOwner}},
		{"y and n", "Request: Leaver\nAccount: a@nhs.net\nLeaving profession: n", domain.Request{Type: domain.Leaver, Account: "a@nhs.net", LeavingProfession: no()}},
		{"email is the account", "Request: Remove user\nEmail: Name <A.B@nhs.net>", domain.Request{Type: domain.RemoveFromMailbox, Account: "a.b@nhs.net"}},
		{"account wins over email", "Request: Leaver\nEmail: other@nhs.net\nAccount: a@nhs.net", domain.Request{Type: domain.Leaver, Account: "a@nhs.net", Unused: []string{"Email"}}},
		{"mailto", "Request: Leaver\nAccount: mailto:a@nhs.net", domain.Request{Type: domain.Leaver, Account: "a@nhs.net"}},
		{"outlook link", "Request: Leaver\nAccount: a@nhs.net <mailto:a@nhs.net>", domain.Request{Type: domain.Leaver, Account: "a@nhs.net"}},
		{"trailing dot", "Request: Leaver\nAccount: a@nhs.net.", domain.Request{Type: domain.Leaver, Account: "a@nhs.net"}},
		{"sectors", "Request: Register shared mailbox\nODS code: v12345\nSector: DENTAL\nOrganisation name: Smile  Dental\nTown: Leek\nName: A B\nMobile: 07700900123\nEmail: a@b.example",
			domain.Request{Type: domain.RegisterMailbox, ODS: "V12345", Sector: domain.Dental, OrganisationName: "Smile Dental", Town: "Leek", Name: "A B", Mobile: "07700900123", Email: "a@b.example"}},
		{"articles and case in the word", "Request: ADD A USER\nName: A B\nMobile: 07700900123\nEmail: a@b.example", domain.Request{Type: domain.AddUser, Name: "A B", Mobile: "07700900123", Email: "a@b.example"}},
		{"mobile with words", "Request: Password reset\nAccount: a@nhs.net\nMobile: 07700 900123 (her personal mobile)", domain.Request{Type: domain.PasswordReset, Account: "a@nhs.net", Mobile: "07700900123"}},
		{"two mobiles", "Request: Password reset\nAccount: a@nhs.net\nMobile: 07700 900123 or 07700 900124", domain.Request{Type: domain.PasswordReset, Account: "a@nhs.net", Mobile: "07700 900123 or 07700 900124", Problems: []domain.Problem{problem(domain.MobileInvalid, "mobile")}}},
		{"word with more after it", "Request: Leaver - last day Friday\nAccount: a@nhs.net", domain.Request{Type: domain.Leaver, Account: "a@nhs.net"}},
		{"word with a comma after it", "Request: Add user, new dispenser\nName: A B\nMobile: 07700900123\nEmail: a@b.example", domain.Request{Type: domain.AddUser, Name: "A B", Mobile: "07700900123", Email: "a@b.example"}},
		{"empty values are missing", "Request: Change role\nAccount: a@nhs.net\nRole:", domain.Request{Type: domain.ChangeRole, Account: "a@nhs.net", Problems: []domain.Problem{problem(domain.MissingField, "role")}}},
		{"duplicate field", "Request: Leaver\nAccount: a@nhs.net\nAccount: b@nhs.net", domain.Request{Type: domain.Leaver, Account: "a@nhs.net", Unused: []string{"Account"}}},
		{"unknown field", "Request: Leaver\nAccount: a@nhs.net\nNote: last day Friday", domain.Request{Type: domain.Leaver, Account: "a@nhs.net", Unused: []string{"Note"}}},
		{"invalid account", "Request: Leaver\nAccount: John Smith", domain.Request{Type: domain.Leaver, Problems: []domain.Problem{problem(domain.InvalidField, "account")}}},
		{"sector care", "Request: Register shared mailbox\nODS code: VN1\nSector: Social care\nOrganisation name: X\nTown: Y\nName: A B\nMobile: +447700900123\nEmail: a@b.example",
			domain.Request{Type: domain.RegisterMailbox, ODS: "VN1", Sector: domain.Care, OrganisationName: "X", Town: "Y", Name: "A B", Mobile: "07700900123", Email: "a@b.example"}},
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

func TestLimits(t *testing.T) {
	raw := plainMail("Request: Leaver\nAccount: a@nhs.net\n\nRequest: Leaver\nAccount: b@nhs.net\n\nRequest: Leaver\nAccount: c@nhs.net\n")
	m := Parse(raw, Options{MaxRequests: 2})
	if m.Refusal != domain.TooManyRequests || len(m.Requests) != 3 {
		t.Errorf("refusal %q, %d requests", m.Refusal, len(m.Requests))
	}
	m = Parse(raw, Options{MaxSize: 100})
	if m.Refusal != domain.TooLarge || len(m.Requests) != 0 || m.Requests == nil || m.Envelope.FromAddress() != "pharmacy.fa123@nhs.net" || m.Text != "" {
		t.Errorf("refusal %q, %d requests, envelope %+v", m.Refusal, len(m.Requests), m.Envelope)
	}
	m = Parse(raw, Options{})
	if m.Refusal != "" || len(m.Requests) != 3 {
		t.Errorf("defaults: refusal %q, %d requests", m.Refusal, len(m.Requests))
	}
}

func TestCSV(t *testing.T) {
	tests := []struct {
		name  string
		csv   string
		types []domain.RequestType
		unrec []string
	}{
		{"header only", "request,name\n", nil, nil},
		{"no request column", "name,mobile\nJo,07700900123\n", nil, []string{"name,mobile"}},
		{"excel sep line", "sep=;\nrequest;account\nLeaver;a@nhs.net\n", []domain.RequestType{domain.Leaver}, nil},
		{"tabs", "Request\tAccount\nLeaver\tA@nhs.net\n", []domain.RequestType{domain.Leaver}, nil},
		{"quoted commas and extra cells", "request,name,mobile,email\n\"Add user\",\"Smith, Jo\",07700900123,jo@example.com,extra\n", []domain.RequestType{domain.AddUser}, nil},
		{"empty request cell", "request,account\n,a@nhs.net\n", []domain.RequestType{domain.Unknown}, nil},
		// An unclosed quote runs to the end of the file: one row, all in its request cell.
		{"broken quotes", "request,account\n\"Leaver,a@nhs.net\nLeaver,b@nhs.net\n", []domain.RequestType{domain.Leaver}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: a@nhs.net\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8''list%20one.CSV\r\n\r\n" + tt.csv + "\r\n--b--\r\n"
			m := Parse([]byte(raw), Options{})
			var types []domain.RequestType
			for _, r := range m.Requests {
				types = append(types, r.Type)
				if r.Line != 0 || r.Row < 1 {
					t.Errorf("CSV request line %d row %d", r.Line, r.Row)
				}
			}
			if !reflect.DeepEqual(types, tt.types) || !reflect.DeepEqual(m.Unrecognised, tt.unrec) {
				t.Errorf("types %v unrecognised %q; want %v %q", types, m.Unrecognised, tt.types, tt.unrec)
			}
			if len(m.Attachments) != 1 || m.Attachments[0].Filename != "list one.CSV" {
				t.Errorf("attachments %+v", m.Attachments)
			}
		})
	}
}
