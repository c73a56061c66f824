package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

// The queries that answer several questions in one round trip must answer each as the
// one-question queries do.

func TestSeenBeforeMessageIDHashAndSignatures(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		save := func(uid uint32, raw string) int64 {
			t.Helper()
			id, _, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid, Raw: []byte(raw), ReceivedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		proven := save(1, "proven")
		unproven := save(2, "unproven")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.FinishMessage(proven, store.Decided{MessageID: "<a@nhs.net>", Verdict: domain.Processed,
				Proven: true, Signatures: []string{"sig-1", "sig-2", "sig-1"}}, now); err != nil {
				return err
			}
			return tx.FinishMessage(unproven, store.Decided{MessageID: "<b@nhs.net>", Verdict: domain.Processed}, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		fresh := save(3, "fresh")
		for _, c := range []struct {
			name       string
			id         int64
			messageID  string
			raw        string
			signatures []string
			want       bool
		}{
			{"a proven message's Message-ID", fresh, "<a@nhs.net>", "fresh", nil, true},
			{"an unproven message's Message-ID", fresh, "<b@nhs.net>", "fresh", nil, false},
			{"the same bytes as an unproven one", fresh, "<c@nhs.net>", "unproven", nil, true},
			{"one of several signatures", fresh, "<c@nhs.net>", "fresh", []string{"sig-9", "sig-2"}, true},
			{"no signature of anyone's", fresh, "<c@nhs.net>", "fresh", []string{"sig-8", "sig-9"}, false},
			{"its own claims", proven, "<a@nhs.net>", "proven", []string{"sig-1"}, false},
			{"nothing in common", fresh, "", "fresh", nil, false},
		} {
			var seen bool
			err := s.InTx(ctx, func(tx *store.Tx) (err error) {
				seen, err = tx.SeenBefore(c.id, c.messageID, sha(c.raw), c.signatures)
				return err
			})
			if err != nil || seen != c.want {
				t.Errorf("%s: SeenBefore = %v, %v; want %v", c.name, seen, err, c.want)
			}
			var claimed bool
			err = s.InTx(ctx, func(tx *store.Tx) (err error) {
				claimed, seen, err = tx.ClaimUnseen(c.id, c.messageID, sha(c.raw), c.signatures)
				return err
			})
			if wantClaim := c.id == fresh; err != nil || claimed != wantClaim || claimed && seen != c.want {
				t.Errorf("%s: ClaimUnseen = %v, %v, %v; want %v, %v", c.name, claimed, seen, err, wantClaim, c.want)
			}
		}
	})
}

