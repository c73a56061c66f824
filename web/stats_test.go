package web

import (
	"net/http"
	"strings"
	"testing"
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
