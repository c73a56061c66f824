package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

// cmdDryrun runs the whole pipeline over files against an in-memory copy of a directory.
func cmdDryrun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dryrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("directory", "", "folder holding organisations.csv and accounts.csv")
	nowFlag := fs.String("now", "", "fixed clock, RFC 3339 (default: the real time)")
	domainFlag := fs.String("domain", "nhs.net", "the NHSmail domain senders must be in")
	maxAge := fs.Duration("max-reply-age", 0, "hold replies to mail older than this (default: no backlog guard)")
	var trusted repeated
	fs.Var(&trusted, "trust-authserv", "authserv-id whose Authentication-Results count (repeatable)")
	if err := fs.Parse(args); err != nil {
		return exitBadArgs
	}
	if *dir == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "nasbot dryrun: need --directory DIR and at least one FILE.eml")
		return exitBadArgs
	}
	now := time.Now().UTC()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			fmt.Fprintf(stderr, "nasbot dryrun: --now %q is not RFC 3339 (2026-01-31T09:00:00Z)\n", *nowFlag)
			return exitBadArgs
		}
		now = t
	}
	ctx := context.Background()
	st, err := openDryrunStore(ctx, *dir)
	if err != nil {
		fmt.Fprintln(stderr, "nasbot dryrun:", err)
		return exitBadArgs
	}
	defer st.Close()
	renderer, err := templates.New("")
	if err != nil {
		fmt.Fprintln(stderr, "nasbot dryrun:", err)
		return exitFailed
	}
	cfg := pipeline.Config{Domain: *domainFlag, NASAddress: "requests@nas.test", MaxReplyAge: *maxAge,
		Verify: verify.Config{Domain: *domainFlag, TrustedAuthServIDs: trusted}}
	dry := pipeline.NewDryRun(st, cfg, renderer, now)
	enc := json.NewEncoder(stdout)
	status := exitOK
	for _, file := range fs.Args() {
		raw, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(stderr, "nasbot dryrun:", err)
			status = exitFailed
			continue
		}
		line, err := dry.Decide(ctx, filepath.Base(file), raw)
		if err != nil {
			fmt.Fprintln(stderr, "nasbot dryrun:", err)
			return exitFailed
		}
		if err := enc.Encode(line); err != nil {
			return exitFailed
		}
	}
	return status
}

// openDryrunStore is the embedded store, held in memory, loaded from the directory files.
func openDryrunStore(ctx context.Context, dir string) (*store.Store, error) {
	st, err := store.OpenMigrated(ctx, ":memory:")
	if err != nil {
		return nil, err
	}
	if err := importDirectory(ctx, st, dir); err != nil {
		st.Close()
		return nil, fmt.Errorf("directory: %w", err)
	}
	return st, nil
}
