package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"nasbot/store"
)

// TestStatsPage: the statistics page draws its charts from the store, with each chart's
// figures in a table beside it.
func TestStatsPage(t *testing.T) {
	td := newTestDesk(t)
	w := td.get(reviewerEmail, "/stats")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /stats: %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{"<h1>Statistics</h1>", `<svg class="nasbot-chart" role="img"`, "Open cases by reason",
		"Open cases by age", "Sites near their limit", "Hollybank Chemist, Leek", "Median time to a reply"} {
		if !strings.Contains(body, want) {
			t.Errorf("the statistics page lacks %q", want)
		}
	}
	if strings.Count(body, `class="nasbot-chart"`) != 4 {
		t.Errorf("%d charts, want 4", strings.Count(body, `class="nasbot-chart"`))
	}
}

// TestOrganisationShowsLastAccessReview: a site's page says when its mailbox last had its list
// of accounts.
func TestOrganisationShowsLastAccessReview(t *testing.T) {
	td := newTestDesk(t)
	if body := td.get(reviewerEmail, "/organisations/FH3M8").Body.String(); !strings.Contains(body, "never sent") {
		t.Errorf("a site never reviewed: the page does not say so")
	}
	err := td.st.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.RecordAccessReview("FH3M8", store.ReviewPeriodic, 0, testNow.AddDate(0, 0, -3))
	})
	if err != nil {
		t.Fatal(err)
	}
	if body := td.get(reviewerEmail, "/organisations/FH3M8").Body.String(); !strings.Contains(body, "1 Mar 2026") ||
		strings.Contains(body, "never sent") {
		t.Errorf("the page does not show the review of 1 Mar 2026")
	}
}
