package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"nasbot/domain"
	"nasbot/store"
)

// cmdStats prints how the service is doing, the figures of the desk's statistics page, as text
// or JSON for scripts.
func cmdStats(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	days := fs.Int("days", 90, "how many days back to count")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *days <= 0 {
		fmt.Fprintln(stderr, "usage: nasbot stats [--days N] [--json]")
		return exitBadArgs
	}
	st, _, ok := configuredStore("stats", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	now := time.Now().UTC()
	s, err := st.Statistics(context.Background(), now.AddDate(0, 0, -*days), now)
	if err != nil {
		fmt.Fprintln(stderr, "nasbot stats:", err)
		return exitFailed
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return exitFailed
		}
		return exitOK
	}
	printStatistics(stdout, s)
	return exitOK
}

// printStatistics writes the figures for a person at a terminal.
func printStatistics(w io.Writer, s store.Statistics) {
	fmt.Fprintf(w, "From %s to %s\n\n", s.Since.Format("2 January 2006"), s.Until.Format("2 January 2006 15:04 UTC"))
	share := 0
	if s.Requests > 0 {
		share = s.Automatic * 100 / s.Requests
	}
	fmt.Fprintf(w, "Requests: %d, of which %d (%d%%) done with no staff involved\n", s.Requests, s.Automatic, share)
	fmt.Fprintf(w, "Emails: %d processed, %d unproven senders, %d unreadable, %d ignored\n",
		s.Messages[domain.Processed], s.Messages[domain.Unverified], s.Messages[domain.Unparseable], s.Messages[domain.Ignored])
	fmt.Fprintf(w, "Median time from an email arriving to its reply leaving: %s\n", roundDuration(s.MedianReply))
	fmt.Fprintf(w, "Median time from a case opening to a staff decision: %s\n\n", roundDuration(s.MedianDecision))

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tDONE\tNOT DONE\tPASSED TO STAFF")
	byType := map[domain.RequestType]map[domain.Outcome]int{}
	for _, d := range s.Days {
		if byType[d.Type] == nil {
			byType[d.Type] = map[domain.Outcome]int{}
		}
		byType[d.Type][d.Outcome] += d.N
	}
	types := make([]domain.RequestType, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	for _, t := range types {
		o := byType[t]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", domain.RequestName(t), o[domain.Done], o[domain.Rejected], o[domain.Review])
	}
	tw.Flush()

	fmt.Fprintln(w, "\nOpen cases by reason:")
	for _, r := range s.OpenByReason {
		fmt.Fprintf(w, "  %-24s %d\n", r.Reason, r.N)
	}
	fmt.Fprintln(w, "Open cases by age:")
	for _, a := range s.OpenByAge {
		fmt.Fprintf(w, "  %-24s %d\n", a.Band, a.N)
	}
	fmt.Fprintln(w, "Unproven senders a week:")
	for _, wk := range s.SpoofsByWeek {
		fmt.Fprintf(w, "  week of %s  %d\n", wk.Week, wk.N)
	}
	fmt.Fprintf(w, "Sites with %d or more of their %d accounts in use:\n", store.NearLimitFrom, domain.MaxSiteAccounts)
	for _, site := range s.NearLimit {
		fmt.Fprintf(w, "  %-8s %-32s %d\n", site.ODS, site.Name, site.Accounts)
	}
}

// roundDuration shows a duration to the second, or "none yet".
func roundDuration(d time.Duration) string {
	if d == 0 {
		return "none yet"
	}
	return d.Round(time.Second).String()
}
