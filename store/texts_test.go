package store_test

import (
	"context"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

func TestTextQueueRoundTrip(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Apply(domain.SendTemporaryPassword{Address: "amelia.hart@nhs.net"}, now); err != nil {
				return err
			}
			return tx.Apply(domain.SendTemporaryPassword{Address: "daniel.okafor@nhs.net"}, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		due, err := s.PendingTexts(ctx, 10, now)
		if err != nil || len(due) != 2 || due[0].Account != "amelia.hart@nhs.net" ||
			due[0].Kind != store.TextTemporaryPassword || due[0].Attempts != 0 || !due[0].CreatedAt.Equal(now) {
			t.Fatalf("pending: %+v %v", due, err)
		}
		if due, _ := s.PendingTexts(ctx, 1, now); len(due) != 1 {
			t.Fatalf("limit: %d", len(due))
		}

		// A claim hides the text from other senders until the lease ends.
		lease := now.Add(10 * time.Minute)
		if ok, err := s.ClaimText(ctx, due[0].ID, now, lease); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if ok, _ := s.ClaimText(ctx, due[0].ID, now, lease); ok {
			t.Fatal("claimed twice")
		}
		if due, _ := s.PendingTexts(ctx, 10, now); len(due) != 1 || due[0].Account != "daniel.okafor@nhs.net" {
			t.Fatalf("claimed text still due: %+v", due)
		}
		if due, _ := s.PendingTexts(ctx, 10, lease); len(due) != 2 || due[0].Attempts != 1 {
			t.Fatalf("after the lease: %+v", due)
		}
		if err := s.MarkTextSent(ctx, due[0].ID, now); err != nil {
			t.Fatal(err)
		}

		// A transient failure waits; a permanent one ends the text and tells staff.
		if ok, _ := s.ClaimText(ctx, due[1].ID, now, lease); !ok {
			t.Fatal("claim daniel")
		}
		if err := s.MarkTextFailed(ctx, due[1].ID, "503", false, now, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.PendingTexts(ctx, 10, now.Add(time.Minute)); len(due) != 1 {
			t.Fatalf("retry due: %+v", due)
		}
		if err := s.MarkTextFailed(ctx, due[1].ID, "400 refused", true, now, now); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.PendingTexts(ctx, 10, now.Add(time.Hour)); len(due) != 0 {
			t.Fatalf("still pending: %+v", due)
		}
		texts, err := s.Texts(ctx, "daniel.okafor@nhs.net")
		if err != nil || len(texts) != 1 || texts[0].State != store.TextFailed || texts[0].LastError != "400 refused" {
			t.Fatalf("daniel: %+v %v", texts, err)
		}
		texts, _ = s.Texts(ctx, "amelia.hart@nhs.net")
		if texts[0].State != store.TextSent || texts[0].SentAt == nil || !texts[0].SentAt.Equal(now) {
			t.Fatalf("amelia: %+v", texts[0])
		}
		open, err := s.Queue(ctx, store.QueueFilter{})
		if err != nil || len(open) != 1 || open[0].Reason != string(store.TextFailedReason) ||
			open[0].Account != "daniel.okafor@nhs.net" || open[0].ODS != "FQ7K2" {
			t.Fatalf("exceptions: %+v %v", open, err)
		}
	})
}
