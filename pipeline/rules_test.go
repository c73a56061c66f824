package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"nasbot/domain"
	"nasbot/pipeline"
	"nasbot/store"
)

// The safety rules added after review (docs/spec/rules.md), through the pipeline and its store.

const registerFT9P4 = `Request: Register shared mailbox
ODS code: FT9P4
Sector: Pharmacy
Organisation name: Riverside Pharmacy
Town: Ashford
Name: Imogen Blake
Mobile: 07700 900190
Email: imogen.blake@example.com
`

const closeRiverside = `Request: Close shared mailbox
Reason: change of ownership
`

const ameliaRequests = "\nRequested by: Amelia Hart (amelia.hart@nhs.net)\n"

func riversideMail(id, body string) string {
	return mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "Change of owner", id: id, trusted: true, body: body})
}

// A new shared mailbox waits for staff; their approval on the desk then registers it and
// creates its first owner, and the sender hears so.
func TestDeskApprovesNewMailbox(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	ctx := context.Background()
	res := f.deliver(riversideMail("reg-1@nhs.net", registerFT9P4+ameliaRequests))
	wantRequest(t, res, 0, domain.Review, domain.NewMailboxReview)
	if org, _ := f.store.Organisation(ctx, "FT9P4"); org.Mailbox != "" {
		t.Fatalf("the review registered the mailbox already: %+v", org)
	}
	if err := pipeline.NewDesk(f.p).Approve(ctx, openCase(t, f, res), "staff@nas.test", "Checked with the new contractor."); err != nil {
		t.Fatal(err)
	}
	org, err := f.store.Organisation(ctx, "FT9P4")
	if err != nil || org.Mailbox != "pharmacy.ft9p4@nhs.net" || org.Status != domain.StatusActive {
		t.Fatalf("approved mailbox: %+v %v", org, err)
	}
	owner, err := f.store.Account(ctx, "imogen.blake@nhs.net")
	if err != nil || owner.ODS != "FT9P4" || owner.Role != domain.RoleOwner {
		t.Fatalf("first owner: %+v %v", owner, err)
	}
	replies, _ := f.store.RepliesFor(ctx, res.ID)
	if last := replies[len(replies)-1]; last.To != "pharmacy.fq7k2@nhs.net" || !strings.Contains(last.Text, "approved") {
		t.Fatalf("decision reply: %+v", last)
	}
}

// The change of ownership in one email: register the new code, then close the old mailbox.
// The close is done at once; staff approve the new mailbox later, when the requesting mailbox is
// closed and its owner no longer an owner: it still completes.
func TestRegisterThenCloseThenApprove(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	ctx := context.Background()
	res := f.deliver(riversideMail("reg-2@nhs.net", registerFT9P4+"\n"+closeRiverside+ameliaRequests))
	wantRequest(t, res, 0, domain.Review, domain.NewMailboxReview)
	wantRequest(t, res, 1, domain.Done)
	if err := pipeline.NewDesk(f.p).Approve(ctx, openCase(t, f, res), "staff@nas.test", "Sale confirmed."); err != nil {
		t.Fatal(err)
	}
	if org, _ := f.store.Organisation(ctx, "FT9P4"); org.Mailbox != "pharmacy.ft9p4@nhs.net" {
		t.Fatalf("approved mailbox: %+v", org)
	}
}