func TestCountRepliesAgreesWithTheSingleCounts(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		msg, _, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: 1, Raw: []byte("x"), ReceivedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			for i, to := range []string{"a@nhs.net", "a@nhs.net", "a@nhs.net", "b@nhs.net", "a@nhs.net"} {
				at := now.Add(time.Duration(i-3) * time.Minute)
				o := domain.Outgoing{MessageID: fmt.Sprintf("<r%d@nas.test>", i), From: "requests@nas.test", To: to, Subject: "Re: x", Tag: "NAS-1", Text: "x"}
				ref := int64(0)
				if i%2 == 0 {
					ref = msg
				}
				if _, err := tx.Enqueue(ref, o, false, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []store.ReplyCountQuery{
			{Since: now.Add(-time.Hour), AtMost: 10, To: "a@nhs.net", ToSince: now.Add(-time.Hour), ToAtMost: 10, Message: msg},
			{Since: now.Add(-2 * time.Minute), AtMost: 3, To: "a@nhs.net", ToSince: now.Add(-2 * time.Minute), ToAtMost: 2},
			{Since: now.Add(-time.Minute), AtMost: 300, To: "c@nhs.net", ToSince: now.Add(-time.Hour), ToAtMost: 20, Message: msg + 1},
		} {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				got, err := tx.CountReplies(q)
				if err != nil {
					return err
				}
				all, _ := tx.RepliesSince("", q.Since, q.AtMost)
				to, _ := tx.RepliesSince(q.To, q.ToSince, q.ToAtMost)
				forMessage := 0
				if q.Message != 0 {
					forMessage, _ = tx.ReplyCount(q.Message)
				}
				if want := (store.ReplyCounts{All: all, To: to, Message: forMessage}); got != want {
					t.Errorf("CountReplies(%+v) = %+v; the single counts say %+v", q, got, want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestRecordSiteSentKeepsTheLatest(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		for _, when := range []time.Time{at, at.Add(-time.Hour)} { // an earlier one changes nothing
			err := s.InTx(ctx, func(tx *store.Tx) error {
				org, ok, err := tx.RecordSiteSent("fq7k2", when)
				if want, _, _ := tx.Organisation("FQ7K2"); !ok || org != want {
					t.Errorf("RecordSiteSent returned %+v, %v; the site is %+v", org, ok, want)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if _, ok, err := tx.RecordSiteSent("NOPE1", at); ok || err != nil {
				t.Errorf("an unknown site: %v, %v", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var last time.Time
		if err := s.DB().GetContext(ctx, &last, s.DB().Rebind(`SELECT last_sent_at FROM organisations WHERE ods_code = ?`), "FQ7K2"); err != nil {
			t.Fatal(err)
		}
		if !last.Equal(at) {
			t.Errorf("last_sent_at = %s, want %s", last, at)
		}
	})
}

func TestLookupsThroughAnAliasInOneQuery(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.PutAlias("Old.Hart@nhs.net", "amelia.hart@nhs.net"); err != nil {
				return err
			}
			return tx.PutAlias("old.pharmacy@nhs.net", "pharmacy.fq7k2@nhs.net")
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if a, ok, err := tx.Account(" OLD.hart@nhs.net "); err != nil || !ok || a.Address != "amelia.hart@nhs.net" {
				t.Errorf("account by alias: %+v %v %v", a, ok, err)
			}
			if a, ok, err := tx.Account("amelia.hart@nhs.net"); err != nil || !ok || a.Address != "amelia.hart@nhs.net" {
				t.Errorf("account by address: %+v %v %v", a, ok, err)
			}
			if _, ok, err := tx.Account("nobody@nhs.net"); err != nil || ok {
				t.Errorf("unknown account: %v %v", ok, err)
			}
			if o, ok, err := tx.OrganisationByMailbox("Old.Pharmacy@nhs.net"); err != nil || !ok || o.ODS != "FQ7K2" {
				t.Errorf("site by alias: %+v %v %v", o, ok, err)
			}
			if o, ok, err := tx.OrganisationByMailbox("pharmacy.fq7k2@nhs.net"); err != nil || !ok || o.ODS != "FQ7K2" {
				t.Errorf("site by mailbox: %+v %v %v", o, ok, err)
			}
			if _, ok, err := tx.OrganisationByMailbox("amelia.hart@nhs.net"); err != nil || ok {
				t.Errorf("an account is no site: %v %v", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// sha is the ledger's hash of raw bytes (SaveInbound's).
func sha(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// TestSaveInboundWakesTheWorkers: on PostgreSQL a new message announces itself (NOTIFY in its
// INSERT), and WatchWork hears it.
func TestSaveInboundWakesTheWorkers(t *testing.T) {
	s := testenv.OpenStore(t, testenv.Postgres(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	woken := make(chan struct{}, 100)
	go s.WatchWork(ctx, func() { woken <- struct{}{} })
	// The listener starts on its own: store until it has heard one, for at most 10 s.
	deadline := time.After(10 * time.Second)
	for uid := uint32(1); ; uid++ {
		if _, isNew, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid, Raw: []byte("x")}); err != nil || !isNew {
			t.Fatalf("save: %v, %v", isNew, err)
		}
		select {
		case <-woken:
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no worker was woken by a new message")
		}
	}
}

func TestFinishMessageClaimsOnceAndConflicts(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		var ids []int64
		for uid := uint32(1); uid <= 2; uid++ {
			id, _, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid, Raw: []byte{byte(uid)}, ReceivedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		finish := func(id int64, sigs ...string) error {
			return s.InTx(ctx, func(tx *store.Tx) error {
				return tx.FinishMessage(id, store.Decided{MessageID: fmt.Sprint(id), Verdict: domain.Processed, Proven: true, Signatures: sigs}, now)
			})
		}
		if err := finish(ids[0], "a", "b", "a"); err != nil {
			t.Fatal(err)
		}
		if err := finish(ids[0], "c"); !errors.Is(err, store.ErrAlreadyDecided) {
			t.Errorf("finishing twice: %v, want ErrAlreadyDecided", err)
		}
		if err := finish(ids[1], "c", "b"); !store.IsConflict(err) {
			t.Errorf("claiming another's signature: %v, want a conflict", err)
		}
		var state string
		if err := s.DB().GetContext(ctx, &state, s.DB().Rebind(`SELECT state FROM messages WHERE id = ?`), ids[1]); err != nil || state != store.MessageNew {
			t.Errorf("the conflicting message is %q, %v; want it undecided (rolled back)", state, err)
		}
		var claims int
		if err := s.DB().GetContext(ctx, &claims, `SELECT COUNT(*) FROM signatures`); err != nil || claims != 2 {
			t.Errorf("%d signatures claimed, %v; want 2 (a, b)", claims, err)
		}
	})
}

func TestAddRequestAuditedWritesBoth(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		msg, _, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: 1, Raw: []byte("x"), ReceivedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		err = s.InTx(ctx, func(tx *store.Tx) (err error) {
			id, err = tx.AddRequestAudited(msg, store.DecidedRequest{Seq: 1, Type: domain.Leaver, Outcome: domain.Done, Account: "a@nhs.net"},
				store.AuditLine{Actor: "nasbot", Action: "leaver done", Subject: "NAS-000001", Detail: "a@nhs.net"}, now)
			return err
		})
		if err != nil || id == 0 {
			t.Fatalf("AddRequestAudited: %d, %v", id, err)
		}
		var account string
		if err := s.DB().GetContext(ctx, &account, s.DB().Rebind(`SELECT account FROM requests WHERE id = ? AND message = ?`), id, msg); err != nil || account != "a@nhs.net" {
			t.Errorf("request %d: %q, %v", id, account, err)
		}
		var audit []string
		if err := s.DB().SelectContext(ctx, &audit, `SELECT actor || ' ' || action || ' ' || subject || ' ' || detail FROM audit`); err != nil ||
			len(audit) != 1 || audit[0] != "nasbot leaver done NAS-000001 a@nhs.net" {
			t.Errorf("audit: %q, %v", audit, err)
		}
	})
}

func TestOrganisationByMailboxLockedTakesTheSiteLock(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			org, ok, locked, err := tx.OrganisationByMailboxLocked("Pharmacy.FQ7K2@nhs.net")
			if err != nil || !ok || org.ODS != "FQ7K2" || locked != s.IsPostgres() {
				t.Errorf("site: %+v %v locked %v, %v", org, ok, locked, err)
			}
			if _, ok, locked, err := tx.OrganisationByMailboxLocked("nobody@nhs.net"); ok || locked || err != nil {
				t.Errorf("no site: %v locked %v, %v", ok, locked, err)
			}
			if !s.IsPostgres() {
				return nil
			}
			// Another transaction cannot take the site's lock meanwhile (LockSite's own name).
			var free bool
			err = s.DB().GetContext(ctx, &free, `SELECT pg_try_advisory_lock(hashtext('nasbot.site:FQ7K2'))`)
			if err != nil || free {
				t.Errorf("the site's lock was free to another session: %v, %v", free, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestUndecidedMessageRowsAreWholeAndInOrder(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		var ids []int64
		for uid := uint32(1); uid <= 3; uid++ {
			id, _, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid, Raw: []byte(fmt.Sprint("mail ", uid)), ReceivedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.FinishMessage(ids[0], store.Decided{Verdict: domain.Ignored}, now)
		}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.UndecidedMessageRows(ctx, 10)
		if err != nil || len(ms) != 2 || ms[0].ID != ids[1] || ms[1].ID != ids[2] || string(ms[1].Raw) != "mail 3" || ms[0].State != store.MessageNew {
			t.Fatalf("undecided rows: %+v, %v", ms, err)
		}
		if ms, _ := s.UndecidedMessageRows(ctx, 1); len(ms) != 1 {
			t.Errorf("limit 1: %d rows", len(ms))
		}
	})
}
