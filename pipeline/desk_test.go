package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/pipeline"
	"nasbot/store"
)

// openCase returns the id of the one open exception (there is one per review in these tests).
func openCase(t *testing.T, f *fixture, res pipeline.Result) int64 {
	t.Helper()
	var id int64
	err := f.store.InTx(context.Background(), func(tx *store.Tx) error {
		for i := int64(1); i < 50; i++ {
			c, err := tx.CaseForUpdate(i)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err == nil && c.MessageRef == res.ID && c.State == store.ExceptionOpen {
				id = i
				return nil
			}
		}
		return nil
	})
	if err != nil || id == 0 {
		t.Fatalf("no open case for %s: %v", res.Tag, err)
	}
	return id
}

func overLimitMail() string {
	return mail(mailOpts{from: "pharmacy.fh3m8@nhs.net", subject: "Eleventh", id: "11th@nhs.net", trusted: true, body: addUserBody})
}

func TestDeskApprovesOverLimitAccount(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	res := f.deliver(overLimitMail())
	if res.Requests[0].Outcome != domain.Review || res.Requests[0].Reasons[0] != domain.SiteAccountLimit {
		t.Fatalf("want review site_account_limit, got %+v", res.Requests[0])
	}
	ctx := context.Background()
	if _, err := f.store.Account(ctx, "zoe.example@nhs.net"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("review must not create the account")
	}
	desk := pipeline.NewDesk(f.p)
	caseID := openCase(t, f, res)
	if err := desk.Approve(ctx, caseID, "staff@nas.test", "Agreed with the pharmacy: a second site."); err != nil {
		t.Fatal(err)
	}
	acct, err := f.store.Account(ctx, "zoe.example@nhs.net")
	if err != nil || acct.ODS != "FH3M8" {
		t.Fatalf("approved account: %+v %v", acct, err)
	}
	replies, _ := f.store.RepliesFor(ctx, res.ID)
	last := replies[len(replies)-1]
	if len(replies) != 2 || last.To != "pharmacy.fh3m8@nhs.net" || !strings.Contains(last.Text, "approved") ||
		!strings.Contains(last.Text, "a second site") {
		t.Fatalf("decision reply: %+v", replies)
	}
	if err := desk.Approve(ctx, caseID, "staff@nas.test", "again"); !errors.Is(err, store.ErrAlreadyDecided) {
		t.Fatalf("approving a closed case: want ErrAlreadyDecided, got %v", err)
	}
}

func TestDeskRefusesWithReason(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	res := f.deliver(overLimitMail())
	ctx := context.Background()
	if err := pipeline.NewDesk(f.p).Refuse(ctx, openCase(t, f, res), "staff@nas.test", "Please remove a leaver first."); err != nil {
		t.Fatal(err)
	}
	replies, _ := f.store.RepliesFor(ctx, res.ID)
	if len(replies) != 2 || !strings.Contains(replies[1].Text, "Please remove a leaver first.") {
		t.Fatalf("refusal reply: %+v", replies)
	}
	if _, err := f.store.Account(ctx, "zoe.example@nhs.net"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("refused request created an account")
	}
}

func TestDeskNeverApprovesPastVerification(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	res := f.deliver(mail(mailOpts{from: "pharmacy.fh3m8@nhs.net", subject: "spoof", id: "sp@evil.example", body: addUserBody}))
	err := pipeline.NewDesk(f.p).Approve(context.Background(), openCase(t, f, res), "staff@nas.test", "looks fine")
	if err == nil {
		t.Fatal("approving unproven mail must fail")
	}
}

func TestDeskRerunsEditedRequest(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	res := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "reset", id: "rs@nhs.net", trusted: true,
		body: "Request: Password reset\nAccount: daniel.okafor@nhs.net\nMobile: 07700 900999\n\nRequested by: Amelia Hart (amelia.hart@nhs.net)\n"}))
	if res.Requests[0].Outcome != domain.Review {
		t.Fatalf("want review mobile_mismatch: %+v", res.Requests[0])
	}
	edited := domain.Request{Account: "daniel.okafor@nhs.net", Mobile: "07700900112",
		RequestedBy: &domain.Person{Name: "Amelia Hart", Address: "amelia.hart@nhs.net"}}
	if err := pipeline.NewDesk(f.p).Rerun(context.Background(), openCase(t, f, res), "staff@nas.test", edited); err != nil {
		t.Fatal(err)
	}
	replies, _ := f.store.RepliesFor(context.Background(), res.ID)
	if len(replies) != 2 || !strings.Contains(replies[1].Text, domain.OutcomeWord(domain.Done)) {
		t.Fatalf("rerun reply: %+v", replies)
	}
}

