package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDirectoryRoundTrip imports the sample directory (with an alias) into a SQLite file and
// exports it again: the files come back the same, row for row.
func TestDirectoryRoundTrip(t *testing.T) {
	src := t.TempDir()
	for _, name := range []string{"organisations.csv", "accounts.csv"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/corpus/directory", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(src, name), b, 0o644)
	}
	os.WriteFile(filepath.Join(src, "aliases.csv"),
		[]byte("alias,target\nnhspharmacy.ashford.riversidefq7k2@nhs.net,pharmacy.fq7k2@nhs.net\n"), 0o644)
	t.Setenv("NASBOT_DATABASE_URL", filepath.Join(t.TempDir(), "nasbot.db"))
	var out, errOut bytes.Buffer
	if code := run([]string{"directory", "import", src}, &out, &errOut); code != 0 {
		t.Fatalf("import: %d %s", code, errOut.String())
	}
	dst := t.TempDir()
	if code := run([]string{"directory", "export", dst}, &out, &errOut); code != 0 {
		t.Fatalf("export: %d %s", code, errOut.String())
	}
	for _, name := range []string{"organisations.csv", "accounts.csv", "aliases.csv"} {
		want, _ := os.ReadFile(filepath.Join(src, name))
		got, _ := os.ReadFile(filepath.Join(dst, name))
		if !sameLines(want, got) {
			t.Errorf("%s changed in the round trip:\nwant:\n%s\ngot:\n%s", name, want, got)
		}
	}
}

// sameLines compares CSV files as sets of lines (export orders rows by key).
func sameLines(a, b []byte) bool {
	la := bytes.Split(bytes.TrimSpace(a), []byte("\n"))
	lb := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(la) != len(lb) {
		return false
	}
	seen := map[string]int{}
	for _, l := range la {
		seen[string(bytes.TrimRight(l, "\r"))]++
	}
	for _, l := range lb {
		k := string(bytes.TrimRight(l, "\r"))
		if seen[k] == 0 {
			return false
		}
		seen[k]--
	}
	return true
}
