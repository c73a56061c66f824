package pipeline_test

import (
	"context"
	"errors"
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
	if len(replies) != 2 || !strings.Contains(replies[1].Text, "done") {
		t.Fatalf("rerun reply: %+v", replies)
	}
}

func TestReleasingAHeldReplyClosesItsCase(t *testing.T) {
	f := newFixture(t, pipeline.Config{MaxReplyAge: time.Hour})
	res := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "old", id: "held@nhs.net", trusted: true,
		date: "Mon, 02 Feb 2026 08:00:00 +0000", body: "Request: Leaver\nAccount: daniel.okafor@nhs.net\n"}))
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
