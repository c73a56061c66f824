package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/pipeline"
)

// decideAtOnce stores every mail, then decides them all at the same moment, one goroutine each,
// as several replicas would, and returns the first request's outcome of each.
func decideAtOnce(t *testing.T, f *fixture, mails []string) []pipeline.RequestResult {
	t.Helper()
	ids := make([]int64, len(mails))
	for i, m := range mails {
		ids[i] = f.save(m)
	}
	out := make([]pipeline.RequestResult, len(ids))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := f.p.Process(context.Background(), id)
			if err != nil {
				t.Errorf("message %d: %v", id, err)
				return
			}
			out[i] = res.Requests[0]
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func count(rs []pipeline.RequestResult, outcome domain.Outcome, reason domain.Reason) int {
	n := 0
	for _, r := range rs {
		if r.Outcome == outcome && (reason == "" || len(r.Reasons) > 0 && r.Reasons[0] == reason) {
			n++
		}
	}
	return n
}

// TestConcurrentDecisionsOnPostgres proves on PostgreSQL that two emails decided at once cannot
// both succeed where only one may: the site's last place, the last owner, one mobile number.
func TestConcurrentDecisionsOnPostgres(t *testing.T) {
	owner := "Requested by: Margaret Ellis (margaret.ellis@nhs.net)\n"
	t.Run("site's last place", func(t *testing.T) {
		f := newFixtureAt(t, testenv.Postgres(t), pipeline.Config{})
		// FQ7K2 holds 5 accounts that count (4 active, 1 inactive): 5 places are left, 8 ask.
		var mails []string
		for i := range 8 {
			mails = append(mails, mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "new", id: fmt.Sprintf("lim%d@nhs.net", i),
				trusted: true, body: fmt.Sprintf("Request: Add user\nName: Person Number%c\nMobile: 07700 9009%02d\nEmail: p%d@example.org\n",
					'a'+i, 10+i, i)}))
		}
		got := decideAtOnce(t, f, mails)
		if done, review := count(got, domain.Done, ""), count(got, domain.Review, domain.SiteAccountLimit); done != 5 || review != 3 {
			t.Fatalf("done %d, review %d; want 5 and 3: %+v", done, review, got)
		}
	})
	t.Run("last owner", func(t *testing.T) {
		f := newFixtureAt(t, testenv.Postgres(t), pipeline.Config{})
		// VN4417 has two owners; each email marks a different one as leaver.
		got := decideAtOnce(t, f, []string{
			mail(mailOpts{from: "care.vn4417@nhs.net", subject: "a", id: "lo1@nhs.net", trusted: true,
				body: "Request: Leaver\nAccount: margaret.ellis@nhs.net\n\n" + strings.Replace(owner, "Margaret Ellis (margaret.ellis", "Kwame Boateng (kwame.boateng", 1)}),
			mail(mailOpts{from: "care.vn4417@nhs.net", subject: "b", id: "lo2@nhs.net", trusted: true,
				body: "Request: Leaver\nAccount: kwame.boateng@nhs.net\n\n" + owner}),
		})
		if done, refused := count(got, domain.Done, ""), count(got, domain.Rejected, domain.LastOwner); done != 1 || refused != 1 {
			t.Fatalf("done %d, last_owner %d; want 1 and 1: %+v", done, refused, got)
		}
	})
	t.Run("one mobile number, two sites", func(t *testing.T) {
		f := newFixtureAt(t, testenv.Postgres(t), pipeline.Config{})
		body := "Request: Add user\nName: Sam Same\nMobile: 07700 900950\nEmail: sam@example.org\n"
		got := decideAtOnce(t, f, []string{
			mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "a", id: "m1@nhs.net", trusted: true, body: body}),
			mail(mailOpts{from: "care.vn4417@nhs.net", subject: "b", id: "m2@nhs.net", trusted: true, body: body}),
		})
		if done, inUse := count(got, domain.Done, ""), count(got, domain.Rejected, domain.MobileInUse); done != 1 || inUse != 1 {
			t.Fatalf("done %d, mobile_in_use %d; want 1 and 1: %+v", done, inUse, got)
		}
	})
}
