package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

// pipe is a standard input that is not a terminal and holds text.
func pipe(t *testing.T, text string) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString(text)
	w.Close()
	t.Cleanup(func() { r.Close() })
	return r
}

func TestStaffAndQueueCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "nasbot.db")
	t.Setenv("NASBOT_DATABASE_URL", db)
	t.Setenv("NASBOT_TRUST_AUTHSERV", "mx.nas.test")
	runCmd := func(want int, stdin *os.File, fn func([]string, *os.File, io.Writer, io.Writer) int, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if got := fn(args, stdin, &out, &errOut); got != want {
			t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, got, want, &out, &errOut)
		}
		return out.String() + errOut.String()
	}
	staff := func(args []string, stdin *os.File, out, errOut io.Writer) int {
		return staffCommand(args, stdin, out, errOut)
	}
	queue := func(args []string, _ *os.File, out, errOut io.Writer) int { return cmdQueue(args, out, errOut) }

	if out := runCmd(exitOK, pipe(t, "correct horse battery\n"), staff, "add", "Ann@NAS.test", "--role", "admin", "--name", "Ann"); !strings.Contains(out, "ann@nas.test added as admin") {
		t.Errorf("staff add: %s", out)
	}
	runCmd(exitBadArgs, pipe(t, "short\n"), staff, "add", "bob@nas.test", "--role", "reviewer")
	runCmd(exitBadArgs, pipe(t, ""), staff, "add", "bob@nas.test", "--role", "reviewer")
	runCmd(exitBadArgs, pipe(t, "correct horse battery\n"), staff, "add", "bob@nas.test", "--role", "boss")
	runCmd(exitOK, pipe(t, ""), staff, "add", "sso@nas.test", "--role", "reviewer", "--sso-only")
	out := runCmd(exitOK, nil, staff, "list")
	if !strings.Contains(out, "ann@nas.test") || !strings.Contains(out, "admin") || !strings.Contains(out, "sso-only") {
		t.Errorf("staff list: %s", out)
	}
	runCmd(exitOK, nil, staff, "disable", "sso@nas.test")
	runCmd(exitFailed, nil, staff, "disable", "nobody@nas.test")

	// One over-limit request in the queue, decided by the real pipeline.
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := os.Open("../../testdata/corpus/directory/organisations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer orgs.Close()
	accts, err := os.Open("../../testdata/corpus/directory/accounts.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer accts.Close()
	if err := st.ImportDirectory(ctx, orgs, accts); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../testdata/corpus/cases/011-site-account-limit/01.eml")
	if err != nil {
		t.Fatal(err)
	}
	renderer, _ := templates.New("")
	p := pipeline.New(st, pipeline.Config{Domain: "nhs.net", NASAddress: "requests@nas.test",
		Verify: verify.Config{TrustedAuthServIDs: []string{"mx.nas.test"}}}, renderer, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	// It arrives when the corpus says its mail arrives: proven mail dated weeks before is stale.
	arrived := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	id, _, err := st.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: 1, Raw: raw, ReceivedAt: arrived})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Process(ctx, id); err != nil {
		t.Fatal(err)
	}
	items, err := st.Queue(ctx, store.QueueFilter{})
	st.Close()
	if err != nil || len(items) != 1 {
		t.Fatalf("queue: %+v %v", items, err)
	}
	caseID := strconv.FormatInt(items[0].ID, 10)

	out = runCmd(exitOK, nil, queue, "list", "--reason", "site_account_limit")
	if !strings.Contains(out, "site_account_limit") || !strings.Contains(out, "bethan.yorke@nhs.net") {
		t.Errorf("queue list: %s", out)
	}
	if !strings.Contains(out, "STATE") || !strings.Contains(out, " open ") {
		t.Errorf("queue list has no state column: %s", out)
	}
	out = runCmd(exitOK, nil, queue, "show", caseID)
	if !strings.Contains(out, "* request 1: add_user review [site_account_limit]") || !strings.Contains(out, "Bethan Yorke") {
		t.Errorf("queue show: %s", out)
	}
	// By the NAS reference people quote, as they type it.
	if byRef := runCmd(exitOK, nil, queue, "show", strings.ToLower(store.Tag(id))); byRef != out {
		t.Errorf("queue show by reference:\n%s\nwant the case:\n%s", byRef, out)
	}
	runCmd(exitFailed, nil, queue, "show", "NAS-009999")
	// migrate fills the desk's search index with the message decided above.
	migrate := func(args []string, _ *os.File, out, errOut io.Writer) int { return cmdMigrate(args, out, errOut) }
	if out := runCmd(exitOK, nil, migrate); !strings.Contains(out, "(1 messages added)") {
		t.Errorf("migrate: %s", out)
	}
	runCmd(exitBadArgs, nil, queue, "show", "jane")
	runCmd(exitFailed, nil, queue, "show", "9999")
	runCmd(exitBadArgs, nil, queue, "approve", caseID, "--as", "ann@nas.test")                     // no reason
	runCmd(exitBadArgs, nil, queue, "approve", caseID, "--as", "sso@nas.test", "--reason", "fine") // disabled
	out = runCmd(exitOK, nil, queue, "approve", caseID, "--as", "ann@nas.test", "--reason", "Agreed by phone")
	if !strings.Contains(out, "approved") {
		t.Errorf("queue approve: %s", out)
	}
	runCmd(exitFailed, nil, queue, "refuse", caseID, "--as", "ann@nas.test", "--reason", "again") // closed now
	out = runCmd(exitOK, nil, queue, "show", caseID)
	if !strings.Contains(out, "(closed)") || !strings.Contains(out, "ann@nas.test approve") {
		t.Errorf("queue show after approval: %s", out)
	}

	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if a, err := st.Account(ctx, "bethan.yorke@nhs.net"); err != nil || a.ODS != "FH3M8" {
		t.Errorf("approved account: %+v %v", a, err)
	}
}

