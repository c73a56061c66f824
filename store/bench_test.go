package store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

// The store's part of each request, on both databases: storing the fetched mail (the intake),
// a reply's way through the outbox (the decision's transaction, then the sender), and the
// circuit breaker's count, which every decision makes against a full outbox.

// typicalRaw is a request mail's size (5 KB), so the ledger writes what it writes in service.
var typicalRaw = bytes.Repeat([]byte("Request: Add user\r\nName: Jo Bloggs\r\n"), 140)

func BenchmarkSaveInbound(b *testing.B) {
	testenv.EachStoreBench(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		b.SetBytes(int64(len(typicalRaw)))
		b.ResetTimer()
		for i := range b.N {
			raw := append(fmt.Appendf(nil, "Message-ID: <%d@bench>\r\n", i), typicalRaw...)
			if _, isNew, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), Raw: raw}); err != nil || !isNew {
				b.Fatalf("SaveInbound = %v, %v", isNew, err)
			}
		}
	})
}

// BenchmarkOutboxReply is one reply written in a transaction, claimed by the sender and marked sent.
func BenchmarkOutboxReply(b *testing.B) {
	testenv.EachStoreBench(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		b.ResetTimer()
		for i := range b.N {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Enqueue(0, benchReply(i), false, now)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			due, err := s.PendingReplies(ctx, 1, now)
			if err != nil || len(due) != 1 {
				b.Fatalf("PendingReplies = %d, %v", len(due), err)
			}
			if err := s.MarkSent(ctx, due[0].ID, "250 OK", now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRepliesSince is the circuit breaker's count of the last minute's replies against its
// default limit (300), with 10,000 replies in the outbox, 3,000 of them in that minute (a
// backlog being answered): the count stops at the limit.
func BenchmarkRepliesSince(b *testing.B) {
	testenv.EachStoreBench(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for i := range 10000 {
				at := now.Add(-time.Duration(10000-i) * 20 * time.Millisecond)
				if _, err := tx.Enqueue(0, benchReply(i), false, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				n, err := tx.RepliesSince("", now.Add(-time.Minute), 300)
				if err == nil && n != 300 {
					err = fmt.Errorf("%d replies in the last minute, want the limit, 300", n)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchReply(i int) domain.Outgoing {
	return domain.Outgoing{
		MessageID: fmt.Sprintf("<r%d@nas.test>", i), From: "requests@nas.test",
		To: fmt.Sprintf("pharmacy.f%04d@nhs.net", i%1000), Subject: "Re: add user [NAS-1]",
		Tag: "NAS-1", Text: "Done.",
	}
}
