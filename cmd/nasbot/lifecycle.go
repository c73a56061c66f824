package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"nasbot/domain"
	"nasbot/lifecycle"
	"nasbot/pipeline"
	"nasbot/templates"
)

// cmdLifecycle runs the lifecycle jobs once (leavers, inactivity, dormant mailboxes, then the
// sites' notices, which the bot's sender delivers from the outbox) and prints what they did, as
// counts. Run it daily from cron or a systemd timer; every job is idempotent.
// Addresses are personal data: they are printed only with --verbose.
func cmdLifecycle(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lifecycle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nowFlag := fs.String("now", "", "the time the jobs run at, RFC 3339 (default: the real time)")
	dryRun := fs.Bool("dry-run", false, "decide and print, change nothing")
	verbose := fs.Bool("verbose", false, "print every action with its address or site (personal data)")
	if err := fs.Parse(args); err != nil {
		return exitBadArgs
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: nasbot lifecycle [--now RFC3339] [--dry-run] [--verbose]")
		return exitBadArgs
	}
	now := time.Now().UTC()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			fmt.Fprintf(stderr, "nasbot lifecycle: --now %q is not RFC 3339 (2026-01-31T09:00:00Z)\n", *nowFlag)
			return exitBadArgs
		}
		now = t.UTC()
	}
	st, cfg, ok := configuredStore("lifecycle", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	renderer, err := templates.New(cfg.TemplatesDir)
	if err != nil {
		fmt.Fprintln(stderr, "nasbot lifecycle:", err)
		return exitFailed
	}
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	notices := pipeline.NewNotifier(pipeline.New(st, cfg.Pipeline(), renderer, log, time.Now))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	results, err := lifecycle.NewRunner(st, notices, log).WithAccessReviews(cfg.AccessReviewEvery).
		WithDigest(cfg.Digest()).Run(ctx, now, *dryRun)
	printLifecycle(stdout, results, now, *dryRun, *verbose)
	if err != nil {
		fmt.Fprintln(stderr, "nasbot lifecycle:", err)
		return exitFailed
	}
	return exitOK
}

// lifecycleWords says what each kind of effect did, for the summary, in the order it prints them
// (lifecycle.Kinds).
var lifecycleWords = []struct {
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

// printLifecycle writes one line per job with its counts, then with verbose one line per effect.
func printLifecycle(w io.Writer, results []lifecycle.Result, now time.Time, dryRun, verbose bool) {
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
		for _, k := range lifecycleWords {
			if n := lifecycle.Count(r.Done(), k.kind); n > 0 {
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
				s := lifecycle.Summarize(e)
				fmt.Fprintf(w, "  %s %s: %s\n", s.What(), s.Subject(), s.Detail)
			}
		}
	}
}
