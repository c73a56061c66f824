package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

// caseSpec is one decided message with one review request for the queue tests.
type caseSpec struct {
	sender, ods string
	reason      domain.Reason
	account     string
	fields      string
	age         time.Duration
}

// addCase stores and decides a message the way the pipeline does, with one request in review
// (or, with no account, a message-level exception), and returns the message and exception ids.
func addCase(t *testing.T, s *store.Store, uid uint32, c caseSpec, now time.Time) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	at := now.Add(-c.age)
	id, _, err := s.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid,
		Raw: []byte(fmt.Sprintf("Subject: case %d\r\n\r\nbody\r\n", uid)), ReceivedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	var excID int64
	err = s.InTx(ctx, func(tx *store.Tx) error {
		var reqID int64
		if c.account != "" {
			fields := c.fields
			if fields == "" {
				fields = fmt.Sprintf(`{"type":"add_user","account":%q}`, c.account)
			}
			var err error
			reqID, err = tx.AddRequest(id, store.DecidedRequest{Seq: 1, Type: domain.AddUser, Line: 3,
				Outcome: domain.Review, Reasons: []domain.Reason{c.reason}, Account: c.account, Summary: "waits", Fields: fields})
			if err != nil {
				return err
			}
		}
		if err := tx.OpenException(id, reqID, c.reason, "detail", at); err != nil {
			return err
		}
		verdict := domain.Processed
		if c.reason == domain.AuthFailed {
			verdict = domain.Unverified
		}
		return tx.FinishMessage(id, store.Decided{MessageID: fmt.Sprintf("<m%d@x>", uid), Verdict: verdict,
			Sender: c.sender, SenderKind: "shared_mailbox", ODS: c.ods, Subject: fmt.Sprintf("case %d", uid)}, at)
	})
	if err != nil {
		t.Fatal(err)
	}
	items, err := s.MessageExceptions(ctx, id)
	if err != nil || len(items) != 1 {
		t.Fatalf("message exceptions: %+v %v", items, err)
	}
	excID = items[0].ID
	return id, excID
}

