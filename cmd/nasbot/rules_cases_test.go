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
// handlers' decided readings) against its own directory, testdata/rules/directory.
func TestRuleCases(t *testing.T) {
	runCases(t, "../../testdata/rules/cases", "../../testdata/rules/directory", nil)
}

// TestReadings runs each mail of the parser's decided readings (parser/testdata/readings) alone
// through dryrun against the corpus directory, and compares the whole outcome its
// dryrun-expected.json gives: the parser's share and the handlers' together.
func TestReadings(t *testing.T) {
	const dir = "../../parser/testdata/readings"
	b, err := os.ReadFile(filepath.Join(dir, "dryrun-expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected []map[string]any
	if err := json.Unmarshal(b, &expected); err != nil || len(expected) == 0 {
		t.Fatalf("dryrun-expected.json: %v (%d entries)", err, len(expected))
	}
	for _, want := range expected {
		file, _ := want["file"].(string)
		delete(want, "file")
		t.Run(file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := []string{"dryrun", "--directory", "../../testdata/corpus/directory", "--now", "2026-03-02T09:00:00Z",
				"--trust-authserv", "mx.nas.test", filepath.Join(dir, file)}
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var got map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			compareObject(t, file, want, got)
		})
	}
}

// TestListAccountsReply reads an access review's reply as an owner would: every account of the
// site, leavers too, each mobile masked, the old addresses, the count against the limit and the
// lines to copy; a personal account is told only that it cannot ask.
func TestListAccountsReply(t *testing.T) {
	const dir = "../../testdata/rules/cases/112-list-accounts"
	var stdout, stderr bytes.Buffer
	args := []string{"dryrun", "--directory", "../../testdata/rules/directory", "--now", "2026-03-02T09:00:00Z",
		"--trust-authserv", "mx.nas.test", filepath.Join(dir, "01.eml"), filepath.Join(dir, "02.eml")}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var site, personal struct {
		Reply struct{ To, Text, HTML string }
	}
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&site); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&personal); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4 of its 10 accounts", "Ben Cole (ben.cole@nhs.net)", "Status: leaver",
		"Daniel Okafor (daniel.okafor@nhs.net)", "Status: leaver: the account will be deleted after 1 April 2026",
		"Hannah Price", "Status: inactive", "07*** ***101", "Old addresses that still forward here: grace.lind@nhs.net",
		"Request: Leaver", "Request: Change role"} {
		if !strings.Contains(site.Reply.Text, want) {
			t.Errorf("the access review lacks %q:\n%s", want, site.Reply.Text)
		}
	}
	for _, full := range []string{"07700900101", "07700 900101", "07700900156"} {
		if strings.Contains(site.Reply.Text+site.Reply.HTML, full) {
			t.Errorf("the access review shows a full mobile number %s", full)
		}
	}
	if !strings.Contains(site.Reply.HTML, "07*** ***123") || !strings.Contains(site.Reply.HTML, "grace.lind@nhs.net") {
		t.Error("the HTML part lacks the listing")
	}
	if personal.Reply.To != "amelia.hart@nhs.net" || strings.Contains(personal.Reply.Text, "07***") ||
		strings.Contains(personal.Reply.Text, "daniel.okafor") {
		t.Errorf("a personal account was shown the site's accounts:\n%s", personal.Reply.Text)
	}
}
