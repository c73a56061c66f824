package lifecycle

import (
	"fmt"
	"io"
	"nasbot/domain"
	"strings"
	"time"
)

// summaryWords says what each kind of effect did, for the summary, in the order it prints them
// (lifecycle.Kinds).
var summaryWords = []struct {
	kind  domain.Effect
	words string
}{
	{domain.DeleteAccount{}, "accounts deleted"},
	{domain.ScheduleDeletion{}, "leaver deletions scheduled"},
	{domain.MarkInactive{}, "accounts marked inactive"},
	{domain.Reactivate{}, "accounts active again"},
	{domain.ReportToStaff{}, "reports to NAS staff"},
	{domain.NotifySite{}, "sites told"},
	{domain.SendAccessReview{}, "access reviews sent"},
	{domain.SendDigest{}, "digests sent to staff"},
}

// WriteSummary writes what a run did for a person at a terminal: one line per job with its
// counts, then with verbose one line per effect (addresses: personal data).
func WriteSummary(w io.Writer, results []Result, now time.Time, dryRun, verbose bool) {
	head := "lifecycle at " + now.Format(time.RFC3339)
	if dryRun {
		head += " (dry run: nothing was changed; counts are what would be done)"
	}
	fmt.Fprintln(w, head)
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(w, "%s: failed, nothing of it was changed (the error follows on stderr)\n", r.Job)
			continue
		}
		var parts []string
		for _, k := range summaryWords {
			if n := Count(r.Done(), k.kind); n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, k.words))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "nothing to do")
		}
		if skipped := len(r.Decided) - len(r.Applied); !dryRun && skipped > 0 {
			parts = append(parts, fmt.Sprintf("%d left alone (changed meanwhile)", skipped))
		}
		fmt.Fprintf(w, "%s: %s\n", r.Job, strings.Join(parts, ", "))
		if verbose {
			for _, e := range r.Done() {
				s := Summarize(e)
				fmt.Fprintf(w, "  %s %s: %s\n", s.What(), s.Subject(), s.Detail)
			}
		}
	}
}
