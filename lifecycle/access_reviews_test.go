package lifecycle_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/lifecycle"
	"nasbot/pipeline"
	"nasbot/store"
)

func TestAccessReviewsDecide(t *testing.T) {
	now := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)
	ago := func(days int) *time.Time { v := now.AddDate(0, 0, -days); return &v }
	sites := []store.ReviewSite{
		{ODS: "A1", Mailbox: "a", LastReview: ago(100)},
		{ODS: "B2", Mailbox: "b"},
		{ODS: "C3", Mailbox: "c", LastReview: ago(10)},
		{ODS: "D4", Mailbox: "d", LastReview: ago(85)},
		{ODS: "E5", Mailbox: "e", LastReview: ago(200)},
	}
	got := func(every time.Duration) []string {
		var ods []string
		for _, e := range lifecycle.AccessReviews(sites, now, every) {
			ods = append(ods, e.(domain.SendAccessReview).ODS)
		}
		return ods
	}
	if g := strings.Join(got(lifecycle.DefaultAccessReviewEvery), " "); g != "B2 E5 A1" {
		t.Errorf("quarterly: %s, want never reviewed first, then the oldest", g)
	}
	if g := strings.Join(got(7*24*time.Hour), " "); g != "B2 E5 A1 D4" {
		t.Errorf("weekly: %s, want none reviewed in the last 80 days", g)
	}
	many := make([]store.ReviewSite, lifecycle.MaxAccessReviewsPerRun+50)
	if n := len(lifecycle.AccessReviews(many, now, lifecycle.DefaultAccessReviewEvery)); n != lifecycle.MaxAccessReviewsPerRun {
		t.Errorf("%d reviews in one run, want at most %d", n, lifecycle.MaxAccessReviewsPerRun)
	}
}

// TestAccessReviewOnceAcrossReplicas runs the lifecycle on two replicas of one PostgreSQL
// database at once: each site due gets one review, a site that asked for its list ten days ago
// gets none, and a second run sends nothing more.
func TestAccessReviewOnceAcrossReplicas(t *testing.T) {
	url := testenv.Postgres(t)
	a, b := testenv.OpenStore(t, url), testenv.OpenStore(t, url)
	now := runNow()
	seedDirectory(t, a, now)
	ctx := context.Background()
	if err := a.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutAlias("busy.maiden@nhs.net", "busy.owner@nhs.net"); err != nil {
			return err
		}
		return tx.RecordAccessReview("FH3M8", store.ReviewRequested, 0, now.AddDate(0, 0, -10))
	}); err != nil {
		t.Fatal(err)
	}
	runners := []*lifecycle.Runner{
		newRunner(t, a, pipeline.Config{}).WithAccessReviews(lifecycle.DefaultAccessReviewEvery),
		newRunner(t, b, pipeline.Config{}).WithAccessReviews(lifecycle.DefaultAccessReviewEvery),
	}
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Go(func() {
			if _, err := r.Run(ctx, now, false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, err := runners[0].Run(ctx, now.Add(time.Hour), false); err != nil {
		t.Fatal(err)
	}

	pending, err := a.PendingReplies(ctx, 100, now.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var reviews []string
	var text string
	for _, o := range pending {
		if strings.HasPrefix(o.Subject, "Who has access") {
			reviews = append(reviews, o.To)
			text = o.Text
		}
	}
	if strings.Join(reviews, " ") != "pharmacy.fq7k2@nhs.net" {
		t.Fatalf("access reviews went to %v; want one, to the active site not reviewed lately", reviews)
	}
	for _, want := range []string{"idle@nhs.net", "no sign-in for 30 days", "inactive.owner@nhs.net",
		"an owner whose own account is inactive", "Old addresses that still forward here: busy.maiden@nhs.net", "07*** ***"} {
		if !strings.Contains(text, want) {
			t.Errorf("the review lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "0770090030") {
		t.Error("the review shows a full mobile number")
	}
	last, err := b.LastAccessReview(ctx, "FQ7K2")
	if err != nil || last == nil || !last.Equal(now) {
		t.Errorf("last review of FQ7K2: %v, %v", last, err)
	}
}
