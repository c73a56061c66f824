package lifecycle_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/lifecycle"
	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/templates"
)

// runNow is a run time seven months after the directory rows are written (their created_at is
// the database's clock), so sites that never sent are dormant.
func runNow() time.Time { return time.Now().UTC().AddDate(0, 7, 0).Truncate(time.Second) }

func seedDirectory(t *testing.T, s *store.Store, now time.Time) {
	t.Helper()
	d := func(n int) *time.Time { v := now.AddDate(0, 0, n); return &v }
	orgs := []domain.Organisation{
		{ODS: "FQ7K2", Sector: domain.Pharmacy, Name: "Riverside Pharmacy", Town: "Ashford", Mailbox: "pharmacy.fq7k2@nhs.net", Status: domain.StatusActive},
		{ODS: "FH3M8", Sector: domain.Pharmacy, Name: "Hollybank Chemist", Town: "Leek", Mailbox: "pharmacy.fh3m8@nhs.net", Status: domain.StatusActive},
		{ODS: "FR2W5", Sector: domain.Pharmacy, Name: "Mill Lane Pharmacy", Town: "Thirsk", Mailbox: "pharmacy.fr2w5@nhs.net", Status: domain.StatusClosed},
		{ODS: "FT9P4", Sector: domain.Pharmacy, Name: "Riverside Pharmacy", Town: "Ashford", Status: domain.StatusActive},
	}
	accts := []domain.Account{
		{Address: "leaver.due@nhs.net", Status: domain.StatusLeaver, Role: domain.RoleNone, LastLogin: d(-20), DeleteAfter: d(-1)},
		{Address: "leaver.later@nhs.net", Status: domain.StatusLeaver, Role: domain.RoleNone, LastLogin: d(-20), DeleteAfter: d(5)},
		{Address: "leaver.undated@nhs.net", Status: domain.StatusLeaver, Role: domain.RoleNone, LastLogin: d(-20)},
		{Address: "joined@nhs.net", Status: domain.StatusActive, Role: domain.RoleMember, LastLogin: d(-1)},
		{Address: "idle@nhs.net", Status: domain.StatusActive, Role: domain.RoleMember, LastLogin: d(-31)},
		{Address: "inactive.owner@nhs.net", Status: domain.StatusInactive, Role: domain.RoleOwner, LastLogin: d(-90)},
		{Address: "busy.owner@nhs.net", Status: domain.StatusActive, Role: domain.RoleOwner, LastLogin: d(-1)},
		{Address: "back@nhs.net", Status: domain.StatusInactive, Role: domain.RoleMember, LastLogin: d(-2)},
	}
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		for _, o := range orgs {
			if err := tx.PutOrganisation(o); err != nil {
				return err
			}
		}
		for i, a := range accts {
			a.Name, a.ODS, a.Mobile = "Jo Bloggs", "FQ7K2", "0770090030"+string(rune('0'+i))
			if err := tx.PutAccount(a); err != nil {
				return err
			}
		}
		// An old address of the leaver, from a name change.
		if err := tx.PutAlias("leaver.maiden@nhs.net", "leaver.due@nhs.net"); err != nil {
			return err
		}
		_, err := tx.RecordMailboxSent("pharmacy.fh3m8@nhs.net", now.AddDate(0, 0, -1))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// newRunner is a runner whose notices go through the pipeline's notifier, as the bot's do.
func newRunner(t *testing.T, s *store.Store, cfg pipeline.Config) *lifecycle.Runner {
	t.Helper()
	r, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.NASAddress = "requests@nas.test"
	p := pipeline.New(s, cfg, r, slog.New(slog.DiscardHandler), time.Now)
	return lifecycle.NewRunner(s, pipeline.NewNotifier(p), nil)
}

// applied counts what a run did, per kind (by name), over all jobs.
func applied(results []lifecycle.Result) map[string]int {
	n := map[string]int{}
	for _, r := range results {
		for _, k := range lifecycle.Kinds {
			if c := lifecycle.Count(r.Done(), k); c > 0 {
				n[lifecycle.Summarize(k).Name] += c
			}
		}
	}
	return n
}

func TestRunnerAppliesOnceAndIsIdempotent(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := runNow()
		seedDirectory(t, s, now)
		r := newRunner(t, s, pipeline.Config{})

		results, err := r.Run(ctx, now, false)
		if err != nil {
			t.Fatal(err)
		}
		got := applied(results)
		want := map[string]int{"delete_account": 1, "schedule_deletion": 1,
			"mark_inactive": 2, "reactivate": 1, "report": 1, "notify": 1}
		if len(got) != len(want) {
			t.Fatalf("applied %v, want %v", got, want)
		}
		for k, n := range want {
			if got[k] != n {
				t.Fatalf("applied %v, want %v", got, want)
			}
		}

		// The deleted leaver's address and its alias stay reserved and find no account.
		for _, addr := range []string{"leaver.due@nhs.net", "leaver.maiden@nhs.net"} {
			if _, err := s.Account(ctx, addr); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s: want ErrNotFound, got %v", addr, err)
			}
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			for _, addr := range []string{"leaver.due@nhs.net", "leaver.maiden@nhs.net"} {
				if taken, err := tx.AddressTaken(addr); err != nil || !taken {
					t.Errorf("%s must stay taken: %v %v", addr, taken, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		check := func(addr, status string, deleteAfter *time.Time) {
			t.Helper()
			a, err := s.Account(ctx, addr)
			if err != nil || a.Status != status || (deleteAfter == nil) != (a.DeleteAfter == nil) ||
				(deleteAfter != nil && !a.DeleteAfter.Equal(*deleteAfter)) {
				t.Errorf("%s: %+v %v, want %s deleting %v", addr, a, err, status, deleteAfter)
			}
		}
		in30 := now.AddDate(0, 0, 30)
		in5 := now.AddDate(0, 0, 5)
		check("leaver.later@nhs.net", domain.StatusLeaver, &in5)
		check("leaver.undated@nhs.net", domain.StatusLeaver, &in30)
		check("joined@nhs.net", domain.StatusActive, nil)
		check("idle@nhs.net", domain.StatusInactive, &in30)
		check("inactive.owner@nhs.net", domain.StatusInactive, &in30)
		check("back@nhs.net", domain.StatusActive, nil)

		// FQ7K2 never sent: reported; FH3M8 sent yesterday; FR2W5 closed; FT9P4 has no mailbox.
		open, err := s.Queue(ctx, store.QueueFilter{})
		if err != nil || len(open) != 1 || open[0].Reason != string(lifecycle.MailboxDormant) {
			t.Fatalf("exceptions: %+v %v", open, err)
		}
		audit, err := s.AuditBy(ctx, lifecycle.Actor, now)
		if err != nil || len(audit) != 7 {
			t.Fatalf("audit: %d rows %v: %+v", len(audit), err, audit)
		}

		// Running again at the same time changes nothing.
		results, err = r.Run(ctx, now, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := applied(results); len(got) != 0 {
			t.Fatalf("second run applied %v", got)
		}
		for _, res := range results {
			if len(res.Decided) != 0 {
				t.Fatalf("second run decided %+v", res.Decided)
			}
		}
		if open, _ := s.Queue(ctx, store.QueueFilter{}); len(open) != 1 {
			t.Fatalf("report duplicated: %+v", open)
		}
		if audit, _ := s.AuditBy(ctx, lifecycle.Actor, now); len(audit) != 7 {
			t.Fatalf("second run wrote audit rows: %d", len(audit))
		}

		// Thirty days on: the two inactive accounts and the two leavers are deleted; the owner
		// that was active is now idle too, so the mailbox has no active owner: staff are told.
		later := now.AddDate(0, 0, 30)
		results, err = r.Run(ctx, later, false)
		if err != nil {
			t.Fatal(err)
		}
		got = applied(results)
		if got["delete_account"] != 4 || got["report"] != 1 {
			t.Fatalf("thirty days on: %v", got)
		}
		open, _ = s.Queue(ctx, store.QueueFilter{})
		if len(open) != 2 || open[1].Reason != string(lifecycle.LastOwner) {
			t.Fatalf("exceptions: %+v", open)
		}
	})
}

func TestDryRunChangesNothing(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := runNow()
		seedDirectory(t, s, now)
		before, _ := s.Accounts(ctx)
		results, err := newRunner(t, s, pipeline.Config{}).Run(ctx, now, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := applied(results); got["delete_account"] != 1 || got["report"] != 1 {
			t.Fatalf("dry run would do %v", got)
		}
		for _, r := range results {
			if len(r.Applied) != 0 {
				t.Fatalf("dry run applied %+v", r.Applied)
			}
		}
		after, _ := s.Accounts(ctx)
		if len(after) != len(before) {
			t.Fatalf("dry run changed accounts: %d → %d", len(before), len(after))
		}
		for i := range after {
			if after[i].Status != before[i].Status {
				t.Fatalf("dry run changed %s", after[i].Address)
			}
		}
		if open, _ := s.Queue(ctx, store.QueueFilter{}); len(open) != 0 {
			t.Fatalf("dry run reported: %+v", open)
		}
		if audit, _ := s.AuditBy(ctx, lifecycle.Actor, time.Time{}); len(audit) != 0 {
			t.Fatalf("dry run audited: %+v", audit)
		}
	})
}

// TestConcurrentRunsReportOnce runs the jobs from two runners at once: the lock makes the
// second wait and then find nothing to do.
func TestConcurrentRunsReportOnce(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := runNow()
		seedDirectory(t, s, now)
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := newRunner(t, s, pipeline.Config{}).Run(ctx, now, false)
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if open, _ := s.Queue(ctx, store.QueueFilter{}); len(open) != 1 {
			t.Fatalf("want one report, got %+v", open)
		}
		if audit, _ := s.AuditBy(ctx, lifecycle.Actor, now); len(audit) != 7 {
			t.Fatalf("want 7 audit rows, got %d", len(audit))
		}
	})
}
