package main

import (
	"bytes"
	"nasbot/internal/demo"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Help is asked for, not an error: every command prints it to stdout, exits 0 and runs nothing.
func TestHelpOnEveryCommand(t *testing.T) {
	// A configuration that would stop "run" at once: help must not even read it.
	t.Setenv("NASBOT_POLL_INTERVAL", "not a duration")
	commands := []string{"run", "demo", "dryrun", "parse", "migrate", "directory", "templates", "staff", "queue", "lifecycle"}
	cases := [][]string{{"--help"}, {"-h"}, {"help"}}
	for _, c := range commands {
		cases = append(cases, []string{c, "--help"}, []string{c, "-h"})
	}
	cases = append(cases, []string{"queue", "show", "--help"}, []string{"staff", "add", "x@nas.test", "--help"})
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if got := run(args, &out, &errOut); got != exitOK {
				t.Fatalf("exit %d, want 0\nstderr: %s", got, &errOut)
			}
			if errOut.Len() != 0 {
				t.Errorf("help wrote to stderr: %s", &errOut)
			}
			want := "nasbot"
			if args[0] != "--help" && args[0] != "-h" && args[0] != "help" {
				want = "nasbot " + args[0]
			}
			if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "usage") {
				t.Errorf("help lacks %q:\n%s", want, &out)
			}
		})
	}
	// A mistake is still one: usage on stderr, exit 2.
	var out, errOut bytes.Buffer
	if got := run([]string{"frobnicate"}, &out, &errOut); got != exitBadArgs || out.Len() != 0 || !strings.Contains(errOut.String(), "nasbot --help") {
		t.Errorf("unknown command: exit %d, stdout %q, stderr %q", got, &out, &errOut)
	}
}

func TestParseSaysWhenAFileIsNotMail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("%PDF-1.4\n\x00\x01binary stuff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if got := cmdParse([]string{path}, &out, &errOut); got != exitFailed || !strings.Contains(errOut.String(), "does not look like an email") {
		t.Errorf("exit %d, stdout %q, stderr %q", got, &out, &errOut)
	}
	if strings.Contains(out.String(), "0001-01-01") {
		t.Errorf("a zero date printed: %s", &out)
	}
	// A mail without a Date says so rather than printing year 1.
	mail := filepath.Join(t.TempDir(), "nodate.eml")
	os.WriteFile(mail, []byte("From: a@nhs.net\r\nSubject: hi\r\n\r\nhello\r\n"), 0o644)
	out.Reset()
	if got := cmdParse([]string{mail}, &out, &errOut); got != exitOK || strings.Contains(out.String(), "0001-01-01") || !strings.Contains(out.String(), "Date:       (none") {
		t.Errorf("exit %d: %s", got, &out)
	}
}

// The demo says where everything is: the desk and its sign-in, the outbox, the texts log.
func TestDemoPrintsWhereEverythingIs(t *testing.T) {
	var out, errOut bytes.Buffer
	if got := cmdDemo([]string{"--once"}, &out, &errOut); got != exitOK {
		t.Fatalf("demo --once: exit %d\n%s", got, &errOut)
	}
	for _, want := range []string{"desk:       http://", demo.Staff, demo.StaffPassword, "outbox:", "nasbot.db", "texts log:", "texts.log"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, &out)
		}
	}
}
