package verify

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateSpoofs = flag.Bool("update-spoofs", false, "rewrite testdata/spoofs from spoofCases")

// TestSpoofFixturesAreCurrent keeps testdata/spoofs/*.eml — the crafted messages of spoofCases
// that need no special configuration — in step with the cases, so that the pipeline's tests can
// run every one through the whole bot and prove that none changes the directory.
func TestSpoofFixturesAreCurrent(t *testing.T) {
	dir := filepath.Join("testdata", "spoofs")
	want := map[string][]byte{}
	slug := regexp.MustCompile(`[^a-z0-9]+`)
	for i, c := range spoofCases() {
		if c.cfg != nil || c.dir != nil {
			continue // needs a directory or a configuration of its own
		}
		s := genuine(t)
		c.edit(s)
		name := fmt.Sprintf("%02d-%s.eml", i+1, strings.Trim(slug.ReplaceAllString(strings.ToLower(c.name), "-"), "-"))
		want[name] = s.raw()
	}
	if *updateSpoofs {
		os.RemoveAll(dir)
		os.MkdirAll(dir, 0o755)
		for name, raw := range want {
			if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, raw := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != string(raw) {
			t.Errorf("%s is missing or stale (go test ./verify -run Fixtures -update-spoofs)", name)
		}
	}
	if len(want) < 30 {
		t.Errorf("only %d spoof fixtures", len(want))
	}
}
