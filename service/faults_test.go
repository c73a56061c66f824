package service

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"nasbot/internal/testenv"
)

// The fault tests run the bot against a private set of the real servers (testenv.OwnServices)
// and stop one of them as an operator's restart or an outage does: the bot recovers by itself,
// loses nothing, and /readyz and /metrics show the fault while it lasts.

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
	resp, err := http.Get("http://" + tb.cfg.MetricsAddr + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func metricValue(t *testing.T, tb testBot, series string) string {
	_, body := httpGet(t, "http://"+tb.cfg.MetricsAddr+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

func TestFaultDovecotRestartedMidIdle(t *testing.T) {
	t.Parallel()
	svc := testenv.OwnServices(t)
	tb := startTestBotOn(t, svc.Mail, svc.Postgres(t), nil)
	waitUntil(t, 15*time.Second, "ready", func() bool { return readyz(t, tb) == 200 })
	c := tb.servers.Login(t, tb.inbox)
	testenv.AppendMail(t, c, "INBOX", requestMail(tb.shared, "<before-restart@ex.nhs.net>"))
	waitForMail(t, tb.servers, tb.shared, 30*time.Second)

	svc.Stop(t, testenv.ServiceDovecot) // the bot sits in IDLE
	// Dovecot's imap processes may take ~10 s to close their clients' connections after the
	// master goes; on a loaded machine, more.
	waitUntil(t, 30*time.Second, "/readyz shows the IMAP fault", func() bool { return readyz(t, tb) == 503 })
	waitUntil(t, 15*time.Second, "the poll errors counted", func() bool {
		v := metricValue(t, tb, "nasbot_poll_errors_total")
		return v != "" && v != "0"
	})
	svc.Start(t)
	c = tb.servers.Login(t, tb.inbox)
	testenv.AppendMail(t, c, "INBOX", requestMail(tb.shared, "<after-restart@ex.nhs.net>"))
	waitUntil(t, 60*time.Second, "the reply to the mail after the restart", func() bool {
		return len(tb.servers.InReplyTos(t, tb.shared)) == 2
	})
	if ids := tb.servers.InReplyTos(t, tb.shared); !slices.ContainsFunc(ids, func(id string) bool {
		return strings.Contains(id, "after-restart")
	}) {
		t.Errorf("replies to %v, want one to <after-restart@ex.nhs.net>", ids)
	}
	waitUntil(t, 10*time.Second, "/readyz recovers", func() bool { return readyz(t, tb) == 200 })
}

func TestFaultPostgresRestartedMidBatch(t *testing.T) {
	t.Parallel()
	svc := testenv.OwnServices(t)
	dsn := svc.Postgres(t)
	tb := startTestBotOn(t, svc.Mail, dsn, nil)
	direct := testenv.OpenStore(t, dsn)
	const requests = 150
	w := testenv.NewWorkload(t, tb.servers, requests, 8)
	ctx := context.Background()
	w.Load(t, direct, tb.servers, tb.inbox)
	decided := func() int {
		var n int
		direct.DB().GetContext(ctx, &n, `SELECT COUNT(*) FROM messages WHERE state = 'done'`)
		return n
	}
	waitUntil(t, 30*time.Second, "the batch under way", func() bool { return decided() >= 10 })
	before := decided()
	svc.Stop(t, testenv.ServicePostgres)
	t.Logf("PostgreSQL stopped after %d of %d decided", before, requests)
	waitUntil(t, 10*time.Second, "/readyz shows the database fault", func() bool { return readyz(t, tb) == 503 })
	time.Sleep(3 * time.Second)
	svc.Start(t)

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
	if dups := w.RepliesDelivered(t, tb.servers, requests); dups > 1 {
		t.Errorf("%d duplicate replies, want at most one for the outage", dups)
	}
	waitUntil(t, 20*time.Second, "/readyz recovers", func() bool { return readyz(t, tb) == 200 })
}

// TestFaultSMTPRefusingThenBack stops the relay for longer than the outage delay, so that the
// reply fails more than once, then starts it: the reply goes once, a delay after the outage.
func TestFaultSMTPRefusingThenBack(t *testing.T) {
	t.Parallel()
	const outage, afterOutage = 8 * time.Second, 2 * time.Second
	svc := testenv.OwnServices(t)
	svc.Stop(t, testenv.ServiceExim)
	refusedSince := time.Now()
	tb := startTestBotOn(t, svc.Mail, svc.Postgres(t), func(c *Config) {
		c.SMTPRetryAfterOutage, c.SMTPRetryFirst = afterOutage, afterOutage
	})
	c := tb.servers.Login(t, tb.inbox)
	testenv.AppendMail(t, c, "INBOX", requestMail(tb.shared, "<during-smtp-outage@ex.nhs.net>"))
	waitUntil(t, 20*time.Second, "the failed send counted", func() bool {
		v := metricValue(t, tb, `nasbot_replies_total{result="failed"}`)
		return v != "" && v != "0"
	})
	if v := metricValue(t, tb, `nasbot_outbox_depth{state="pending"}`); v != "1" {
		t.Errorf("outbox depth %q while SMTP refuses, want 1", v)
	}
	time.Sleep(time.Until(refusedSince.Add(outage)))
	var attempts int
	if err := tb.store.DB().Get(&attempts, `SELECT attempts FROM outbox`); err != nil {
		t.Fatal(err)
	}
	if attempts < 2 {
		t.Errorf("%d attempts during a %s outage with a %s retry, want at least 2", attempts, outage, afterOutage)
	}
	svc.Start(t)
	waitForMail(t, tb.servers, tb.shared, 30*time.Second)
	time.Sleep(2 * time.Second)
	if ids := tb.servers.InReplyTos(t, tb.shared); len(ids) != 1 {
		t.Fatalf("%d replies delivered, want exactly 1", len(ids))
	}
	if v := metricValue(t, tb, `nasbot_outbox_depth{state="pending"}`); v != "0" {
		t.Errorf("outbox depth %q after the outage, want 0", v)
	}
}