// A lifecycle report has no message, yet the queue commands list, show and close it.
func TestQueueCommandsWorkACaseNoMessageCaused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "nasbot.db")
	t.Setenv("NASBOT_DATABASE_URL", db)
	queue := func(want int, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if got := cmdQueue(args, &out, &errOut); got != want {
			t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, got, want, &out, &errOut)
		}
		return out.String() + errOut.String()
	}
	ctx := context.Background()
	st := testenv.OpenStore(t, db)
	if _, err := st.PutStaff(ctx, store.Staff{Email: "ann@nas.test", Role: store.StaffAdmin}, time.Now()); err != nil {
		t.Fatal(err)
	}
	var id int64
	err := st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutOrganisation(domain.Organisation{ODS: "T4821", Sector: domain.Optometry, Name: "Clearview Opticians",
			Town: "Hexham", Mailbox: "optometry.t4821@nhs.net", Status: domain.StatusActive}); err != nil {
			return err
		}
		var err error
		id, err = tx.ReportMailbox("T4821", "mailbox_dormant", "the shared mailbox optometry.t4821@nhs.net (T4821) "+
			"has never been seen sending", time.Now().Add(-3*time.Hour))
		return err
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	caseID := strconv.FormatInt(id, 10)

	out := queue(exitOK, "list")
	if !strings.Contains(out, "case "+caseID) || !strings.Contains(out, "mailbox_dormant") || !strings.Contains(out, "T4821") ||
		!strings.Contains(out, "(no message)") || strings.Contains(out, "NAS-000000") {
		t.Errorf("queue list: %s", out)
	}
	if out := queue(exitOK, "list", "--ods", "t4821", "--sector", "optometry"); !strings.Contains(out, "case "+caseID) {
		t.Errorf("queue list by site: %s", out)
	}
	if out := queue(exitOK, "list", "--ods", "FH3M8"); !strings.Contains(out, "(no case)") {
		t.Errorf("queue list for another site: %s", out)
	}
	out = queue(exitOK, "show", caseID)
	for _, want := range []string{"case " + caseID + "  (no message)  mailbox_dormant  (open)",
		"site:     Clearview Opticians, Hexham (T4821, optometry)", "has never been seen sending"} {
		if !strings.Contains(out, want) {
			t.Errorf("queue show lacks %q:\n%s", want, out)
		}
	}
	if out := queue(exitFailed, "approve", caseID, "--as", "ann@nas.test", "--reason", "fine"); !strings.Contains(out, "no message caused this case") {
		t.Errorf("queue approve: %s", out)
	}
	if out := queue(exitOK, "refuse", caseID, "--as", "ann@nas.test", "--reason", "Still used; kept"); !strings.Contains(out, "closed; nobody is sent a reply") {
		t.Errorf("queue refuse: %s", out)
	}
	if out := queue(exitOK, "show", caseID); !strings.Contains(out, "(closed)") || !strings.Contains(out, "ann@nas.test close Still used; kept") {
		t.Errorf("queue show after closing: %s", out)
	}
}
