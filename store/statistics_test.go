package store_test

import (
	"context"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

// TestStatistics seeds cases, a done request and replies on both databases, and reads back the
// figures the desk and `nasbot stats` show.
func TestStatistics(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC) // a Wednesday
		// Three open cases of 50, 5 and 2 hours, one unproven; one more that staff close after 3 hours.
		addCase(t, s, 1, caseSpec{sender: "pharmacy.fh3m8@nhs.net", ods: "FH3M8", reason: domain.SiteAccountLimit,
			account: "new.person@nhs.net", age: 50 * time.Hour}, now)
		addCase(t, s, 2, caseSpec{sender: "pharmacy.fq7k2@nhs.net", ods: "FQ7K2", reason: domain.AuthFailed, age: 5 * time.Hour}, now)
		addCase(t, s, 3, caseSpec{sender: "dental.v10423@nhs.net", ods: "V10423", reason: domain.MobileMismatch,
			account: "someone@nhs.net", age: 2 * time.Hour}, now)
		_, closed := addCase(t, s, 4, caseSpec{sender: "dental.v10423@nhs.net", ods: "V10423", reason: domain.MobileMismatch,
			account: "other@nhs.net", age: 10 * time.Hour}, now)
		// A request the bot did itself, answered 90 seconds after it arrived.
		arrived := now.Add(-20 * time.Hour)
		id, _, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: 5,
			Raw: []byte("Subject: done\r\n\r\nbody\r\n"), ReceivedAt: arrived})
		if err != nil {
			t.Fatal(err)
		}
		var outboxID int64
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.ResolveException(closed, now.Add(-7*time.Hour)); err != nil {
				return err
			}
			if _, err := tx.AddRequest(id, store.DecidedRequest{Seq: 1, Type: domain.Leaver, Outcome: domain.Done,
				Reasons: []domain.Reason{}, Fields: "{}"}); err != nil {
				return err
			}
			if outboxID, err = tx.Enqueue(id, domain.Outgoing{MessageID: "<r5@nas.test>", From: "requests@nas.test",
				To: "pharmacy.fq7k2@nhs.net", Subject: "Re: done", Text: "done"}, false, arrived); err != nil {
				return err
			}
			return tx.FinishMessage(id, store.Decided{MessageID: "<m5@x>", Verdict: domain.Processed, Proven: true}, arrived)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, outboxID, "250 ok", arrived.Add(90*time.Second)); err != nil {
			t.Fatal(err)
		}

		st, err := s.Statistics(ctx, now.AddDate(0, 0, -90), now)
		if err != nil {
			t.Fatal(err)
		}
		if st.Requests != 4 || st.Automatic != 1 {
			t.Errorf("requests %d, automatic %d; want 4 and 1", st.Requests, st.Automatic)
		}
		if st.Messages[domain.Processed] != 4 || st.Messages[domain.Unverified] != 1 {
			t.Errorf("messages %v", st.Messages)
		}
		if len(st.SpoofsByWeek) != 1 || st.SpoofsByWeek[0] != (store.WeekCount{Week: "2026-03-02", N: 1}) {
			t.Errorf("spoofs by week %+v", st.SpoofsByWeek)
		}
		open := map[string]int{}
		for _, r := range st.OpenByReason {
			open[r.Reason] = r.N
		}
		if open["site_account_limit"] != 1 || open["auth_failed"] != 1 || open["mobile_mismatch"] != 1 || len(open) != 3 {
			t.Errorf("open by reason %v", open)
		}
		if ages := st.OpenByAge; ages[0].N != 2 || ages[1].N != 1 || ages[2].N != 0 || ages[3].N != 0 {
			t.Errorf("open by age %+v", ages)
		}
		if st.MedianReply != 90*time.Second || st.MedianDecision != 3*time.Hour {
			t.Errorf("median reply %s, decision %s", st.MedianReply, st.MedianDecision)
		}
		if len(st.NearLimit) != 1 || st.NearLimit[0].ODS != "FH3M8" || st.NearLimit[0].Accounts != 10 {
			t.Errorf("near limit %+v", st.NearLimit)
		}
		var day int
		for _, d := range st.Days {
			if d.Day == "2026-03-03" && d.Type == domain.Leaver && d.Outcome == domain.Done {
				day = d.N
			}
		}
		if day != 1 {
			t.Errorf("days %+v", st.Days)
		}
	})
}

// BenchmarkStatistics100k reads the statistics page's figures over 100,000 messages (90 days),
// on both databases: what the desk's statistics page costs to load.
func BenchmarkStatistics100k(b *testing.B) {
	testenv.EachStoreBench(b, func(b *testing.B, s *store.Store) {
		seedMessages(b, s, 100_000)
		ctx := context.Background()
		until := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
		b.ResetTimer()
		for range b.N {
			st, err := s.Statistics(ctx, until.AddDate(0, 0, -90), until)
			if err != nil || st.Requests != 100_000 {
				b.Fatalf("%d requests, %v", st.Requests, err)
			}
		}
	})
}
