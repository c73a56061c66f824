package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"nasbot/internal/faultproxy"
	"nasbot/internal/testenv"
	"nasbot/store"
)

// The fault tests put a fault proxy between the running bot and one real service, take the
// service away (open connections cut, new ones refused, as in a restart or an outage) and
// bring it back: the bot recovers by itself, loses nothing, and /readyz and /metrics show the
// fault while it lasts.

func proxyTo(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// waitUntil polls cond every 100 ms until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readyz is /readyz's status, or 0 while the server does not answer yet.
func readyz(t *testing.T, tb testBot) int {
	resp, err := http.Get("http://" + tb.cfg.HTTPAddr + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func metricValue(t *testing.T, tb testBot, series string) string {
	_, body := httpGet(t, "http://"+tb.cfg.HTTPAddr+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// directStore opens the test's own connection to the bot's database, not through any proxy.
func directStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestFaultIMAPGoneMidIdle(t *testing.T) {
	imapProxy := proxyTo(t, testenv.MailServers(t).IMAPAddr)
	tb := startTestBot(t, func(c *Config) {
		c.IMAPURL = strings.Replace(c.IMAPURL, testenv.MailServers(t).IMAPAddr, imapProxy.Addr, 1)
	})
	waitUntil(t, 15*time.Second, "ready", func() bool { return readyz(t, tb) == 200 })

	imapProxy.Down() // the bot sits in IDLE: its connection is cut
	waitUntil(t, 15*time.Second, "/readyz shows the IMAP fault", func() bool { return readyz(t, tb) == 503 })
	c := dialIMAP(t, tb.servers, tb.inbox) // mail keeps arriving meanwhile
	appendMail(t, c, "INBOX", requestMail(tb.shared, "<during-imap-outage@ex.nhs.net>"))
	time.Sleep(2 * time.Second)
	if v := metricValue(t, tb, "nasbot_poll_errors_total"); v == "" || v == "0" {
		t.Errorf("nasbot_poll_errors_total = %q during the outage", v)
	}

	imapProxy.Up()
	reply := waitForMail(t, tb.servers, tb.shared, 60*time.Second)
	if got, _ := reply.Header.Text("In-Reply-To"); !strings.Contains(got, "during-imap-outage") {
		t.Errorf("reply to %q", got)
	}
	waitUntil(t, 10*time.Second, "/readyz recovers", func() bool { return readyz(t, tb) == 200 })
}

func TestFaultPostgresGoneMidBatch(t *testing.T) {
	dsn := testenv.Postgres(t)
	u, _ := url.Parse(dsn)
	pgProxy := proxyTo(t, u.Host)
	u.Host = pgProxy.Addr
	tb := startTestBot(t, func(c *Config) { c.DatabaseURL = u.String() })
	direct := directStore(t, dsn)
	const requests = 150
	w := newCrashWorkload(t, tb.servers, requests, 8)
	ctx := context.Background()
	if err := importDirectory(ctx, direct, w.dir); err != nil {
		t.Fatal(err)
	}
	c := dialIMAP(t, tb.servers, tb.inbox)
	for _, m := range w.mails {
		appendMail(t, c, "INBOX", m)
	}
	decided := func() int {
		var n int
		direct.DB().GetContext(ctx, &n, `SELECT COUNT(*) FROM messages WHERE state = 'done'`)
		return n
	}
	waitUntil(t, 30*time.Second, "the batch under way", func() bool { return decided() >= 10 })
	pgProxy.Down()
	t.Logf("PostgreSQL gone after %d of %d decided", decided(), requests)
	waitUntil(t, 10*time.Second, "/readyz shows the database fault", func() bool { return readyz(t, tb) == 503 })
	time.Sleep(3 * time.Second)
	pgProxy.Up()

	waitUntil(t, 90*time.Second, "the backlog drained", func() bool {
		s, err := direct.Stats(ctx)
		return err == nil && decided() == requests && s.OutboxPending == 0
	})
	var perMessage []int
	direct.DB().SelectContext(ctx, &perMessage, `SELECT COUNT(r.id) FROM messages m LEFT JOIN requests r ON r.message = m.id
		WHERE m.mailbox = 'INBOX' GROUP BY m.id`)
	for i, n := range perMessage {
		if n != 1 {
			t.Errorf("message %d has %d decided requests, want 1", i, n)
		}
	}
	dups, missing := 0, 0
	delivered := map[string]int{}
	for _, site := range w.sites {
		for _, id := range inReplyTos(t, tb.servers, site) {
			delivered[id]++
		}
	}
	for i := range requests {
		switch n := delivered[fmt.Sprintf("<crash-%d@ex.nhs.net>", i)]; {
		case n == 0:
			missing++
		case n > 1:
			dups += n - 1
		}
	}
	if missing > 0 || dups > 1 {
		t.Errorf("%d replies missing, %d duplicates (at most one for the outage)", missing, dups)
	}
	waitUntil(t, 20*time.Second, "/readyz recovers", func() bool { return readyz(t, tb) == 200 })
}

func TestFaultSMTPRefusing(t *testing.T) {
	smtpProxy := proxyTo(t, testenv.MailServers(t).SMTPAddr)
	smtpProxy.Down()
	tb := startTestBot(t, func(c *Config) {
		c.SMTPURL = strings.Replace(c.SMTPURL, testenv.MailServers(t).SMTPAddr, smtpProxy.Addr, 1)
	})
	c := dialIMAP(t, tb.servers, tb.inbox)
	appendMail(t, c, "INBOX", requestMail(tb.shared, "<during-smtp-outage@ex.nhs.net>"))
	waitUntil(t, 20*time.Second, "the failed send counted", func() bool {
		v := metricValue(t, tb, `nasbot_replies_total{result="failed"}`)
		return v != "" && v != "0"
	})
	if v := metricValue(t, tb, `nasbot_outbox_depth{state="pending"}`); v != "1" {
		t.Errorf("outbox depth %q while SMTP refuses, want 1", v)
	}
	time.Sleep(5 * time.Second)
	smtpProxy.Up()
	// A reply whose connection failed is tried again a minute later.
	waitForMail(t, tb.servers, tb.shared, 100*time.Second)
	time.Sleep(2 * time.Second)
	if ids := inReplyTos(t, tb.servers, tb.shared); len(ids) != 1 {
		t.Fatalf("%d replies delivered, want exactly 1", len(ids))
	}
}
