package lifecycle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/lifecycle"
	"nasbot/pipeline"
	"nasbot/store"
)

// seedOtherSites adds a leaver due for deletion at a second site with a mailbox (FH3M8) and at
// one awaiting its mailbox (FT9P4).
func seedOtherSites(t *testing.T, s *store.Store, now time.Time) {
	t.Helper()
	due := now.AddDate(0, 0, -1)
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		for i, ods := range []string{"FH3M8", "FT9P4"} {
			err := tx.PutAccount(domain.Account{Address: "gone." + strings.ToLower(ods) + "@nhs.net", Name: "Al Smith",
				Mobile: "0770090040" + string(rune('0'+i)), ODS: ods, Status: domain.StatusLeaver, Role: domain.RoleNone,
				LastLogin: &due, DeleteAfter: &due})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoticesTellEachSiteOnce runs the jobs twice at one time: the first run mails each site
// with a mailbox one notice of every account deleted or made inactive there, the second mails
// nothing.
func TestNoticesTellEachSiteOnce(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := runNow()
		seedDirectory(t, s, now)
		seedOtherSites(t, s, now)
		r := newRunner(t, s, pipeline.Config{})
		if _, err := r.Run(ctx, now, false); err != nil {
			t.Fatal(err)
		}
		out, err := s.PendingReplies(ctx, 10, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 2 || out[0].To != "pharmacy.fh3m8@nhs.net" || out[1].To != "pharmacy.fq7k2@nhs.net" {
			t.Fatalf("want one notice each to FH3M8 and FQ7K2: %+v", out)
		}
		n := out[1]
		until := now.AddDate(0, 0, lifecycle.InactiveGraceDays).Format("2 January 2006")
		if n.From != "requests@nas.test" || n.Subject != "Changes to NHSmail accounts at Riverside Pharmacy, Ashford" ||
			n.HTML == "" || n.InReplyTo != "" {
			t.Errorf("notice headers: %+v", n)
		}
		for _, want := range []string{"Hello Riverside Pharmacy, Ashford,",
			"leaver.due@nhs.net: marked as a leaver",
			"idle@nhs.net: deleted on " + until + " unless used",
			"inactive.owner@nhs.net: deleted on " + until + " unless used",
			"National Administration Service (NAS), NHSmail"} {
			if !strings.Contains(n.Text, want) {
				t.Errorf("notice lacks %q:\n%s", want, n.Text)
			}
		}
		// Only the accounts concerned, by address: no names, mobiles or untouched accounts.
		for _, not := range []string{"Jo Bloggs", "0770", "joined@", "back@", "leaver.later@", "gone.ft9p4@"} {
			if strings.Contains(n.Text, not) || strings.Contains(n.HTML, not) {
				t.Errorf("notice shows %q:\n%s", not, n.Text)
			}
		}
		if !strings.Contains(out[0].Text, "gone.fh3m8@nhs.net") || strings.Contains(out[0].Text, "idle@") {
			t.Errorf("FH3M8's notice:\n%s", out[0].Text)
		}

		results, err := r.Run(ctx, now, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := applied(results); len(got) != 0 {
			t.Fatalf("second run applied %v", got)
		}
		if again, _ := s.PendingReplies(ctx, 10, now.Add(time.Hour)); len(again) != 2 {
			t.Fatalf("second run wrote notices: %d in the outbox, want the first 2", len(again))
		}
	})
}

// TestNoticesRespectTheReplyCap sends a site's mailbox its hourly cap of replies first: the
// notice then waits, parked, for staff; one under the cap goes, saying it is the last.
func TestNoticesRespectTheReplyCap(t *testing.T) {
	for _, c := range []struct {
		name   string
		before int
		held   bool
	}{{"at the cap", 2, true}, {"the last under it", 1, false}} {
		t.Run(c.name, func(t *testing.T) {
			testenv.EachStore(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				now := runNow()
				seedDirectory(t, s, now)
				err := s.InTx(ctx, func(tx *store.Tx) error {
					for i := range c.before {
						o := domain.Outgoing{MessageID: "<earlier." + string(rune('a'+i)) + "@nas.test>", From: "requests@nas.test",
							To: "pharmacy.fq7k2@nhs.net", Subject: "Re: earlier", Text: "earlier"}
						if _, err := tx.Enqueue(0, o, false, now.Add(-10*time.Minute)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := newRunner(t, s, pipeline.Config{RepliesPerHour: 2}).Run(ctx, now, false); err != nil {
					t.Fatal(err)
				}
				parked, _ := s.ParkedReplies(ctx, 10)
				pending, _ := s.PendingReplies(ctx, 10, now)
				if c.held {
					if len(parked) != 1 || !strings.Contains(parked[0].Text, "idle@nhs.net") || len(pending) != c.before {
						t.Fatalf("want the notice parked: parked %+v, pending %d", parked, len(pending))
					}
					return
				}
				if len(parked) != 0 || len(pending) != 2 || !strings.Contains(pending[1].Text, "a lot of replies in the last hour") {
					t.Fatalf("want the notice sent, saying it is the last: parked %d, pending %+v", len(parked), pending)
				}
			})
		})
	}
}