func TestQueueFiltersSearchAndCounts(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
		m1, e1 := addCase(t, s, 1, caseSpec{sender: "pharmacy.fh3m8@nhs.net", ods: "FH3M8", reason: domain.SiteAccountLimit,
			account: "new.person@nhs.net", age: 50 * time.Hour}, now)
		_, e2 := addCase(t, s, 2, caseSpec{sender: "dental.v10423@nhs.net", ods: "V10423", reason: domain.MobileMismatch,
			account: "someone@nhs.net", age: 2 * time.Hour}, now)
		_, e3 := addCase(t, s, 3, caseSpec{sender: "pharmacy.fq7k2@nhs.net", ods: "FQ7K2", reason: domain.AuthFailed, age: 5 * time.Hour}, now)
		_, e4 := addCase(t, s, 4, caseSpec{sender: "pharmacy.fq7k2@nhs.net", ods: "FQ7K2", reason: domain.ODSUnknown,
			account: "x@nhs.net", fields: `{"type":"register_mailbox","ods":"FZZ99"}`, age: time.Hour}, now)

		ids := func(f store.QueueFilter) []int64 { return queueIDs(t, s, f) }
		tests := []struct {
			name string
			f    store.QueueFilter
			want []int64
		}{
			{"all open, oldest first", store.QueueFilter{}, []int64{e1, e3, e2, e4}},
			{"reason", store.QueueFilter{Reason: "mobile_mismatch"}, []int64{e2}},
			{"sector", store.QueueFilter{Sector: "dental"}, []int64{e2}},
			{"ods any case", store.QueueFilter{ODS: "fq7k2"}, []int64{e3, e4}},
			{"tag", store.QueueFilter{Search: fmt.Sprintf("NAS-%06d", m1)}, []int64{e1}},
			{"tag loosely", store.QueueFilter{Search: fmt.Sprintf("[nas%d]", m1)}, []int64{e1}},
			{"sender address", store.QueueFilter{Search: "Dental.V10423@nhs.net"}, []int64{e2}},
			{"request account", store.QueueFilter{Search: "new.person"}, []int64{e1}},
			{"ods in fields", store.QueueFilter{Search: "fzz99"}, []int64{e4}},
			{"ods of sender", store.QueueFilter{Search: "FH3M8"}, []int64{e1}},
			{"like is escaped", store.QueueFilter{Search: "%"}, nil},
			{"unassigned", store.QueueFilter{Assignee: store.Unassigned}, []int64{e1, e3, e2, e4}},
			{"closed", store.QueueFilter{State: "closed"}, nil},
			{"limit", store.QueueFilter{Limit: 2}, []int64{e1, e3}},
			{"offset", store.QueueFilter{Limit: 2, Offset: 2}, []int64{e2, e4}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := ids(tt.f); fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}

		item, err := s.Exception(ctx, e1)
		if err != nil || item.Sector != "pharmacy" || item.OrgName != "Hollybank Chemist" || item.Town != "Leek" ||
			item.RequestType != "add_user" || item.Account != "new.person@nhs.net" || item.Tag() != store.Tag(m1) ||
			item.RequestRef == nil || !item.CreatedAt.Equal(now.Add(-50*time.Hour)) {
			t.Fatalf("exception: %+v %v", item, err)
		}
		if _, err := s.Exception(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown exception: %v", err)
		}
		if msgLevel, _ := s.Exception(ctx, e3); msgLevel.RequestRef != nil || msgLevel.Verdict != "unverified" {
			t.Fatalf("message-level exception: %+v", msgLevel)
		}

		// Assign, then the assignee filter and the closed state.
		err = s.InTx(ctx, func(tx *store.Tx) error { return tx.AssignException(e2, "Ann.Staff@nas.test") })
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(store.QueueFilter{Assignee: "ann.staff@nas.test"}); fmt.Sprint(got) != fmt.Sprint([]int64{e2}) {
			t.Errorf("assignee filter: %v", got)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error { return tx.ResolveException(e2, now) })
		if err != nil {
			t.Fatal(err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error { return tx.AssignException(e2, "ann.staff@nas.test") })
		if !errors.Is(err, store.ErrAlreadyDecided) {
			t.Errorf("assigning a closed case: %v", err)
		}
		if got := ids(store.QueueFilter{State: "closed"}); fmt.Sprint(got) != fmt.Sprint([]int64{e2}) {
			t.Errorf("closed: %v", got)
		}
		if got := ids(store.QueueFilter{State: "all"}); len(got) != 4 || got[0] != e4 {
			t.Errorf("all, newest first: %v", got)
		}

		counts, err := s.QueueCounts(ctx, store.QueueFilter{Reason: "ignored by counts"})
		if err != nil {
			t.Fatal(err)
		}
		want := "[{auth_failed 1} {ods_unknown 1} {site_account_limit 1}]"
		if fmt.Sprint(counts) != want {
			t.Errorf("counts: %v, want %s", counts, want)
		}
		counts, _ = s.QueueCounts(ctx, store.QueueFilter{ODS: "FQ7K2"})
		if fmt.Sprint(counts) != "[{auth_failed 1} {ods_unknown 1}]" {
			t.Errorf("counts for one site: %v", counts)
		}
	})
}

