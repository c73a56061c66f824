package service

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"nasbot/internal/testenv"
)

// TestBacklogGuardHoldsWhatWasWaitingAtTheFirstMeeting connects the bot to an inbox that already
// holds mail: it decides that mail as usual but answers none of it by itself (the replies wait
// for staff), while mail that arrives afterwards is answered at once.
func TestBacklogGuardHoldsWhatWasWaitingAtTheFirstMeeting(t *testing.T) {
	tb := newTestBot(t, testenv.MailServers(t), testenv.Postgres(t))
	c := tb.servers.Login(t, tb.inbox)
	testenv.AppendMail(t, c, "INBOX", requestMail(tb.shared, "<waiting-1@ex.nhs.net>"))
	testenv.AppendMail(t, c, "INBOX", requestMail(tb.shared, "<waiting-2@ex.nhs.net>"))
	tb.start(t, func(c *Config) { c.MaxReplyAge = 72 * time.Hour }) // the default
	ctx := context.Background()
	waitUntil(t, 30*time.Second, "the waiting mail decided", func() bool {
		var n int
		tb.store.DB().GetContext(ctx, &n, `SELECT COUNT(*) FROM messages WHERE processed_at IS NOT NULL`)
		return n == 2
	})

	testenv.AppendMail(t, c, "INBOX", requestMail(tb.shared, "<after-start@ex.nhs.net>"))
	waitForMail(t, tb.servers, tb.shared, 30*time.Second)
	time.Sleep(2 * time.Second) // a held reply sent by mistake would arrive meanwhile
	if ids := tb.servers.InReplyTos(t, tb.shared); len(ids) != 1 || !slices.ContainsFunc(ids, func(id string) bool {
		return strings.Contains(id, "after-start")
	}) {
		t.Errorf("replies delivered to %v; want only the one to <after-start@ex.nhs.net>", ids)
	}
	var parked, held int
	tb.store.DB().GetContext(ctx, &parked, `SELECT COUNT(*) FROM outbox WHERE state = 'parked'`)
	tb.store.DB().GetContext(ctx, &held, `SELECT COUNT(*) FROM exceptions WHERE reason = 'reply_held' AND state = 'open'`)
	if parked != 2 || held != 2 {
		t.Errorf("%d replies parked and %d reply_held cases open; want 2 and 2", parked, held)
	}
}
