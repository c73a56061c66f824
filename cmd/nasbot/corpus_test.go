package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"nasbot/parser"
)

// TestCorpus runs `nasbot dryrun` over every case of the sample corpus (a copy of the NAS's
// shared corpus) and compares the keys each expected.json gives, as corpus/check.py does.
func TestCorpus(t *testing.T) {
	runCases(t, "../../testdata/corpus/cases", "../../testdata/corpus/directory", nil)
}

// TestAttacks runs the project's own attack mails (testdata/attacks: header tricks, replays,
// auto-replies, each case's NOTE says which) the same way, against the corpus directory.
func TestAttacks(t *testing.T) {
	runCases(t, "../../testdata/attacks/cases", "../../testdata/corpus/directory", repliesOnlyToMailboxesOnRecord)
}

// repliesOnlyToMailboxesOnRecord checks what every attack mail may cause to be sent: a reply
// or notice goes only to an address of the directory (never Reply-To, never an address the
// sender merely wrote, not even a proven one the directory does not know), and a notice about
// unproven mail repeats nothing its sender wrote (the subject, the body).
func repliesOnlyToMailboxesOnRecord(t *testing.T, eml string, got map[string]any) {
	t.Helper()
	reply, _ := got["reply"].(map[string]any)
	if reply == nil {
		return
	}
	if to, _ := reply["to"].(string); !onRecord(t, to) {
		t.Errorf("%s: a reply went to %q, which is not on record", eml, to)
	}
	if got["verdict"] != "unverified" {
		return
	}
	raw, _ := os.ReadFile(eml)
	env := parser.ParseEnvelope(raw)
	text, _ := reply["text"].(string)
	html, _ := reply["html"].(string)
	subject, _ := reply["subject"].(string)
	for _, written := range []string{env.Subject, "Evan Sterling", "daniel.okafor", "07700"} {
		if written != "" && strings.Contains(subject+text+html, written) {
			t.Errorf("%s: the notice repeats %q, which the sender wrote", eml, written)
		}
	}
}

// runCases runs every case folder under dir (NN.eml files and expected.json) through one
// dryrun each, against a fresh in-memory copy of directory, and compares the keys each
// expected.json gives, as corpus/check.py does ("field" too, when given); check, when set, looks
// at every output object as well.
func runCases(t *testing.T, dir, directory string, check func(t *testing.T, eml string, got map[string]any)) {
	cases, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases under %s: %v", dir, err)
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
			args := append([]string{"dryrun", "--directory", directory,
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
				if check != nil {
					check(t, emls[i], got)
				}
			}
		})
	}
}

// onRecord reports whether address is a shared mailbox or an account of the corpus directory.
func onRecord(t *testing.T, address string) bool {
	t.Helper()
	for _, f := range []struct {
		name string
		col  int
	}{{"organisations.csv", 4}, {"accounts.csv", 0}} {
		for _, r := range corpusDirectory(t, f.name) {
			if address != "" && strings.EqualFold(r[f.col], address) {
				return true
			}
		}
	}
	return false
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

// corpusDirectory reads one file of the corpus directory, its header row left out.
func corpusDirectory(t *testing.T, name string) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata/corpus/directory", name))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("%s: %d rows, %v", name, len(rows), err)
	}
	return rows[1:]
}