func TestReleasingAHeldReplyClosesItsCase(t *testing.T) {
	f := newFixture(t, pipeline.Config{MaxReplyAge: time.Hour})
	res := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "old", id: "held@nhs.net", trusted: true,
		date: "Wed, 25 Feb 2026 08:00:00 +0000", body: "Request: Leaver\nAccount: daniel.okafor@nhs.net\n"}))
	caseID := openCase(t, f, res)
	if err := pipeline.NewDesk(f.p).ReleaseReply(context.Background(), res.Replies[0].ID, "staff@nas.test"); err != nil {
		t.Fatal(err)
	}
	err := f.store.InTx(context.Background(), func(tx *store.Tx) error {
		c, err := tx.CaseForUpdate(caseID)
		if err == nil && c.State != store.ExceptionClosed {
			t.Errorf("reply_held case still %s after the reply was released", c.State)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if due, _ := f.store.PendingReplies(context.Background(), 10, testNow); len(due) != 1 {
		t.Fatalf("released reply not due: %+v", due)
	}
}

// heldCases returns the states of a message's reply_held cases, by case id.
func heldCases(t *testing.T, f *fixture, res pipeline.Result) map[int64]string {
	t.Helper()
	excs, err := f.store.MessageExceptions(context.Background(), res.ID)
	if err != nil {
		t.Fatal(err)
	}
	states := map[int64]string{}
	for _, e := range excs {
		if e.Reason == string(pipeline.ReasonReplyHeld) {
			states[e.ID] = e.State
		}
	}
	return states
}

// TestSettlingTheLastHeldReplyClosesItsCases holds two replies to one old mail (the answer and
// a staff refusal), each with its reply_held case. Settling the first leaves both cases open;
// once that reply has failed for good (parked, but no longer held), settling the second closes
// both, and the history says who closed them.
func TestSettlingTheLastHeldReplyClosesItsCases(t *testing.T) {
	for _, how := range []string{"release", "drop"} {
		t.Run(how, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, pipeline.Config{MaxReplyAge: time.Hour})
			desk := pipeline.NewDesk(f.p)
			settle := map[string]func(context.Context, int64, string) error{"release": desk.ReleaseReply, "drop": desk.DropReply}[how]
			res := f.deliver(mail(mailOpts{from: "pharmacy.fh3m8@nhs.net", subject: "Eleventh", id: "old11@nhs.net", trusted: true,
				date: "Mon, 02 Feb 2026 08:00:00 +0000", body: addUserBody}))
			if err := desk.Refuse(ctx, openCase(t, f, res), "staff@nas.test", "Please remove a leaver first."); err != nil {
				t.Fatal(err)
			}
			replies, _ := f.store.MessageReplies(ctx, res.ID)
			if len(replies) != 2 || replies[0].State != store.OutboxParked || replies[1].State != store.OutboxParked {
				t.Fatalf("want two held replies: %+v", replies)
			}
			if cases := heldCases(t, f, res); len(cases) != 2 {
				t.Fatalf("want two reply_held cases: %v", cases)
			}

			if err := desk.ReleaseReply(ctx, replies[0].ID, "staff@nas.test"); err != nil {
				t.Fatal(err)
			}
			for id, state := range heldCases(t, f, res) {
				if state != store.ExceptionOpen {
					t.Fatalf("case %d %s while a held reply is left", id, state)
				}
			}
			if err := f.store.MarkFailed(ctx, replies[0].ID, "550 mailbox unavailable", true, testNow); err != nil {
				t.Fatal(err)
			}

			if err := settle(ctx, replies[1].ID, "admin@nas.test"); err != nil {
				t.Fatal(err)
			}
			cases := heldCases(t, f, res)
			for id, state := range cases {
				if state != store.ExceptionClosed {
					t.Errorf("case %d %s after the last held reply was settled", id, state)
				}
			}
			history, err := f.store.History(ctx, res.Tag)
			if err != nil {
				t.Fatal(err)
			}
			closes := 0
			for _, h := range history {
				if h.Action == "close" && h.Actor == "admin@nas.test" && cases[caseOf(h.Detail)] != "" {
					closes++
				}
			}
			if closes != 2 {
				t.Errorf("want a close line per case by admin@nas.test: %+v", history)
			}
		})
	}
}

// caseOf reads the case id from an audit detail "case 12: …".
func caseOf(detail string) int64 {
	var id int64
	fmt.Sscanf(detail, "case %d:", &id)
	return id
}

// A case no message caused (a lifecycle report) is closed with its reason in its own history,
// nobody is written to, and there is nothing to approve or re-run.
func TestDeskClosesACaseNoMessageCaused(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	ctx := context.Background()
	var id int64
	err := f.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.ReportMailbox("T4821", "mailbox_dormant", "silent for seven months", testNow)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	desk := pipeline.NewDesk(f.p)
	if err := desk.Approve(ctx, id, "staff@nas.test", "fine"); !errors.Is(err, pipeline.ErrNoMessage) {
		t.Fatalf("approve: want ErrNoMessage, got %v", err)
	}
	if err := desk.Rerun(ctx, id, "staff@nas.test", domain.Request{}); !errors.Is(err, pipeline.ErrNoMessage) {
		t.Fatalf("rerun: want ErrNoMessage, got %v", err)
	}
	if err := desk.Refuse(ctx, id, "staff@nas.test", "The site still uses it for post; kept."); err != nil {
		t.Fatal(err)
	}
	exc, err := f.store.Exception(ctx, id)
	if err != nil || exc.State != store.ExceptionClosed {
		t.Fatalf("case after closing: %+v %v", exc, err)
	}
	history, err := f.store.History(ctx, exc.Tag())
	if err != nil || len(history) != 1 || history[0].Action != "close" || history[0].Actor != "staff@nas.test" ||
		history[0].Detail != "The site still uses it for post; kept." {
		t.Fatalf("history: %+v %v", history, err)
	}
	if replies, _ := f.store.PendingReplies(ctx, 10, testNow); len(replies) != 0 {
		t.Fatalf("closing wrote to someone: %+v", replies)
	}
	if err := desk.Refuse(ctx, id, "staff@nas.test", "again"); !errors.Is(err, store.ErrAlreadyDecided) {
		t.Fatalf("closing twice: want ErrAlreadyDecided, got %v", err)
	}
}
