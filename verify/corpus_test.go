package verify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// corpusDir is the project's copy of the shared sample corpus; NASBOT_CORPUS overrides it.
func corpusDir() string {
	if d := os.Getenv("NASBOT_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "testdata", "corpus")
}

// TestCorpus runs every .eml of the corpus: mail whose expected verdict is unverified must fail
// verification, every other mail (processed, unparseable, ignored) must pass.
func TestCorpus(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(corpusDir(), "cases", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no corpus at %s", corpusDir())
	}
	var checked, unverified int
	for _, dir := range cases {
		emls, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		if len(emls) == 0 {
			continue
		}
		sort.Strings(emls)
		var expected []struct {
			Verdict string `json:"verdict"`
		}
		data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &expected); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if len(expected) != len(emls) {
			t.Fatalf("%s: %d .eml files, %d expected objects", dir, len(emls), len(expected))
		}
		for i, eml := range emls {
			name := filepath.Base(dir) + "/" + filepath.Base(eml)
			t.Run(name, func(t *testing.T) {
				raw, err := os.ReadFile(eml)
				if err != nil {
					t.Fatal(err)
				}
				v, err := Verify(envelopeFromRaw(t, raw), raw, newDir(), corpusConfig)
				if err != nil {
					t.Fatal(err)
				}
				want := expected[i].Verdict != "unverified"
				if v.Verified != want {
					t.Errorf("verified = %v, want %v (verdict %s)\nfailure: %s\nevidence: %s",
						v.Verified, want, expected[i].Verdict, v.Failure, v.Evidence)
				}
				if !v.Verified && v.Failure == "" {
					t.Error("unverified without a failure")
				}
				t.Logf("from=%s verified=%v failure=%q evidence=%q", v.From, v.Verified, v.Failure, v.Evidence)
			})
			checked++
			if expected[i].Verdict == "unverified" {
				unverified++
			}
		}
	}
	t.Logf("%d messages, %d expected unverified", checked, unverified)
}
