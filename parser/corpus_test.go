package parser

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"nasbot/domain"
)

// corpusDir is the project's copy of the shared sample corpus.
const corpusDir = "../testdata/corpus/cases"

type expectedMail struct {
	Verdict  string `json:"verdict"`
	Requests []struct {
		Type    *string  `json:"type"`
		Reasons []string `json:"reasons"`
		Account string   `json:"account"`
	} `json:"requests"`
}

// parseReasons are the reason codes the parser itself gives (Problem.Reason); every other code
// in expected.json belongs to verification or the rules.
var parseReasons = map[string]bool{
	string(domain.MissingField):   true,
	string(domain.InvalidField):   true,
	string(domain.UnknownRequest): true,
	string(domain.MobileInvalid):  true,
}

// TestCorpus parses every mail of the shared corpus and checks what is the parser's share of
// expected.json: how many requests, their types, the accounts they name, and the parse-level
// reason codes.
func TestCorpus(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join(corpusDir, "*"))
	if len(cases) == 0 {
		t.Fatal("no corpus at " + corpusDir)
	}
	for _, dir := range cases {
		raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
		if err != nil {
			continue
		}
		var want []expectedMail
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		sort.Strings(files)
		if len(files) != len(want) {
			t.Fatalf("%s: %d files, %d expected", dir, len(files), len(want))
		}
		for i, f := range files {
			name := filepath.Base(dir) + "/" + filepath.Base(f)
			t.Run(name, func(t *testing.T) {
				eml, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				m := Parse(eml, Options{})
				checkCorpusMail(t, m, want[i])
			})
		}
	}
}

func checkCorpusMail(t *testing.T, m *domain.Message, want expectedMail) {
	t.Helper()
	if m.Refusal != "" {
		t.Errorf("refusal %q", m.Refusal)
	}
	if want.Verdict == string(domain.Ignored) {
		// Ignored mail lists no requests whatever it holds; only check that nothing in it
		// looks broken to the parser.
		for _, r := range m.Requests {
			if len(r.Problems) > 0 {
				t.Errorf("ignored mail: request %s has problems %+v", r.Type, r.Problems)
			}
		}
		return
	}
	if len(m.Requests) != len(want.Requests) {
		t.Fatalf("%d requests, want %d: %s", len(m.Requests), len(want.Requests), describe(m.Requests))
	}
	if want.Verdict == string(domain.Unparseable) && len(m.Requests) != 0 {
		t.Errorf("unparseable mail has requests")
	}
	for j, w := range want.Requests {
		r := m.Requests[j]
		if w.Type != nil && string(r.Type) != *w.Type {
			t.Errorf("request %d: type %q, want %q", j+1, r.Type, *w.Type)
		}
		// The account a request names is the parser's; add_user's is the address it is given.
		if w.Account != "" && r.Type != domain.AddUser && !strings.EqualFold(r.Account, w.Account) {
			t.Errorf("request %d: account %q, want %q", j+1, r.Account, w.Account)
		}
		var wantReasons, got []string
		for _, reason := range w.Reasons {
			if parseReasons[reason] {
				wantReasons = append(wantReasons, reason)
			}
		}
		for _, p := range r.Problems {
			got = append(got, string(p.Reason))
		}
		slices.Sort(wantReasons)
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, wantReasons) {
			t.Errorf("request %d (%s): problems %v, want %v (%+v)", j+1, r.Type, got, wantReasons, r.Problems)
		}
	}
}

func describe(rs []domain.Request) string {
	var s []string
	for _, r := range rs {
		s = append(s, string(r.Type)+"@"+itoa(r.Line))
	}
	b, _ := json.Marshal(s)
	return string(b)
}
