package pipeline_test

import (
	"context"
	"errors"
	"slices"
	"strings"
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

func freeTextMail() string {
	return mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "new locum", id: "locum@nhs.net", trusted: true,
		body: "Hi, please can you add our new locum Sam Jones, mobile 07700 900642, thanks\n"})
}

func TestStaffReplyIsThreadedUnderTheMail(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	ctx := context.Background()
	res := f.deliver(freeTextMail())
	desk := pipeline.NewDesk(f.p)
	id, err := desk.StaffReply(ctx, res.ID, "staff@nas.test", "Hello,\n\nWhat is Sam's current email address?\n")
	if err != nil {
		t.Fatal(err)
	}
	replies, _ := f.store.RepliesFor(ctx, res.ID)
	last := replies[len(replies)-1]
	if len(replies) != 2 || last.ID != id || last.To != "pharmacy.fq7k2@nhs.net" || last.InReplyTo != "<locum@nhs.net>" ||
		!slices.Contains(last.References, "<locum@nhs.net>") || last.Subject != "Re: new locum ["+res.Tag+"]" ||
		!strings.Contains(last.Text, "current email address") || last.MessageID == replies[0].MessageID {
		t.Errorf("staff reply: %+v", last)
	}
	if _, err := desk.StaffReply(ctx, res.ID, "staff@nas.test", "  "); !errors.Is(err, pipeline.ErrEmptyReply) {
		t.Errorf("empty reply: %v", err)
	}
	// A forged sender is never written to.
	spoof := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "x", id: "forged@nhs.net", body: "Hi\n"}))
	if _, err := desk.StaffReply(ctx, spoof.ID, "staff@nas.test", "Hello"); !errors.Is(err, pipeline.ErrNotAnswerable) {
		t.Errorf("reply to unproven mail: %v", err)
	}
}

func TestRequestOnBehalfGoesThroughTheRules(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	ctx := context.Background()
	res := f.deliver(freeTextMail())
	if res.Verdict != domain.Unparseable {
		t.Fatalf("free text read as %s", res.Verdict)
	}
	desk := pipeline.NewDesk(f.p)
	yes := true
	req := domain.Request{Type: domain.AddUser, Word: "Add user", Name: "Sam Jones", Mobile: "07700900642",
		Email: "sam.jones@example.com", Linked: &yes}
	dec, err := desk.RequestOnBehalf(ctx, res.ID, "staff@nas.test", req)
	if err != nil || dec.Outcome != domain.Done {
		t.Fatalf("RequestOnBehalf = %+v, %v", dec, err)
	}
	acct, err := f.store.Account(ctx, dec.Account)
	if err != nil || acct.ODS != "FQ7K2" || acct.Name != "Sam Jones" {
		t.Errorf("account made: %+v %v", acct, err)
	}
	reqs, _ := f.store.MessageRequests(ctx, res.ID)
	if len(reqs) != 1 || reqs[0].Type != string(domain.AddUser) || reqs[0].Outcome != string(domain.Done) {
		t.Errorf("recorded requests: %+v", reqs)
	}
	if open, _ := f.store.MessageExceptions(ctx, res.ID); len(open) != 1 || open[0].State != store.ExceptionClosed {
		t.Errorf("the unreadable mail's case: %+v", open)
	}
	hist, _ := f.store.History(ctx, res.Tag)
	if len(hist) == 0 || hist[len(hist)-1].Action != "request on behalf" || hist[len(hist)-1].Actor != "staff@nas.test" {
		t.Errorf("history: %+v", hist)
	}
	replies, _ := f.store.RepliesFor(ctx, res.ID)
	if len(replies) != 2 || !strings.Contains(replies[1].Text, "Sam Jones") {
		t.Errorf("answer to the sender: %+v", replies)
	}
	// The same request again meets the rules: the mobile is in use now.
	dec, err = desk.RequestOnBehalf(ctx, res.ID, "staff@nas.test", req)
	if err != nil || dec.Outcome == domain.Done {
		t.Errorf("a second identical request: %+v %v", dec, err)
	}
}
