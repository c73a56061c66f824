package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"nasbot/domain"
	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

// dryrunOutput is one line of `nasbot dryrun` (docs/spec/dryrun.md): a contract read by outside tests.
type dryrunOutput struct {
	File      string                   `json:"file"`
	MessageID string                   `json:"message_id"`
	Verdict   domain.Verdict           `json:"verdict"`
	Reasons   []domain.Reason          `json:"reasons"`
	Sender    pipeline.Sender          `json:"sender"`
	Requests  []pipeline.RequestResult `json:"requests"`
	Reply     *dryrunReply             `json:"reply"`
}

type dryrunReply struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	// Held is set when a guard would hold the reply for staff, HeldBy naming it.
	Held   bool   `json:"held,omitempty"`
	HeldBy string `json:"held_by,omitempty"`
}

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
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := pipeline.New(st, cfg, renderer, log, func() time.Time { return now })

	enc := json.NewEncoder(stdout)
	status := exitOK
	for i, file := range fs.Args() {
		raw, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(stderr, "nasbot dryrun:", err)
			status = exitFailed
			continue
		}
		id, _, err := st.SaveInbound(ctx, domain.Inbound{Mailbox: "dryrun", UIDValidity: 1, UID: uint32(i + 1),
			Raw: raw, ReceivedAt: now})
		if err != nil {
			fmt.Fprintln(stderr, "nasbot dryrun:", err)
			return exitFailed
		}
		res, err := p.Process(ctx, id)
		if err != nil {
			fmt.Fprintln(stderr, "nasbot dryrun:", err)
			return exitFailed
		}
		out := dryrunOutput{File: filepath.Base(file), MessageID: res.MessageID, Verdict: res.Verdict,
			Reasons: res.Reasons, Sender: res.Sender, Requests: res.Requests}
		if len(res.Replies) > 0 {
			r := res.Replies[0]
			out.Reply = &dryrunReply{To: r.To, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
				Held: r.HeldBy != "", HeldBy: r.HeldBy}
		}
		if err := enc.Encode(out); err != nil {
			return exitFailed
		}
	}
	return status
}

// openDryrunStore is the embedded store, held in memory, loaded from the directory files.
func openDryrunStore(ctx context.Context, dir string) (*store.Store, error) {
	st, err := store.Open(ctx, ":memory:")
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := importDirectory(ctx, st, dir); err != nil {
		st.Close()
		return nil, fmt.Errorf("directory: %w", err)
	}
	return st, nil
}