func TestCaseReadsRequestsRepliesAndHistory(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
		m1, _ := addCase(t, s, 1, caseSpec{sender: "pharmacy.fh3m8@nhs.net", ods: "FH3M8", reason: domain.SiteAccountLimit,
			account: "new.person@nhs.net", fields: `{"type":"add_user","name":"New Person","email":"New.Person@example.org"}`}, now)
		var parked int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Enqueue(m1, domain.Outgoing{MessageID: "<r1@nas.test>", From: "requests@nas.test",
				To: "pharmacy.fh3m8@nhs.net", Subject: "Re: case", Tag: store.Tag(m1), Text: "sent one"}, false, now); err != nil {
				return err
			}
			var err error
			parked, err = tx.Enqueue(m1, domain.Outgoing{MessageID: "<r2@nas.test>", From: "requests@nas.test",
				To: "pharmacy.fh3m8@nhs.net", Subject: "Re: case", Tag: store.Tag(m1), Text: "held one"}, true, now)
			if err != nil {
				return err
			}
			if err := tx.Audit("ann@nas.test", "note", store.Tag(m1), "phoned the owner", now); err != nil {
				return err
			}
			if err := tx.Audit("ann@nas.test", "release reply", fmt.Sprintf("outbox %d", parked), "", now.Add(time.Second)); err != nil {
				return err
			}
			return tx.Audit("nasbot", "add_user review", "NAS-999999", "new.person@nhs.net", now)
		})
		if err != nil {
			t.Fatal(err)
		}

		reqs, err := s.MessageRequests(ctx, m1)
		if err != nil || len(reqs) != 1 || reqs[0].Type != "add_user" || reqs[0].Outcome != "review" ||
			reqs[0].Reasons != "site_account_limit" || reqs[0].Line != 3 || reqs[0].Sender != "pharmacy.fh3m8@nhs.net" {
			t.Fatalf("requests: %+v %v", reqs, err)
		}
		replies, err := s.MessageReplies(ctx, m1)
		if err != nil || len(replies) != 2 || replies[0].State != store.OutboxPending || replies[1].State != store.OutboxParked ||
			replies[1].Text != "held one" || replies[1].MessageRef == nil || *replies[1].MessageRef != m1 {
			t.Fatalf("replies: %+v %v", replies, err)
		}
		if r, err := s.Reply(ctx, parked); err != nil || r.ID != parked {
			t.Fatalf("reply: %+v %v", r, err)
		}
		if _, err := s.Reply(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown reply: %v", err)
		}
		if ps, err := s.ParkedReplies(ctx, 10); err != nil || len(ps) != 1 || ps[0].ID != parked {
			t.Fatalf("parked: %+v %v", ps, err)
		}

		hist, err := s.History(ctx, store.Tag(m1), fmt.Sprintf("outbox %d", parked))
		if err != nil || len(hist) != 2 || hist[0].Action != "note" || hist[0].Detail != "phoned the owner" ||
			hist[1].Action != "release reply" || !hist[0].At.Equal(now) {
			t.Fatalf("history: %+v %v", hist, err)
		}
		if h, err := s.History(ctx); err != nil || len(h) != 0 {
			t.Fatalf("history of nothing: %+v %v", h, err)
		}

		acctReqs, err := s.AccountRequests(ctx, "new.person@example.org", 10)
		if err != nil || len(acctReqs) != 1 || acctReqs[0].Tag() != store.Tag(m1) {
			t.Fatalf("account requests by field: %+v %v", acctReqs, err)
		}
		acctReqs, _ = s.AccountRequests(ctx, "New.Person@nhs.net", 10)
		if len(acctReqs) != 1 {
			t.Fatalf("account requests by decided account: %+v", acctReqs)
		}
		ah, err := s.AccountHistory(ctx, "new.person@nhs.net", 10)
		if err != nil || len(ah) != 1 || ah[0].Actor != "nasbot" {
			t.Fatalf("account history: %+v %v", ah, err)
		}
		a, err := s.AccountByMobile(ctx, "07700900101")
		if err != nil || a.Address != "amelia.hart@nhs.net" {
			t.Fatalf("by mobile: %+v %v", a, err)
		}
		if _, err := s.AccountByMobile(ctx, "07700000000"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown mobile: %v", err)
		}
	})
}

