package parser

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"nasbot/domain"
)

// read is what a fixture's request must be read as: its type, the account it names and its
// problems as "reason:field".
type read struct {
	typ      domain.RequestType
	account  string
	problems []string
}

func readOf(r domain.Request) read {
	got := read{typ: r.Type, account: r.Account}
	for _, p := range r.Problems {
		got.problems = append(got.problems, string(p.Reason)+":"+p.Field)
	}
	return got
}

// TestReadingFixtures parses one real mail per decided reading (testdata/readings, written as
// Outlook and Exchange Online send them, for the sites of the sample corpus directory).
func TestReadingFixtures(t *testing.T) {
	amelia := person("Amelia Hart", "amelia.hart@nhs.net")
	tests := []struct {
		file        string
		want        []read
		requestedBy *domain.Person
		check       func(t *testing.T, m *domain.Message)
	}{
		{file: "plain-preferred.eml", want: []read{{typ: domain.Leaver, account: "tomasz.nowak@nhs.net"}}, requestedBy: amelia},
		{file: "hidden-html.eml", want: []read{{typ: domain.Leaver, account: "daniel.okafor@nhs.net"}}, requestedBy: amelia},
		{file: "outlook-long-header.eml", want: []read{{typ: domain.Leaver, account: "grace.lindqvist@nhs.net"}}, requestedBy: amelia},
		{
			file: "request-words.eml", requestedBy: amelia,
			want: []read{
				{typ: domain.AddUser},
				{typ: domain.Leaver, account: "tomasz.nowak@nhs.net"},
				{typ: domain.Leaver, account: "grace.lindqvist@nhs.net"},
				{typ: domain.Unknown, problems: []string{"unknown_request:request"}},
				{typ: domain.Unknown, problems: []string{"unknown_request:request"}},
				{typ: domain.Unknown, problems: []string{"unknown_request:request"}},
			},
		},
		{
			file: "listed-values.eml", requestedBy: amelia,
			want: []read{
				{typ: domain.AddUser},
				{typ: domain.Joiner, account: "ben.cole@nhs.net", problems: []string{"invalid_field:linked"}},
				{typ: domain.AddToMailbox, account: "hannah.price@nhs.net", problems: []string{"invalid_field:role"}},
				{typ: domain.Leaver, account: "tomasz.nowak@nhs.net", problems: []string{"invalid_field:leaving_profession"}},
				{typ: domain.ChangeRole, account: "daniel.okafor@nhs.net", problems: []string{"invalid_field:role"}},
				{typ: domain.Joiner, account: "ben.cole@nhs.net"},
			},
			check: func(t *testing.T, m *domain.Message) {
				if r := m.Requests[0]; r.Linked == nil || !*r.Linked || r.Role != domain.RoleMember {
					t.Errorf("Yes please / Member. read as linked %v role %q", r.Linked, r.Role)
				}
				if r := m.Requests[5]; r.Linked != nil || r.Role != "" {
					t.Errorf("empty Linked and Role read as %v %q", r.Linked, r.Role)
				}
			},
		},
		{
			file: "ods-sector.eml", requestedBy: person("Margaret Ellis", "margaret.ellis@nhs.net"),
			want: []read{
				{typ: domain.Leaver, account: "irene.doyle@nhs.net"},
				{typ: domain.Leaver, account: "sophie.lamb@nhs.net", problems: []string{"invalid_field:ods_code"}},
				{typ: domain.RegisterMailbox},
				{typ: domain.RegisterMailbox, problems: []string{"invalid_field:sector"}},
			},
			check: func(t *testing.T, m *domain.Message) {
				if m.Requests[0].ODS != "VN4417" || m.Requests[2].ODS != "1-2000000001" || m.Requests[2].Sector != domain.Care {
					t.Errorf("codes read as %q and %q %q", m.Requests[0].ODS, m.Requests[2].ODS, m.Requests[2].Sector)
				}
			},
		},
		{
			file: "mobiles.eml", requestedBy: amelia,
			want: []read{
				{typ: domain.AddUser},
				{typ: domain.AddUser},
				{typ: domain.AddUser, problems: []string{"mobile_invalid:mobile"}},
				{typ: domain.PasswordReset, account: "daniel.okafor@nhs.net"},
			},
			check: func(t *testing.T, m *domain.Message) {
				var got []string
				for _, r := range m.Requests {
					got = append(got, r.Mobile)
				}
				if want := []string{"07700900175", "07700900176", "07700 900177 / 07700 900178", "07700900112"}; !slices.Equal(got, want) {
					t.Errorf("mobiles %q, want %q", got, want)
				}
			},
		},
		{
			file: "accounts.eml", requestedBy: amelia,
			want: []read{
				{typ: domain.Leaver, account: "tomasz.nowak@nhs.net"},
				{typ: domain.RemoveFromMailbox, account: "daniel.okafor@nhs.net"},
				{typ: domain.Leaver, problems: []string{"invalid_field:account"}},
				{typ: domain.Leaver, problems: []string{"invalid_field:account"}},
			},
		},
		{
			file: "requested-by-conflict.eml", requestedBy: amelia,
			want: []read{
				{typ: domain.ChangeRole, account: "daniel.okafor@nhs.net", problems: []string{"invalid_field:requested_by"}},
				{typ: domain.Leaver, account: "tomasz.nowak@nhs.net"},
			},
		},
		{file: "requested-by-signature.eml", want: []read{{typ: domain.ChangeRole, account: "daniel.okafor@nhs.net"}}, requestedBy: amelia},
		{
			file: "csv-blank-rows.eml", requestedBy: amelia,
			want: []read{{typ: domain.AddUser}, {typ: domain.Leaver, account: "tomasz.nowak@nhs.net"}},
			check: func(t *testing.T, m *domain.Message) {
				if m.Requests[0].Row != 1 || m.Requests[1].Row != 2 {
					t.Errorf("rows %d, %d; want 1, 2", m.Requests[0].Row, m.Requests[1].Row)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := Parse(readFixture(t, filepath.Join("readings", tt.file)), Options{})
			var got []read
			for _, r := range m.Requests {
				got = append(got, readOf(r))
			}
			if !slices.EqualFunc(got, tt.want, func(a, b read) bool {
				return a.typ == b.typ && a.account == b.account && slices.Equal(a.problems, b.problems)
			}) {
				t.Fatalf("requests\n got %+v\nwant %+v", got, tt.want)
			}
			for _, r := range m.Requests {
				if r.RequestedBy == nil || *r.RequestedBy != *tt.requestedBy {
					t.Errorf("request at line %d: requested by %+v, want %+v", r.Line, r.RequestedBy, tt.requestedBy)
				}
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

// TestReadingsDryrunShare checks the parser's share of testdata/readings/dryrun-expected.json,
// as TestCorpus does for the corpus: the requests, their types and accounts, the parse-level
// reasons, and the field a field problem names.
func TestReadingsDryrunShare(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "readings", "dryrun-expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []struct {
		File string `json:"file"`
		expectedMail
	}
	var fields []struct {
		Requests []struct {
			Field string `json:"field"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "readings", "*.eml"))
	if len(want) != len(files) {
		t.Fatalf("%d expectations for %d mails", len(want), len(files))
	}
	for i, w := range want {
		t.Run(w.File, func(t *testing.T) {
			m := Parse(readFixture(t, filepath.Join("readings", w.File)), Options{})
			checkCorpusMail(t, m, w.expectedMail)
			for j, f := range fields[i].Requests {
				if j >= len(m.Requests) || f.Field == "" {
					continue
				}
				if p := m.Requests[j].Problems; len(p) == 0 || p[0].Field != f.Field {
					t.Errorf("request %d: problems %+v, want field %q", j+1, p, f.Field)
				}
			}
		})
	}
}
