package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

func importSample(t *testing.T, s *store.Store) {
	t.Helper()
	orgs, err := os.Open("../testdata/corpus/directory/organisations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer orgs.Close()
	accts, err := os.Open("../testdata/corpus/directory/accounts.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer accts.Close()
	if err := s.ImportDirectory(context.Background(), orgs, accts); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

func TestDirectoryImportAndLookups(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		org, err := s.Organisation(ctx, "fq7k2")
		if err != nil || org.Mailbox != "pharmacy.fq7k2@nhs.net" || org.Sector != domain.Pharmacy {
			t.Fatalf("organisation: %+v, %v", org, err)
		}
		if _, err := s.Organisation(ctx, "NOPE1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown organisation: want ErrNotFound, got %v", err)
		}
		acct, err := s.Account(ctx, "Amelia.Hart@nhs.net")
		if err != nil || acct.Role != domain.RoleOwner || acct.LastLogin == nil || acct.LastLogin.Format(time.DateOnly) != "2026-02-27" {
			t.Fatalf("account: %+v, %v", acct, err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			a, ok, err := tx.AccountByMobile("07700900156")
			if err != nil || !ok || a.Status != domain.StatusLeaver {
				t.Errorf("by mobile: %+v %v %v", a, ok, err)
			}
			site, err := tx.SiteAccounts("FH3M8")
			if err != nil || len(site) != 10 {
				t.Errorf("site accounts: %d, %v", len(site), err)
			}
			linked, err := tx.LinkedToMailbox("daniel.okafor@nhs.net", "pharmacy.fq7k2@nhs.net")
			if err != nil || !linked {
				t.Errorf("linked: %v %v", linked, err)
			}
			o, ok, err := tx.OrganisationByMailbox("PHARMACY.FQ7K2@nhs.net")
			if err != nil || !ok || o.ODS != "FQ7K2" {
				t.Errorf("by mailbox: %+v %v %v", o, ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestReimportKeepsDeletionDates imports the directory again after the lifecycle dated a leaver
// and two inactive accounts. The CSV gives no deletion date: an account whose status it leaves
// alone keeps its date (a leaver's 30 days do not start again); one whose status it changes
// takes the import's word, with no date.
func TestReimportKeepsDeletionDates(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		day := func(n int) time.Time { return time.Date(2026, 3, n, 2, 30, 0, 0, time.UTC) }
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ScheduleDeletion("ben.cole@nhs.net", day(31)); err != nil {
				return err
			}
			if _, err := tx.MarkInactive("hannah.price@nhs.net", domain.StatusInactive, day(1), day(30)); err != nil {
				return err
			}
			_, err := tx.MarkInactive("daniel.okafor@nhs.net", domain.StatusActive, day(1), day(30))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		importSample(t, s)
		for _, c := range []struct {
			address, status string
			deleteAfter     *time.Time
		}{
			{"ben.cole@nhs.net", domain.StatusLeaver, new(day(31))},
			{"hannah.price@nhs.net", domain.StatusInactive, new(day(30))},
			{"daniel.okafor@nhs.net", domain.StatusActive, nil},
		} {
			a, err := s.Account(ctx, c.address)
			if err != nil || a.Status != c.status || (a.DeleteAfter == nil) != (c.deleteAfter == nil) ||
				(c.deleteAfter != nil && !a.DeleteAfter.Equal(*c.deleteAfter)) {
				t.Errorf("%s after re-import: %s deleting %v (%v), want %s deleting %v",
					c.address, a.Status, a.DeleteAfter, err, c.status, c.deleteAfter)
			}
		}
	})
}

func TestRenameKeepsOldAddressAsAlias(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Apply(domain.RenameAccount{OldAddress: "grace.lindqvist@nhs.net",
				NewAddress: "grace.hughes@nhs.net", NewName: "Grace Hughes"}, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Account(ctx, "grace.lindqvist@nhs.net")
		if err != nil || a.Address != "grace.hughes@nhs.net" || a.Name != "Grace Hughes" {
			t.Fatalf("old address should resolve to renamed account: %+v %v", a, err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			taken, err := tx.AddressTaken("grace.lindqvist@nhs.net")
			if !taken {
				t.Error("old address must stay taken")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestLedgerStoresOnceAndOutboxRoundTrip(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		in := domain.Inbound{Mailbox: "INBOX", UIDValidity: 7, UID: 42, Raw: []byte("Subject: hi\r\n\r\nbody\r\n")}
		id, isNew, err := s.SaveInbound(ctx, in)
		if err != nil || !isNew || id == 0 {
			t.Fatalf("first save: %d %v %v", id, isNew, err)
		}
		again, isNew, err := s.SaveInbound(ctx, in)
		if err != nil || isNew || again != id {
			t.Fatalf("second save: %d %v %v", again, isNew, err)
		}
		if last, err := s.LastUID(ctx, "INBOX", 7); err != nil || last != 42 {
			t.Fatalf("last uid: %d %v", last, err)
		}
		if last, _ := s.LastUID(ctx, "INBOX", 8); last != 0 {
			t.Fatalf("other uidvalidity: %d", last)
		}
		m, err := s.Message(ctx, id)
		if err != nil || string(m.Raw) != string(in.Raw) || m.State != store.MessageNew {
			t.Fatalf("message: %+v %v", m, err)
		}

		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.FinishMessage(id, store.Decided{MessageID: "<a@b>", Verdict: domain.Processed}, now); err != nil {
				return err
			}
			_, err := tx.Enqueue(id, domain.Outgoing{MessageID: "<r1@nas.test>", From: "requests@nas.test",
				To: "pharmacy.fq7k2@nhs.net", Subject: "Re: hi", References: []string{"<a@b>"}, Tag: store.Tag(id), Text: "done"}, false, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			return tx.FinishMessage(id, store.Decided{Verdict: domain.Processed}, now)
		})
		if !errors.Is(err, store.ErrAlreadyDecided) {
			t.Fatalf("deciding twice: want ErrAlreadyDecided, got %v", err)
		}
		due, err := s.PendingReplies(ctx, 10, now)
		if err != nil || len(due) != 1 || due[0].References[0] != "<a@b>" {
			t.Fatalf("pending: %+v %v", due, err)
		}
		if err := s.MarkFailed(ctx, due[0].ID, "421 try later", false, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.PendingReplies(ctx, 10, now); len(due) != 0 {
			t.Fatalf("retry should wait: %+v", due)
		}
		due, _ = s.PendingReplies(ctx, 10, now.Add(time.Minute))
		if len(due) != 1 || due[0].Attempts != 1 {
			t.Fatalf("due after backoff: %+v", due)
		}
		if err := s.MarkSent(ctx, due[0].ID, "250 OK", now); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.PendingReplies(ctx, 10, now.Add(time.Hour)); len(due) != 0 {
			t.Fatalf("sent reply still pending: %+v", due)
		}
	})
}

func TestFirstMeetingOfAMailbox(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		save := func(uidValidity, uid uint32) int64 {
			id, _, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: uidValidity, UID: uid,
				Raw: fmt.Appendf(nil, "Subject: %d/%d\r\n\r\n", uidValidity, uid)})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		found := func(id int64) (first bool) {
			err := s.InTx(ctx, func(tx *store.Tx) (err error) {
				first, err = tx.FoundAtFirstMeeting(id)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return first
		}
		if err := s.MeetMailbox(ctx, "INBOX", 7, 3, now); err != nil {
			t.Fatal(err)
		}
		if err := s.MeetMailbox(ctx, "INBOX", 7, 10, now); err != nil { // a later connection
			t.Fatal(err)
		}
		for _, c := range []struct {
			uidValidity, uid uint32
			want             bool
		}{{7, 1, true}, {7, 2, true}, {7, 3, false}, {7, 9, false}, {8, 1, false}} {
			if got := found(save(c.uidValidity, c.uid)); got != c.want {
				t.Errorf("UIDVALIDITY %d UID %d: found at the first meeting = %v, want %v", c.uidValidity, c.uid, got, c.want)
			}
		}
	})
}

func TestRepliesSinceCountsUpToALimit(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for i, to := range []string{"a@nhs.net", "a@nhs.net", "a@nhs.net", "b@nhs.net", "a@nhs.net"} {
				at := now.Add(time.Duration(i-3) * time.Minute) // 3 min ago to 1 min ahead
				o := domain.Outgoing{MessageID: fmt.Sprintf("<r%d@nas.test>", i), From: "requests@nas.test", To: to, Subject: "Re: x", Tag: "NAS-1", Text: "x"}
				if _, err := tx.Enqueue(0, o, false, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			to           string
			since        time.Duration
			atMost, want int
		}{
			{"", time.Hour, 10, 5}, {"", time.Hour, 3, 3}, {"", 2 * time.Minute, 10, 4},
			{"a@nhs.net", time.Hour, 10, 4}, {"a@nhs.net", time.Hour, 2, 2}, {"a@nhs.net", 2 * time.Minute, 10, 3},
			{"c@nhs.net", time.Hour, 10, 0},
		} {
			var n int
			err := s.InTx(ctx, func(tx *store.Tx) (err error) {
				n, err = tx.RepliesSince(c.to, now.Add(-c.since), c.atMost)
				return err
			})
			if err != nil || n != c.want {
				t.Errorf("RepliesSince(%q, %s ago, at most %d) = %d, %v; want %d", c.to, c.since, c.atMost, n, err, c.want)
			}
		}
	})
}