// A lifecycle report and a failed text have no message, yet are cases like any other: in the
// queue and its counts, with their site, and found by its filters.
func TestQueueHoldsCasesNoMessageCaused(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		ctx := context.Background()
		now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
		const dormant domain.Reason = "mailbox_dormant"
		_, e1 := addCase(t, s, 1, caseSpec{sender: "pharmacy.fh3m8@nhs.net", ods: "FH3M8", reason: domain.SiteAccountLimit,
			account: "new.person@nhs.net", age: 50 * time.Hour}, now)
		_, e2 := addCase(t, s, 2, caseSpec{sender: "dental.v10423@nhs.net", ods: "V10423", reason: domain.MobileMismatch,
			account: "someone@nhs.net", age: 2 * time.Hour}, now)
		var d1, d2 int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if d1, err = tx.ReportMailbox("t4821", dormant, "the shared mailbox optometry.t4821@nhs.net (T4821) "+
				"has never been seen sending", now.Add(-30*time.Hour)); err != nil {
				return err
			}
			// Reported again: the site's latest report is d2, and d1 keeps its site all the same.
			if d2, err = tx.ReportMailbox("T4821", dormant, "silent again", now.Add(-20*time.Hour)); err != nil {
				return err
			}
			return tx.Apply(domain.SendTemporaryPassword{Address: "daniel.okafor@nhs.net"}, now.Add(-10*time.Hour))
		})
		if err != nil {
			t.Fatal(err)
		}
		texts, err := s.Texts(ctx, "daniel.okafor@nhs.net")
		if err != nil || len(texts) != 1 {
			t.Fatalf("texts: %+v %v", texts, err)
		}
		if err := s.MarkTextFailed(ctx, texts[0].ID, "400 not a mobile", true, now.Add(-4*time.Hour), now); err != nil {
			t.Fatal(err)
		}
		items, err := s.Queue(ctx, store.QueueFilter{Reason: string(store.TextFailedReason)})
		if err != nil || len(items) != 1 {
			t.Fatalf("text_failed: %+v %v", items, err)
		}
		tf := items[0].ID

		ids := func(f store.QueueFilter) string { return fmt.Sprint(queueIDs(t, s, f)) }
		want := func(ids ...int64) string { return fmt.Sprint(ids) }
		tests := []struct {
			name string
			f    store.QueueFilter
			want string
		}{
			{"all open, oldest first", store.QueueFilter{}, want(e1, d1, d2, tf, e2)},
			{"reason", store.QueueFilter{Reason: string(dormant)}, want(d1, d2)},
			{"ods of a report", store.QueueFilter{ODS: "t4821"}, want(d1, d2)},
			{"ods of a text's account", store.QueueFilter{ODS: "FQ7K2"}, want(tf)},
			{"sector of a report", store.QueueFilter{Sector: "optometry"}, want(d1, d2)},
			{"sector of a text's account", store.QueueFilter{Sector: "pharmacy"}, want(e1, tf)},
			{"search by ODS", store.QueueFilter{Search: "T4821"}, want(d1, d2)},
			{"search by account", store.QueueFilter{Search: "Daniel.Okafor"}, want(tf)},
			{"search the detail", store.QueueFilter{Search: "optometry.t4821@nhs.net"}, want(d1)},
			{"search by reference", store.QueueFilter{Search: fmt.Sprintf("Case %d", d2)}, want(d2)},
			{"no message, no tag", store.QueueFilter{Search: "NAS-000000"}, want()},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := ids(tt.f); got != tt.want {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}

		counts, err := s.QueueCounts(ctx, store.QueueFilter{})
		if got := fmt.Sprint(counts); err != nil ||
			got != "[{mailbox_dormant 2} {mobile_mismatch 1} {site_account_limit 1} {text_failed 1}]" {
			t.Errorf("counts: %s %v", got, err)
		}
		if counts, _ := s.QueueCounts(ctx, store.QueueFilter{Sector: "optometry"}); fmt.Sprint(counts) != "[{mailbox_dormant 2}]" {
			t.Errorf("counts for a sector: %v", counts)
		}

		report, err := s.Exception(ctx, d1)
		if err != nil || report.HasMessage() || report.MessageRef != 0 || report.Tag() != fmt.Sprintf("case %d", d1) ||
			report.ODS != "T4821" || report.Sector != "optometry" || report.OrgName != "Clearview Opticians" ||
			report.Town != "Hexham" || report.Sender != "" || report.Subject != "" || report.ReceivedAt != nil ||
			report.RequestRef != nil || !report.CreatedAt.Equal(now.Add(-30*time.Hour)) {
			t.Fatalf("report: %+v %v", report, err)
		}
		text, err := s.Exception(ctx, tf)
		if err != nil || text.ODS != "FQ7K2" || text.OrgName != "Riverside Pharmacy" || text.Account != "daniel.okafor@nhs.net" ||
			!strings.Contains(text.Detail, "400 not a mobile") {
			t.Fatalf("failed text: %+v %v", text, err)
		}
		if msgCase, _ := s.Exception(ctx, e1); !msgCase.HasMessage() || msgCase.ReceivedAt == nil {
			t.Fatalf("message case: %+v", msgCase)
		}

		// Such a case is worked, and closed, like any other.
		err = s.InTx(ctx, func(tx *store.Tx) error {
			c, err := tx.CaseForUpdate(d1)
			if err != nil {
				return err
			}
			if c.MessageRef != 0 || c.ODS != "T4821" || c.Tag() != report.Tag() || c.State != store.ExceptionOpen {
				t.Errorf("case for update: %+v", c)
			}
			return tx.ResolveException(d1, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(store.QueueFilter{State: "closed"}); got != want(d1) {
			t.Errorf("closed: %v", got)
		}
	})
}

// queueIDs is the IDs of the cases the filter chooses, in the queue's order.
func queueIDs(t *testing.T, s *store.Store, f store.QueueFilter) []int64 {
	t.Helper()
	items, err := s.Queue(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}
