package service

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
)

// TestDigestReachesStaff: yesterday a site sent a request and someone forged its mailbox; the
// lifecycle run mails NAS staff the day's figures through the real Exim into their Dovecot
// mailbox, and a second run the same day sends nothing more.
func TestDigestReachesStaff(t *testing.T) {
	servers := testenv.MailServers(t)
	tb := newTestBot(t, servers, testenv.Postgres(t))
	staff := servers.NewAddress(t, "nas.test")
	tb.cfg.DigestTo, tb.cfg.DeskURL, tb.cfg.AccessReviewEvery = staff, "https://desk.nas.test/", 0
	ctx, cancel := context.WithCancel(context.Background())
	st := testenv.OpenStore(t, tb.cfg.DatabaseURL) // closed after the bot stops
	importTestDirectory(t, st, tb.shared)
	b, err := New(tb.cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}

	// Yesterday noon (UTC): a genuine request, and a forgery of the same mailbox.
	now := time.Now().UTC()
	noon := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	date := regexp.MustCompile(`(?m)^(Date|Received): .*$`)
	genuine := date.ReplaceAll(requestMail(tb.shared, "<digest-1@nhs.net>"), []byte("$1: "+noon.Format(time.RFC1123Z)+"\r"))
	forged := bytes.Replace(date.ReplaceAll(requestMail(tb.shared, "<digest-2@evil.example>"),
		[]byte("$1: "+noon.Format(time.RFC1123Z)+"\r")), []byte("Authentication-Results: mx.nas.test;"),
		[]byte("Authentication-Results: mx.evil.example;"), 1)
	for i, raw := range [][]byte{genuine, forged} {
		id, _, err := st.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 9, UID: uint32(i + 1), Raw: raw, ReceivedAt: noon})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Pipeline().Process(ctx, id); err != nil {
			t.Fatal(err)
		}
	}

	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	b.RunLifecycle(ctx)
	b.RunLifecycle(ctx) // a second run, as another replica's would be: nothing more

	text := textBody(t, waitForMail(t, servers, staff, 30*time.Second))
	day := noon.Format("Monday 2 January 2006")
	for _, want := range []string{"did yesterday, " + day + ".", "Emails received: 2",
		"Requests we did with no help: 1", "Emails from senders we could not confirm: 1",
		"Cases waiting now: 1.", "The desk: https://desk.nas.test/"} {
		if !strings.Contains(text, want) {
			t.Errorf("the digest lacks %q:\n%s", want, text)
		}
	}
	time.Sleep(2 * time.Second) // time for a second digest to arrive, were there one
	if n := mailboxSize(t, servers.Login(t, staff), "INBOX"); n != 1 {
		t.Errorf("staff have %d digests, want 1", n)
	}
}
