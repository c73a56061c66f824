package service

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"

	"nasbot/internal/testenv"
	"nasbot/store"
)

// TestBotEndToEnd is the walking skeleton against the real services: a request APPENDed to the
// Dovecot inbox is stored, decided and moved by the running bot; the reply goes through Exim to
// the shared mailbox's Dovecot INBOX, threaded; the account exists in PostgreSQL.
func TestBotEndToEnd(t *testing.T) {
	tb := startTestBot(t, nil)
	servers, st, cfg, inbox, shared := tb.servers, tb.store, tb.cfg, tb.inbox, tb.shared
	ctx := context.Background()

	const requestID = "<e2e-add-user@ex.nhs.net>"
	c := servers.Login(t, inbox)
	testenv.AppendMail(t, c, "INBOX", requestMail(shared, requestID))

	reply := waitForMail(t, servers, shared, 30*time.Second)
	h := reply.Header
	if got, _ := h.Text("In-Reply-To"); !strings.Contains(got, strings.Trim(requestID, "<>")) {
		t.Errorf("In-Reply-To = %q, want %s", got, requestID)
	}
	if got, _ := h.Text("References"); !strings.Contains(got, strings.Trim(requestID, "<>")) {
		t.Errorf("References = %q, want it to hold %s", got, requestID)
	}
	if got, _ := h.Subject(); !strings.HasPrefix(got, "Re: New starter") || !strings.Contains(got, "[NAS-") {
		t.Errorf("Subject = %q, want Re: New starter … [NAS-…]", got)
	}
	if got := h.Get("Auto-Submitted"); got != "auto-replied" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	body := textBody(t, reply)
	if !strings.Contains(body, "callum.reid@nhs.net") {
		t.Errorf("reply does not name the new account:\n%s", body)
	}

	acct, err := st.Account(ctx, "callum.reid@nhs.net")
	if err != nil || acct.ODS != "FZ001" || acct.Mobile != "07700900150" {
		t.Fatalf("account in PostgreSQL: %+v, %v", acct, err)
	}
	if n := mailboxSize(t, c, "INBOX"); n != 0 {
		t.Errorf("inbox still holds %d messages; want them moved", n)
	}
	if n := mailboxSize(t, c, "Processed"); n != 1 {
		t.Errorf("Processed holds %d messages, want 1", n)
	}

	if code, body := httpGet(t, "http://"+cfg.MetricsAddr+"/readyz"); code != 200 {
		t.Errorf("/readyz: %d %s", code, body)
	}
	// The desk's address says only that it is ready, and has no metrics.
	if code, body := httpGet(t, "http://"+cfg.HTTPAddr+"/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("desk /readyz: %d %q", code, body)
	}
	if _, body := httpGet(t, "http://"+cfg.HTTPAddr+"/metrics"); strings.Contains(body, "nasbot_") {
		t.Errorf("desk /metrics shows metrics")
	}
	// The sender counts its round just after the server took the reply: give it a moment.
	var metrics string
	for i := 0; i < 50 && !strings.Contains(metrics, `nasbot_replies_total{result="sent"}`); i++ {
		_, metrics = httpGet(t, "http://"+cfg.MetricsAddr+"/metrics")
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{`nasbot_messages_total{verdict="processed"} 1`, `nasbot_requests_total{outcome="done",type="add_user"} 1`,
		`nasbot_replies_total{result="sent"} 1`, "nasbot_exceptions_open 0", "nasbot_last_poll_timestamp_seconds"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// testBot is a running bot against the real services, with a fresh NAS inbox, a fresh shared
// mailbox on record (site FZ001, owner ola.owner@nhs.net) and a fresh PostgreSQL database.
type testBot struct {
	servers       testenv.Mail
	store         *store.Store
	cfg           Config
	inbox, shared string
}

// startTestBot starts the bot; tweak (may be nil) adjusts its config first. It stops with the test.
func startTestBot(t *testing.T, tweak func(*Config)) testBot {
	t.Helper()
	return startTestBotOn(t, testenv.MailServers(t), testenv.Postgres(t), tweak)
}

// startTestBotOn is startTestBot on the given mail servers and database.
func startTestBotOn(t *testing.T, servers testenv.Mail, dsn string, tweak func(*Config)) testBot {
	t.Helper()
	tb := newTestBot(t, servers, dsn)
	tb.start(t, tweak)
	return tb
}

// newTestBot makes the bot's inbox, one site's shared mailbox and the bot's config, so that a
// test may put mail in the inbox before start runs the bot.
func newTestBot(t *testing.T, servers testenv.Mail, dsn string) testBot {
	t.Helper()
	tb := testBot{servers: servers}
	tb.inbox = tb.servers.NewAddress(t, "nas.test")
	tb.shared = tb.servers.NewAddress(t, "nhs.net")
	tb.cfg = botConfig(t, servers, dsn, tb.inbox)
	return tb
}

// botConfig is the config of a bot reading inbox on the servers, with dsn as its database and
// its HTTP servers on free ports.
func botConfig(t *testing.T, servers testenv.Mail, dsn, inbox string) Config {
	t.Helper()
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = dsn
	cfg.IMAPURL = "imap://" + url.UserPassword(inbox, servers.Password).String() + "@" + servers.IMAPAddr + "/INBOX"
	cfg.SMTPURL = "smtp://" + servers.SMTPAddr + "?tls=none"
	cfg.FromAddress = inbox
	cfg.TrustAuthServ = []string{"mx.nas.test"}
	cfg.HTTPAddr, cfg.MetricsAddr = testenv.FreeAddr(t), testenv.FreeAddr(t)
	cfg.MaxReplyAge = 0
	cfg.LifecycleAt = LifecycleOff // a run at 02:30 would change the test's directory
	cfg.AccessReviewEvery = 0      // a test that runs the lifecycle reads the notice, not the review
	return cfg
}

// start runs the bot with the test directory; tweak (may be nil) adjusts its config first.
func (tb *testBot) start(t *testing.T, tweak func(*Config)) {
	t.Helper()
	if tweak != nil {
		tweak(&tb.cfg)
	}
	st := testenv.OpenStore(t, tb.cfg.DatabaseURL) // closed after the bot stops
	tb.store = st
	importTestDirectory(t, st, tb.shared)
	b, err := New(tb.cfg, st, slog.New(slog.NewTextHandler(testLogOut(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	inBackground(t, "bot stopped with", b.Run)
}

// inBackground runs fn until t ends, then cancels it and waits, failing t with "what err" if
// fn stopped with an error.
func inBackground(t *testing.T, what string, fn func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s %v", what, err)
		}
	})
}

// importTestDirectory puts the test's one site, FZ001 with its owner, in the directory.
func importTestDirectory(t *testing.T, st *store.Store, shared string) {
	t.Helper()
	orgs := "ods_code,sector,name,town,shared_mailbox,status\nFZ001,pharmacy,Test Pharmacy,Leeds," + shared + ",active\n"
	accts := "email,name,mobile,ods_code,status,role,last_login\nola.owner@nhs.net,Ola Owner,07700900101,FZ001,active,owner,2026-02-27\n"
	dir := fstest.MapFS{store.OrganisationsFile: {Data: []byte(orgs)}, store.AccountsFile: {Data: []byte(accts)}}
	if err := st.ImportDirectoryFiles(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
}

// requestMail is a genuine request as the NAS's MTA (mx.nas.test) delivers it.
func requestMail(from, messageID string) []byte {
	date := time.Now().UTC().Format(time.RFC1123Z)
	return []byte(strings.ReplaceAll(fmt.Sprintf(`Return-Path: <%[1]s>
Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net
Received: from mail.nhs.net by mx.nas.test with ESMTPS; %[2]s
From: "Test Pharmacy, Leeds" <%[1]s>
To: NAS <requests@nas.test>
Subject: New starter - Callum Reid
Date: %[2]s
Message-ID: %[3]s
Content-Type: text/plain; charset=us-ascii

Request: Add user
Name: Callum Reid
Mobile: 07700 900150
Email: callum.reid@example.com
Linked to shared mailbox: Yes
Role: Member

Requested by: Ola Owner (ola.owner@nhs.net)
`, from, date, messageID), "\n", "\r\n"))
}

func mailboxSize(t *testing.T, c *imapclient.Client, mailbox string) uint32 {
	t.Helper()
	data, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatalf("status %s: %v", mailbox, err)
	}
	return *data.NumMessages
}

// waitForMail waits for the first message in user's INBOX and returns it parsed.
func waitForMail(t *testing.T, servers testenv.Mail, user string, timeout time.Duration) *mail.Reader {
	t.Helper()
	c := servers.Login(t, user)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if mailboxSize(t, c, "INBOX") > 0 {
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{
				BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
			if err != nil || len(msgs) != 1 {
				t.Fatalf("fetch reply: %v", err)
			}
			for _, raw := range msgs[0].BodySection {
				r, err := mail.CreateReader(bytes.NewReader(raw.Bytes))
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no mail reached %s within %s", user, timeout)
	return nil
}

// textBody returns the decoded text/plain part of a message.
func textBody(t *testing.T, r *mail.Reader) string {
	t.Helper()
	for {
		p, err := r.NextPart()
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if h, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				b, err := io.ReadAll(p.Body)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
		}
	}
}

// TestBotWithOAuth runs the bot as against Exchange Online: IMAP and SMTP log in with XOAUTH2
// tokens from the client-credentials flow (a test identity provider that Dovecot and Exim ask).
func TestBotWithOAuth(t *testing.T) {
	idp := testenv.MailServers(t).OAuthIdP(t)
	var id string
	tb := startTestBot(t, func(c *Config) {
		var secret string
		id, secret = idp.NewClient(c.FromAddress, "", time.Hour)
		c.IMAPURL = "imap://" + testenv.MailServers(t).IMAPAddr + "/INBOX"
		c.SMTPURL = "smtp://" + testenv.MailServers(t).SMTPAddr + "?tls=none"
		c.OAuthTokenURL, c.OAuthClientID, c.OAuthClientSecret, c.OAuthUser = idp.TokenURL, id, secret, c.FromAddress
		c.OAuthScopes = nil
	})
	c := tb.servers.Login(t, tb.inbox)
	testenv.AppendMail(t, c, "INBOX", requestMail(tb.shared, "<oauth-add-user@ex.nhs.net>"))
	reply := waitForMail(t, tb.servers, tb.shared, 30*time.Second)
	if got, _ := reply.Header.Text("In-Reply-To"); !strings.Contains(got, "oauth-add-user@ex.nhs.net") {
		t.Fatalf("In-Reply-To = %q", got)
	}
	tokens := idp.Tokens(id)
	if len(tokens) == 0 {
		t.Fatal("no token was issued")
	}
	// Dovecot checked the token for the IMAP login, Exim for the SMTP one.
	if n := idp.Introspected(tokens[0]); n < 2 {
		t.Fatalf("token checked %d times, want IMAP and SMTP logins", n)
	}
}

// TestListAccountsEndToEnd: a site's shared mailbox asks who has access through the real
// Dovecot inbox; the reply, read back over IMAP from the site's mailbox, lists its accounts
// with the mobile masked.
func TestListAccountsEndToEnd(t *testing.T) {
	t.Parallel()
	tb := startTestBot(t, nil)
	c := tb.servers.Login(t, tb.inbox)
	raw := bytes.Replace(requestMail(tb.shared, "<list-accounts-e2e@nhs.net>"),
		[]byte("Request: Add user\r\nName: Callum Reid\r\nMobile: 07700 900150\r\nEmail: callum.reid@example.com\r\nLinked to shared mailbox: Yes\r\nRole: Member\r\n"),
		[]byte("Request: List accounts\r\n"), 1)
	testenv.AppendMail(t, c, "INBOX", raw)
	text := textBody(t, waitForMail(t, tb.servers, tb.shared, 60*time.Second))
	for _, want := range []string{"Ola Owner (ola.owner@nhs.net)", "Access: owner", "Mobile: 07*** ***101", "1 of its 10 accounts"} {
		if !strings.Contains(text, want) {
			t.Errorf("the reply lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "07700900101") || strings.Contains(text, "07700 900101") {
		t.Error("the reply shows the full mobile number")
	}
}

// testLogOut is where test bots log: nowhere, or stderr with NASBOT_TEST_BOTLOG=1 when a test
// needs explaining.
func testLogOut() io.Writer {
	if os.Getenv("NASBOT_TEST_BOTLOG") != "" {
		return os.Stderr
	}
	return io.Discard
}
