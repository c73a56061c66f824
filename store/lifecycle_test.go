package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

func TestDeleteAccountKeepsTheAddressReserved(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Apply(domain.RenameAccount{OldAddress: "ben.cole@nhs.net", NewAddress: "ben.colewood@nhs.net",
				NewName: "Ben Colewood"}, now); err != nil {
				return err
			}
			if err := tx.Apply(domain.MarkLeaver{Address: "ben.colewood@nhs.net", DeleteAfter: now.Add(time.Hour)}, now); err != nil {
				return err
			}
			return tx.Apply(domain.SendTemporaryPassword{Address: "ben.colewood@nhs.net"}, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		del := func(addr, status string, at time.Time) bool {
			t.Helper()
			var ok bool
			if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
				ok, err = tx.DeleteAccount(addr, status, at)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if del("ben.colewood@nhs.net", domain.StatusLeaver, now) {
			t.Fatal("deleted before its date")
		}
		if del("ben.colewood@nhs.net", domain.StatusActive, now.Add(time.Hour)) {
			t.Fatal("deleted though its status changed")
		}
		if del("amelia.hart@nhs.net", domain.StatusActive, now.Add(time.Hour)) {
			t.Fatal("deleted an account without a deletion date")
		}
		if !del("ben.colewood@nhs.net", domain.StatusLeaver, now.Add(time.Hour)) {
			t.Fatal("not deleted on its date")
		}
		for _, addr := range []string{"ben.colewood@nhs.net", "ben.cole@nhs.net"} {
			if _, err := s.Account(ctx, addr); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: want ErrNotFound, got %v", addr, err)
			}
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			for _, addr := range []string{"ben.colewood@nhs.net", "ben.cole@nhs.net"} {
				if taken, err := tx.AddressTaken(addr); err != nil || !taken {
					t.Errorf("%s must stay taken: %v %v", addr, taken, err)
				}
			}
			// The number is free for someone else.
			if _, ok, err := tx.AccountByMobile("07700900156"); ok || err != nil {
				t.Errorf("mobile still held: %v %v", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		texts, _ := s.Texts(ctx, "ben.colewood@nhs.net")
		if len(texts) != 1 || texts[0].State != store.TextCancelled {
			t.Fatalf("queued text: %+v", texts)
		}
		if del("ben.colewood@nhs.net", domain.StatusLeaver, now.Add(time.Hour)) {
			t.Fatal("deleted twice")
		}
	})
}

func TestInactiveGuards(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if ok, err := tx.MarkInactive("amelia.hart@nhs.net", domain.StatusInactive, now, now.AddDate(0, 0, 30)); ok || err != nil {
				t.Errorf("marked though not in the status decided on: %v %v", ok, err)
			}
			if ok, err := tx.MarkInactive("amelia.hart@nhs.net", domain.StatusActive, now, now.AddDate(0, 0, 30)); !ok || err != nil {
				t.Errorf("mark: %v %v", ok, err)
			}
			if ok, err := tx.ScheduleDeletion("amelia.hart@nhs.net", now); ok || err != nil {
				t.Errorf("scheduled a non-leaver: %v %v", ok, err)
			}
			if ok, err := tx.ScheduleDeletion("ben.cole@nhs.net", now.AddDate(0, 0, 30)); !ok || err != nil {
				t.Errorf("schedule: %v %v", ok, err)
			}
			if ok, err := tx.ScheduleDeletion("ben.cole@nhs.net", now.AddDate(0, 0, 40)); ok || err != nil {
				t.Errorf("rescheduled a dated leaver: %v %v", ok, err)
			}
			accts, err := tx.LifecycleAccounts()
			if err != nil {
				return err
			}
			for _, a := range accts {
				if a.Address == "amelia.hart@nhs.net" && (a.Status != domain.StatusInactive || a.InactiveSince == nil ||
					!a.InactiveSince.Equal(now) || !a.DeleteAfter.Equal(now.AddDate(0, 0, 30)) || a.CreatedAt.IsZero()) {
					t.Errorf("after mark: %+v", a)
				}
			}
			if ok, err := tx.Reactivate("amelia.hart@nhs.net"); !ok || err != nil {
				t.Errorf("reactivate: %v %v", ok, err)
			}
			if ok, _ := tx.Reactivate("amelia.hart@nhs.net"); ok {
				t.Error("reactivated twice")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Account(ctx, "amelia.hart@nhs.net")
		if err != nil || a.Status != domain.StatusActive || a.DeleteAfter != nil {
			t.Fatalf("after reactivate: %+v %v", a, err)
		}
	})
}

func TestMailboxActivityAndReports(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		const dormant domain.Reason = "mailbox_dormant"
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if ok, err := tx.RecordMailboxSent("PHARMACY.FQ7K2@nhs.net", now); !ok || err != nil {
				t.Errorf("record: %v %v", ok, err)
			}
			if ok, err := tx.RecordMailboxSent("pharmacy.fq7k2@nhs.net", now.Add(-time.Hour)); !ok || err != nil {
				t.Errorf("record earlier: %v %v", ok, err)
			}
			if ok, err := tx.RecordMailboxSent("nobody@nhs.net", now); ok || err != nil {
				t.Errorf("record unknown: %v %v", ok, err)
			}
			if _, err := tx.ReportMailbox("fh3m8", dormant, "silent", now); err != nil {
				return err
			}
			if _, err := tx.ReportMailbox("FH3M8", dormant, "silent again", now.Add(time.Hour)); err != nil {
				return err
			}
			ms, err := tx.MailboxActivity(dormant)
			if err != nil {
				return err
			}
			if len(ms) != 8 {
				t.Errorf("%d sites", len(ms))
			}
			for _, m := range ms {
				switch m.ODS {
				case "FQ7K2":
					if m.LastSentAt == nil || !m.LastSentAt.Equal(now) || m.ReportedAt != nil || m.CreatedAt.IsZero() {
						t.Errorf("FQ7K2: %+v", m)
					}
				case "FH3M8":
					if m.LastSentAt != nil || m.ReportedAt == nil || !m.ReportedAt.Equal(now.Add(time.Hour)) {
						t.Errorf("FH3M8: %+v", m)
					}
				}
			}
			other, err := tx.MailboxActivity("last_owner")
			for _, m := range other {
				if m.ReportedAt != nil {
					t.Errorf("report for another reason: %+v", m)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		open, err := s.Queue(ctx, store.QueueFilter{})
		if err != nil || len(open) != 2 || open[0].Detail != "silent" || open[0].Reason != string(dormant) ||
			open[0].ODS != "FH3M8" || open[1].ODS != "FH3M8" {
			t.Fatalf("exceptions: %+v %v", open, err)
		}
	})
}

// TestChangeIsGuardedAndKeepsNotices: a lifecycle job's change is made only if the account is
// still as the job found it, says whether it changed anything, and each change made to an
// account is kept for its site's notice; the jobs' mails are not the store's to make.
func TestChangeIsGuardedAndKeepsNotices(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		in30 := now.AddDate(0, 0, 30)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for _, c := range []struct {
				e    domain.Effect
				want bool
			}{
				{domain.MarkInactive{Address: "amelia.hart@nhs.net", ODS: "FQ7K2", Status: domain.StatusInactive, DeleteAfter: in30}, false},
				{domain.MarkInactive{Address: "amelia.hart@nhs.net", ODS: "FQ7K2", Status: domain.StatusActive, DeleteAfter: in30}, true},
				{domain.Reactivate{Address: "amelia.hart@nhs.net", Status: domain.StatusInactive}, true},
				{domain.Reactivate{Address: "amelia.hart@nhs.net", Status: domain.StatusInactive}, false},
				{domain.DeleteAccount{Address: "ben.cole@nhs.net", ODS: "FQ7K2", Status: domain.StatusLeaver}, false}, // no date yet
				{domain.ScheduleDeletion{Address: "ben.cole@nhs.net", Status: domain.StatusLeaver, DeleteAfter: now}, true},
				{domain.DeleteAccount{Address: "ben.cole@nhs.net", ODS: "FQ7K2", Status: domain.StatusActive}, false},
				{domain.DeleteAccount{Address: "ben.cole@nhs.net", ODS: "FQ7K2", Status: domain.StatusLeaver}, true},
				{domain.ReportToStaff{ODS: "FQ7K2", Reason: domain.LastOwner, Detail: "no owner left"}, true},
				{domain.SetRole{Address: "amelia.hart@nhs.net", Role: domain.RoleOwner}, true},
			} {
				if changed, err := tx.Change(c.e, now); changed != c.want || err != nil {
					t.Errorf("%#v: changed %v, %v; want %v", c.e, changed, err, c.want)
				}
			}
			if err := tx.Apply(domain.DeleteAccount{Address: "ben.cole@nhs.net", ODS: "FQ7K2", Status: domain.StatusLeaver}, now); err != nil {
				t.Errorf("applying a change already made: %v", err)
			}
			for _, mail := range []domain.Effect{domain.NotifySite{ODS: "FQ7K2"}, domain.SendAccessReview{ODS: "FQ7K2"}, domain.SendDigest{}} {
				if _, err := tx.Change(mail, now); err == nil {
					t.Errorf("the store made the mail %T", mail)
				}
			}
			ns, err := tx.UntoldLifecycleNotices()
			if err != nil {
				return err
			}
			if len(ns) != 2 || ns[0].Kind != store.NoticeInactive || ns[0].Address != "amelia.hart@nhs.net" ||
				ns[0].Status != domain.StatusActive || ns[0].DeleteAfter == nil || !ns[0].DeleteAfter.Equal(in30) ||
				ns[1].Kind != store.NoticeDeleted || ns[1].Address != "ben.cole@nhs.net" || ns[1].Status != domain.StatusLeaver ||
				ns[1].ODS != "FQ7K2" || ns[1].Mailbox != "pharmacy.fq7k2@nhs.net" {
				t.Errorf("notices kept: %+v", ns)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Account(ctx, "ben.cole@nhs.net"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ben.cole: want deleted, got %v", err)
		}
		if open, _ := s.Queue(ctx, store.QueueFilter{}); len(open) != 1 || open[0].Reason != string(domain.LastOwner) {
			t.Errorf("reports: %+v", open)
		}
	})
}
