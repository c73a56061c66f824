package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCorpus runs `nasbot dryrun` over every case of the sample corpus (a copy of the NAS's
// shared corpus) and compares the keys each expected.json gives, as corpus/check.py does.
func TestCorpus(t *testing.T) {
	cases, err := filepath.Glob("../../testdata/corpus/cases/*")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no corpus cases: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			emls, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
			var expected []map[string]any
			b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &expected); err != nil || len(expected) != len(emls) {
				t.Fatalf("expected.json: %v (%d entries for %d files)", err, len(expected), len(emls))
			}
			args := append([]string{"dryrun", "--directory", "../../testdata/corpus/directory",
				"--now", "2026-03-02T09:00:00Z", "--trust-authserv", "mx.nas.test"}, emls...)
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) != len(emls) {
				t.Fatalf("printed %d lines for %d files", len(lines), len(emls))
			}
			for i, line := range lines {
				var got map[string]any
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatalf("line %d is not JSON: %v", i+1, err)
				}
				compareObject(t, filepath.Base(emls[i]), expected[i], got)
			}
		})
	}
}

func compareObject(t *testing.T, name string, want, got map[string]any) {
	t.Helper()
	for k, w := range want {
		g := got[k]
		switch k {
		case "reasons":
			if !sameSet(w, g) {
				t.Errorf("%s: reasons: want %v, got %v", name, w, g)
			}
		case "requests":
			wl, _ := w.([]any)
			gl, ok := g.([]any)
			if !ok || len(gl) != len(wl) {
				t.Errorf("%s: requests: want %d, got %v", name, len(wl), g)
				continue
			}
			for i := range wl {
				compareRequest(t, name, i, wl[i].(map[string]any), gl[i].(map[string]any))
			}
		default:
			if w != g {
				t.Errorf("%s: %s: want %v, got %v", name, k, w, g)
			}
		}
	}
}

func compareRequest(t *testing.T, name string, i int, want, got map[string]any) {
	t.Helper()
	for k, w := range want {
		g := got[k]
		switch k {
		case "reasons":
			if !sameSet(w, g) {
				t.Errorf("%s: requests[%d].reasons: want %v, got %v", name, i, w, g)
			}
		case "account":
			if gs, _ := g.(string); !strings.EqualFold(gs, w.(string)) {
				t.Errorf("%s: requests[%d].account: want %v, got %v", name, i, w, g)
			}
		default:
			if w != g {
				t.Errorf("%s: requests[%d].%s: want %v, got %v", name, i, k, w, g)
			}
		}
	}
}

func sameSet(want, got any) bool {
	set := func(v any) []string {
		l, ok := v.([]any)
		if !ok {
			return nil
		}
		var s []string
		for _, x := range l {
			if str, ok := x.(string); ok && !slices.Contains(s, str) {
				s = append(s, str)
			}
		}
		slices.Sort(s)
		return s
	}
	if _, ok := got.([]any); !ok {
		return false
	}
	return slices.Equal(set(want), set(got))
}

func TestTemplatesCheck(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"templates", "check"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "reply.txt.tmpl"), []byte("{{ .NoSuchField }}"), 0o644)
	out.Reset()
	if code := run([]string{"templates", "check", "--dir", dir}, &out, &errOut); code == 0 {
		t.Fatalf("a broken template must fail the check:\n%s", out.String())
	}
}
