package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

// TestOutboxKeepsReasons: the reason codes a reply answers are stored beside its text (00012)
// and come back for the sender, which puts them in X-NAS-Reasons.
func TestOutboxKeepsReasons(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		id, _, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: 1, Raw: []byte("Subject: x\r\n\r\nx\r\n")})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"unknown_account", "site_account_limit"}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			for i, reasons := range [][]string{want, nil} {
				_, err := tx.Enqueue(id, domain.Outgoing{MessageID: "<r" + string(rune('1'+i)) + "@nas.test>", From: "requests@nas.test",
					To: "pharmacy.fq7k2@nhs.net", Subject: "Re: x", Text: "text", Reasons: reasons}, false, now)
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		due, err := s.PendingReplies(ctx, 10, now)
		if err != nil || len(due) != 2 {
			t.Fatalf("pending: %+v %v", due, err)
		}
		if !slices.Equal(due[0].Reasons, want) || len(due[1].Reasons) != 0 {
			t.Errorf("reasons back: %q and %q, want %q and none", due[0].Reasons, due[1].Reasons, want)
		}
		saved, _ := s.RepliesFor(ctx, id)
		if len(saved) != 2 || !slices.Equal(saved[0].Reasons, want) {
			t.Errorf("RepliesFor: %+v", saved)
		}
	})
}
