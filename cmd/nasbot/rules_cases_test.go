package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRuleCases runs every case of testdata/rules (the safety rules added after review and the
// handler's decided readings, in the corpus's format: NN.eml files and expected.json against
// testdata/rules/directory) through `nasbot dryrun`, comparing the keys expected.json gives as
// corpus/check.py does. "field", when given, is compared too.
func TestRuleCases(t *testing.T) {
	const suite = "../../testdata/rules"
	cases, err := filepath.Glob(filepath.Join(suite, "cases", "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no rule cases: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			runCase(t, filepath.Join(suite, "directory"), dir)
		})
	}
}

// runCase runs one case directory's .eml files, in order, in one dryrun against directory.
func runCase(t *testing.T, directory, dir string) {
	t.Helper()
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
	}
}
