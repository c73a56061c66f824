package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

// A new shared mailbox waits for staff (new_mailbox_review): the case shows the requesting site,
// the new code's directory row and the first owner together, and can be approved.
func TestNewMailboxCase(t *testing.T) {
	td := newTestDesk(t)
	ctx := context.Background()
	err := td.st.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutOrganisation(domain.Organisation{ODS: "FT9P4", Sector: domain.Pharmacy, Name: "Riverside Pharmacy",
			Town: "Ashford", Status: domain.StatusActive})
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := strings.ReplaceAll(`Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net
Received: from x by mx.nas.test; Wed, 04 Mar 2026 11:00:00 +0000
From: pharmacy.fq7k2@nhs.net
To: requests@nas.test
Subject: Change of owner
Date: Wed, 04 Mar 2026 11:00:00 +0000
Message-ID: <register-case@nhs.net>
Content-Type: text/plain; charset=utf-8

Request: Register shared mailbox
ODS code: FT9P4
Sector: Pharmacy
Organisation name: Riverside Pharmacy
Town: Ashford
Name: Imogen Blake
Mobile: 07700 900190
Email: imogen.blake@example.com

Requested by: Amelia Hart (amelia.hart@nhs.net)
`, "\n", "\r\n")
	id, _, err := td.st.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 7, UID: 1, Raw: []byte(raw), ReceivedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	r, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.New(td.st, pipeline.Config{NASAddress: "requests@nas.test",
		Verify: verify.Config{TrustedAuthServIDs: []string{"mx.nas.test"}}}, r,
		slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return testNow })
	res, err := p.Process(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Requests) != 1 || res.Requests[0].Outcome != domain.Review || res.Requests[0].Reasons[0] != domain.NewMailboxReview {
		t.Fatalf("want review new_mailbox_review, got %+v", res.Requests)
	}
	excs, err := td.st.MessageExceptions(ctx, id)
	if err != nil || len(excs) != 1 {
		t.Fatalf("cases: %v %v", excs, err)
	}
	w := td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", excs[0].ID))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "new mailbox review", "Every new shared mailbox is checked by a person",
		"Requesting site", "FQ7K2: Riverside Pharmacy, Ashford (pharmacy), pharmacy.fq7k2@nhs.net, active",
		"New code in the directory", "FT9P4: Riverside Pharmacy, Ashford (pharmacy), no shared mailbox yet, active",
		"First owner", "Imogen Blake, mobile 07700900190, email imogen.blake@example.com, requested by amelia.hart@nhs.net",
		"Address pharmacy.ft9p4@nhs.net", "held by no account or alias", `id="approve-reason"`)
}
