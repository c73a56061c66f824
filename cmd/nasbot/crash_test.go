package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

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

// crashWorkload is a backlog of add-user requests spread over sites small enough that no site
// reaches its limit, with a directory to match.
type crashWorkload struct {
	dir   string   // organisations.csv, accounts.csv
	mails [][]byte // in arrival order
	sites []string // shared mailbox addresses
}

func newCrashWorkload(t *testing.T, servers testenv.Mail, requests, perSite int) crashWorkload {
	t.Helper()
	w := crashWorkload{dir: t.TempDir()}
	var orgs, accts strings.Builder
	orgs.WriteString("ods_code,sector,name,town,shared_mailbox,status\n")
	accts.WriteString("email,name,mobile,ods_code,status,role,last_login\n")
	for s := 0; s*perSite < requests; s++ {
		mailbox := servers.NewAddress(t, "nhs.net")
		w.sites = append(w.sites, mailbox)
		ods := fmt.Sprintf("FC%03d", s)
		fmt.Fprintf(&orgs, "%s,pharmacy,Crash Pharmacy %d,Leeds,%s,active\n", ods, s, mailbox)
		fmt.Fprintf(&accts, "owner%d@nhs.net,Owner Number%d,0771%07d,%s,active,owner,2026-02-27\n", s, s, s, ods)
	}
	os.WriteFile(filepath.Join(w.dir, "organisations.csv"), []byte(orgs.String()), 0o644)
	os.WriteFile(filepath.Join(w.dir, "accounts.csv"), []byte(accts.String()), 0o644)
	for i := range requests {
		s := i / perSite
		body := fmt.Sprintf("Request: Add user\nName: Person %s\nMobile: 0772%07d\nEmail: p%d@example.org\nLinked: Yes\n\n"+
			"Requested by: Owner Number%d (owner%d@nhs.net)\n", letters(i), i, i, s, s)
		w.mails = append(w.mails, genuineMail(w.sites[s], fmt.Sprintf("<crash-%d@ex.nhs.net>", i), "New starter", body))
	}
	return w
}

// letters names request i with letters only, since addresses are made of the name's letters.
func letters(i int) string {
	b := []byte("aaaa")
	for k := 3; k >= 0; k-- {
		b[k] = byte('a' + i%26)
		i /= 26
	}
	return "Crash" + string(b)
}

// genuineMail is a request as the NAS's MTA (mx.nas.test) delivers it.
func genuineMail(from, messageID, subject, body string) []byte {
	date := time.Now().UTC().Format(time.RFC1123Z)
	head := fmt.Sprintf("Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net\n"+
		"Received: from mail.nhs.net by mx.nas.test with ESMTPS; %[2]s\nFrom: <%[1]s>\nTo: NAS <requests@nas.test>\n"+
		"Subject: %[4]s\nDate: %[2]s\nMessage-ID: %[3]s\nContent-Type: text/plain; charset=us-ascii\n\n", from, date, messageID, subject)
	return []byte(strings.ReplaceAll(head+body, "\n", "\r\n"))
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
	w := newCrashWorkload(t, servers, requests, 8)

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
	waitDrained(t, st, requests, 4*time.Minute)
	decidedOnce(t, st, requests)
	dups := repliesDelivered(t, servers, w, requests)
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
func prepareBacklog(t *testing.T, servers testenv.Mail, dsn, inbox string, w crashWorkload) (*store.Store, []string) {
	t.Helper()
	ctx := context.Background()
	st := testenv.OpenStore(t, dsn)
	if err := importDirectory(ctx, st, w.dir); err != nil {
		t.Fatal(err)
	}
	c := dialIMAP(t, servers, inbox)
	for _, m := range w.mails {
		appendMail(t, c, "INBOX", m)
	}
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
	cmd.Env = append(env, "NASBOT_HTTP_ADDR="+freeAddr(t), "NASBOT_METRICS_ADDR="+freeAddr(t))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// waitDrained waits until all requests are stored and decided and the outbox is empty.
func waitDrained(t *testing.T, st *store.Store, requests int, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for {
		s, err := st.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var stored int
		st.DB().GetContext(ctx, &stored, `SELECT COUNT(*) FROM messages`)
		if stored == requests && s.UndecidedMessage == 0 && s.OutboxPending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained: %d stored, %+v", stored, s)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// decidedOnce checks that each of the messages has exactly one decided request.
func decidedOnce(t *testing.T, st *store.Store, requests int) {
	t.Helper()
	var perMessage []int
	if err := st.DB().SelectContext(context.Background(), &perMessage,
		`SELECT COUNT(r.id) FROM messages m LEFT JOIN requests r ON r.message = m.id GROUP BY m.id`); err != nil {
		t.Fatal(err)
	}
	if len(perMessage) != requests || slices.Min(perMessage) != 1 || slices.Max(perMessage) != 1 {
		t.Fatalf("requests per message: want exactly 1 for each of %d messages", requests)
	}
}

// repliesDelivered checks that every request got its reply and returns the duplicates.
func repliesDelivered(t *testing.T, servers testenv.Mail, w crashWorkload, requests int) (dups int) {
	t.Helper()
	// The outbox says sent once the relay took a reply; it reaches the mailbox a moment later.
	var missing []int
	deadline := time.Now().Add(30 * time.Second)
	for {
		delivered := map[string]int{}
		for _, site := range w.sites {
			for _, id := range inReplyTos(t, servers, site) {
				delivered[id]++
			}
		}
		missing, dups = nil, 0
		for i := range requests {
			n := delivered[fmt.Sprintf("<crash-%d@ex.nhs.net>", i)]
			if n == 0 {
				missing = append(missing, i)
			}
			dups += max(n-1, 0)
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(missing) > 0 {
		t.Errorf("no reply delivered to %d requests: %v", len(missing), missing)
	}
	return dups
}

// inReplyTos returns the In-Reply-To of every message in user's INBOX.
func inReplyTos(t *testing.T, servers testenv.Mail, user string) []string {
	t.Helper()
	c := dialIMAP(t, servers, user)
	data, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if data.NumMessages == 0 {
		return nil
	}
	var all imap.SeqSet
	all.AddRange(1, data.NumMessages)
	msgs, err := c.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{
		{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"In-Reply-To"}, Peek: true}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range msgs {
		for _, sec := range m.BodySection {
			_, v, _ := strings.Cut(string(sec.Bytes), ":")
			ids = append(ids, strings.TrimSpace(v))
		}
	}
	return ids
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
func uninterrupted(t *testing.T, w crashWorkload) string {
	t.Helper()
	ctx := context.Background()
	st := testenv.OpenStore(t, filepath.Join(t.TempDir(), "calm.db"))
	if err := importDirectory(ctx, st, w.dir); err != nil {
		t.Fatal(err)
	}
	r, _ := templates.New("")
	p := pipeline.New(st, pipeline.Config{NASAddress: "requests@nas.test", RepliesPerMinute: 100000,
		Verify: verify.Config{TrustedAuthServIDs: []string{"mx.nas.test"}}}, r, slog.New(slog.DiscardHandler), time.Now)
	for i, m := range w.mails {
		if _, _, err := st.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), Raw: m}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.ProcessPending(ctx, nil); err != nil {
		t.Fatal(err)
	}
	return accountsOf(t, st)
}
