package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

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
	lifecycle.WriteSummary(stdout, results, now, *dryRun, *verbose)
	if err != nil {
		fmt.Fprintln(stderr, "nasbot lifecycle:", err)
		return exitFailed
	}
	return exitOK
}
