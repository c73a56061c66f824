package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

// TestMain lets the crash test run this test binary as the bot itself (`nasbot run`), so that
// it can be killed and restarted as a separate process.
func TestMain(m *testing.M) {
	if os.Getenv("NASBOT_TEST_RUN_AS_BOT") == "1" {
		os.Exit(run([]string{"run"}, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestCrashSafety kills the bot with SIGKILL at random moments, at least 20 times, while it
// drains a backlog of 1,000 requests through the real Dovecot, Exim and PostgreSQL, restarting
// it each time. Afterwards every request was decided exactly once, every reply was delivered
// (duplicates, at most one per kill, are counted and reported), and the directory equals that
// of an uninterrupted run of the same mail.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: long")
	}
	const requests, kills = 1000, 20
	servers := testenv.MailServers(t)
	dsn := testenv.Postgres(t)
	inbox := servers.NewAddress(t, "nas.test")
	w := testenv.NewWorkload(t, servers, requests, 8)

	st, env := prepareBacklog(t, servers, dsn, inbox, w)
	botLog, err := os.Create(filepath.Join(os.TempDir(), "nasbot-crash-test.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer botLog.Close()
	start := func() *exec.Cmd { return startBotProcess(t, env, botLog) }

	rng := rand.New(rand.NewPCG(1, 2))
	bot := start()
	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(100+rng.IntN(500)) * time.Millisecond)
		bot.Process.Signal(syscall.SIGKILL)
		bot.Wait()
		bot = start()
	}
	t.Logf("killed the bot %d times", kills)
	defer func() { bot.Process.Signal(syscall.SIGTERM); bot.Wait() }()

	// A reply claimed by a killed sender waits out its lease (a minute).
	testenv.WaitDrained(t, st, requests, 4*time.Minute)
	testenv.DecidedOnce(t, st, requests)
	dups := w.RepliesDelivered(t, servers, requests)
	t.Logf("replies: %d duplicates after %d kills", dups, kills)
	if dups > kills {
		t.Errorf("%d duplicate replies for %d kills", dups, kills)
	}

	// The directory equals an uninterrupted run of the same mail.
	if got, want := accountsOf(t, st), uninterrupted(t, w); got != want {
		t.Errorf("directory differs from an uninterrupted run")
	}
}

// prepareBacklog migrates the database, imports the workload's directory and APPENDs its mail
// to the inbox; it returns the test's own store and the environment of a bot process.
func prepareBacklog(t *testing.T, servers testenv.Mail, dsn, inbox string, w testenv.Workload) (*store.Store, []string) {
	t.Helper()
	st := testenv.OpenStore(t, dsn)
	w.Load(t, st, servers, inbox)
	env := append(os.Environ(), "NASBOT_TEST_RUN_AS_BOT=1",
		"NASBOT_DATABASE_URL="+dsn,
		"NASBOT_IMAP_URL=imap://"+url.UserPassword(inbox, servers.Password).String()+"@"+servers.IMAPAddr+"/INBOX",
		"NASBOT_SMTP_URL=smtp://"+servers.SMTPAddr+"?tls=none",
		"NASBOT_FROM_ADDRESS="+inbox, "NASBOT_TRUST_AUTHSERV=mx.nas.test", "NASBOT_MAX_REPLY_AGE=0", "NASBOT_LIFECYCLE_AT=off",
		"NASBOT_REPLIES_PER_MINUTE=100000", "NASBOT_LOG_LEVEL=info")
	return st, env
}

// startBotProcess runs this test binary as `nasbot run` (see TestMain) on a free HTTP port.
func startBotProcess(t *testing.T, env []string, log io.Writer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(env, "NASBOT_HTTP_ADDR="+testenv.FreeAddr(t), "NASBOT_METRICS_ADDR="+testenv.FreeAddr(t))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// accountsOf is the accounts.csv the store would export.
func accountsOf(t *testing.T, st *store.Store) string {
	t.Helper()
	var orgs, accts bytes.Buffer
	if err := st.ExportDirectory(context.Background(), &orgs, &accts); err != nil {
		t.Fatal(err)
	}
	return orgs.String() + accts.String()
}

// uninterrupted decides the same mail in order, in process, on a fresh SQLite store.
func uninterrupted(t *testing.T, w testenv.Workload) string {
	t.Helper()
	ctx := context.Background()
	st := testenv.OpenStore(t, filepath.Join(t.TempDir(), "calm.db"))
	if err := importDirectory(ctx, st, w.Dir); err != nil {
		t.Fatal(err)
	}
	r, _ := templates.New("")
	p := pipeline.New(st, pipeline.Config{NASAddress: "requests@nas.test", RepliesPerMinute: 100000,
		Verify: verify.Config{TrustedAuthServIDs: []string{"mx.nas.test"}}}, r, slog.New(slog.DiscardHandler), time.Now)
	for i, m := range w.Mails {
		if _, _, err := st.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), Raw: m}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.ProcessPending(ctx, nil); err != nil {
		t.Fatal(err)
	}
	return accountsOf(t, st)
}
