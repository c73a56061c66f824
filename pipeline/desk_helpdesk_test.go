package pipeline_test

import (
	"context"
	"errors"
	"testing"

	"nasbot/domain"
	"nasbot/pipeline"
	"nasbot/store"
)

// Re-parsing shows first what would change, and answers the sender only when the outcome
// changes (issue 16); a closed case can be reopened.

func TestReparseWithTheSameOutcomeChangesNothing(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	ctx := context.Background()
	res := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "help", id: "u@nhs.net", trusted: true,
		body: "Hi, please add Sam to our mailbox, thanks\n"}))
	caseID := openCase(t, f, res)
	desk := pipeline.NewDesk(f.p)

	plan, err := desk.ReparsePreview(ctx, res.ID)
	if err != nil || plan.Changed || plan.After.Verdict != domain.Unparseable {
		t.Fatalf("preview: %+v %v", plan, err)
	}
	changed, err := desk.Reparse(ctx, res.ID, "staff@nas.test")
	if err != nil || changed {
		t.Fatalf("Reparse = %v, %v; want nothing changed", changed, err)
	}
	if replies, _ := f.store.RepliesFor(ctx, res.ID); len(replies) != 1 {
		t.Errorf("replies: %d, want only the first", len(replies))
	}
	if again := openCase(t, f, res); again != caseID {
		t.Errorf("the case changed number: %d, was %d", again, caseID)
	}
}

func TestReparseWithANewOutcomeDecidesAndAnswers(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	ctx := context.Background()
	// An older parser could not read this mail: it was recorded as unreadable, with no request.
	id := f.save(mail(mailOpts{from: "pharmacy.fh3m8@nhs.net", subject: "New starter", id: "ns@nhs.net", trusted: true, body: addUserBody}))
	err := f.store.InTx(ctx, func(tx *store.Tx) error {
		if ok, err := tx.ClaimMessage(id); err != nil || !ok {
			return errors.Join(err, errors.New("not claimed"))
		}
		return tx.FinishMessage(id, store.Decided{MessageID: "<ns@nhs.net>", Verdict: domain.Unparseable,
			Sender: "pharmacy.fh3m8@nhs.net", SenderKind: "mailbox", ODS: "FH3M8"}, testNow)
	})
	if err != nil {
		t.Fatal(err)
	}
	desk := pipeline.NewDesk(f.p)
	plan, err := desk.ReparsePreview(ctx, id)
	if err != nil || !plan.Changed || len(plan.After.Requests) != 1 || plan.After.Requests[0].Type != domain.AddUser {
		t.Fatalf("preview: %+v %v", plan, err)
	}
	// The preview wrote nothing.
	if replies, _ := f.store.RepliesFor(ctx, id); len(replies) != 0 {
		t.Fatalf("the preview wrote replies: %+v", replies)
	}
	if m, _ := f.store.Message(ctx, id); m.Verdict != string(domain.Unparseable) {
		t.Fatalf("the preview changed the message: %s", m.Verdict)
	}
	changed, err := desk.Reparse(ctx, id, "staff@nas.test")
	if err != nil || !changed {
		t.Fatalf("Reparse = %v, %v; want decided afresh", changed, err)
	}
	if replies, _ := f.store.RepliesFor(ctx, id); len(replies) != 1 {
		t.Errorf("replies: %d, want one answer", len(replies))
	}
	if m, _ := f.store.Message(ctx, id); m.Verdict == string(domain.Unparseable) {
		t.Errorf("still unreadable after re-parsing")
	}
}

func TestReopenAClosedCase(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	ctx := context.Background()
	res := f.deliver(overLimitMail())
	desk := pipeline.NewDesk(f.p)
	caseID := openCase(t, f, res)
	if err := desk.Reopen(ctx, caseID, "staff@nas.test", ""); !errors.Is(err, store.ErrAlreadyOpen) {
		t.Fatalf("reopening an open case: %v", err)
	}
	if err := desk.Refuse(ctx, caseID, "staff@nas.test", "Mark a leaver first."); err != nil {
		t.Fatal(err)
	}
	if err := desk.Reopen(ctx, caseID, "staff@nas.test", "phoned back"); err != nil {
		t.Fatal(err)
	}
	if again := openCase(t, f, res); again != caseID {
		t.Errorf("reopened case %d, want %d", again, caseID)
	}
	hist, _ := f.store.History(ctx, res.Tag)
	if len(hist) == 0 || hist[len(hist)-1].Action != "reopen" || hist[len(hist)-1].Detail != "phoned back" {
		t.Errorf("history: %+v", hist)
	}
}