// Requests after a close_mailbox in the same email, and every later mail from the closed
// mailbox, change nothing: mailbox_closed, and the reply still goes to the mailbox.
func TestClosedMailboxIsNoLongerASender(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	ctx := context.Background()
	before := exportDirectory(t, f)
	addUser := "Request: Add user\nName: Callum Reid\nMobile: 07700 900150\nEmail: callum@example.com\n"
	res := f.deliver(mail(mailOpts{from: "pharmacy.fr2w5@nhs.net", subject: "New starter", id: "closed-1@nhs.net",
		trusted: true, body: addUser + "\nRequest: Joiner\nAccount: fiona.marsh@nhs.net\n"}))
	if res.Verdict != domain.Processed || res.Sender.Kind != pipeline.SenderSharedMailbox {
		t.Fatalf("verdict %s, sender %+v", res.Verdict, res.Sender)
	}
	wantRequest(t, res, 0, domain.Rejected, domain.MailboxClosed)
	wantRequest(t, res, 1, domain.Rejected, domain.MailboxClosed)
	if after := exportDirectory(t, f); string(after) != string(before) {
		t.Fatalf("mail from a closed mailbox changed the directory")
	}
	replies, _ := f.store.RepliesFor(ctx, res.ID)
	if len(replies) != 1 || replies[0].To != "pharmacy.fr2w5@nhs.net" || !strings.Contains(replies[0].Text, "has been closed") ||
		!strings.Contains(replies[0].Text, "National Administration Service") {
		t.Fatalf("reply: %+v", replies)
	}

	res = f.deliver(riversideMail("close-then-add@nhs.net", closeRiverside+"\n"+addUser+ameliaRequests))
	wantRequest(t, res, 0, domain.Done)
	wantRequest(t, res, 1, domain.Rejected, domain.MailboxClosed)
	if _, err := f.store.Account(ctx, "callum.reid@nhs.net"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a request after the close made the account: %v", err)
	}
}

// More than 50 requests: processed, every request rejected too_many_requests, nothing applied,
// no case for staff, and the reply asks for several emails of at most 50.
func TestTooManyRequests(t *testing.T) {
	tests := []struct {
		name     string
		requests int
		want     domain.Outcome
	}{
		{"51 requests", 51, domain.Rejected},
		{"50 requests", 50, domain.Done},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, pipeline.Config{})
			ctx := context.Background()
			var body strings.Builder
			for range tt.requests {
				// Access for an account that already has it: done, and changes nothing.
				body.WriteString("Request: Give access\nAccount: daniel.okafor@nhs.net\n\n")
			}
			res := f.deliver(riversideMail(fmt.Sprintf("many-%d@nhs.net", tt.requests), body.String()))
			if res.Verdict != domain.Processed || len(res.Reasons) != 0 || len(res.Requests) != tt.requests {
				t.Fatalf("verdict %s %v, %d requests", res.Verdict, res.Reasons, len(res.Requests))
			}
			for i := range res.Requests {
				if tt.want == domain.Rejected {
					wantRequest(t, res, i, domain.Rejected, domain.TooManyRequests)
				} else {
					wantRequest(t, res, i, domain.Done)
				}
			}
			cases, _ := f.store.MessageExceptions(ctx, res.ID)
			replies, _ := f.store.RepliesFor(ctx, res.ID)
			if len(replies) != 1 {
				t.Fatalf("%d replies", len(replies))
			}
			asks := strings.Contains(replies[0].Text, "several emails, with at most 50 in each")
			if tt.want == domain.Rejected && (len(cases) != 0 || !asks) {
				t.Fatalf("cases %v; reply:\n%s", cases, replies[0].Text)
			}
			if tt.want == domain.Done && asks {
				t.Fatalf("50 requests were refused:\n%s", replies[0].Text)
			}
		})
	}
}

// A handler's invalid_field names its field in the result, as the parser's do.
func TestHandlerFieldIsNamed(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	res := f.deliver(mail(mailOpts{from: "dental.v10423@nhs.net", subject: "Owner", id: "field@nhs.net", trusted: true,
		body: "Request: Add user\nName: Lily Adams\nMobile: 07700 900601\nEmail: lily@example.com\nLinked: No\nRole: Owner\n" +
			"\nRequested by: Priya Shah (priya.shah@nhs.net)\n"}))
	wantRequest(t, res, 0, domain.Rejected, domain.InvalidField)
	if got := res.Requests[0].Field; got != "linked" {
		t.Errorf("field = %q, want linked", got)
	}
}

func wantRequest(t *testing.T, res pipeline.Result, i int, outcome domain.Outcome, reasons ...domain.Reason) {
	t.Helper()
	if i >= len(res.Requests) {
		t.Fatalf("request %d of %d", i+1, len(res.Requests))
	}
	r := res.Requests[i]
	if r.Outcome != outcome || fmt.Sprint(r.Reasons) != fmt.Sprint(nonNilReasons(reasons)) {
		t.Errorf("request %d: %s %v, want %s %v", i+1, r.Outcome, r.Reasons, outcome, reasons)
	}
}

func nonNilReasons(rs []domain.Reason) []domain.Reason {
	if rs == nil {
		return []domain.Reason{}
	}
	return rs
}
