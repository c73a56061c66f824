package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/templates"
)

const queueUsage = `usage:
  nasbot queue list [--reason R] [--sector S] [--ods CODE] [--state open|closed|all] [--search TEXT] [--limit N]
  nasbot queue show ID|NAS-000123     a case by its number, or every case of a message by its reference
  nasbot queue approve ID --as STAFF_EMAIL --reason TEXT
  nasbot queue refuse ID --as STAFF_EMAIL --reason TEXT
`

// cmdQueue works the staff queue from the command line, through the same desk as the web page.
func cmdQueue(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, queueUsage)
		return exitBadArgs
	}
	switch args[0] {
	case "list":
		return queueList(args[1:], stdout, stderr)
	case "show":
		if len(args) != 2 {
			break
		}
		if ref, ok := store.ParseTag(args[1]); ok {
			return queueShowMessage(ref, stdout, stderr)
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "nasbot queue show: %q is neither a case number nor a NAS reference (NAS-000123)\n", args[1])
			return exitBadArgs
		}
		return queueShow(id, stdout, stderr)
	case "approve", "refuse":
		return queueDecide(args[0], args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, queueUsage)
	return exitBadArgs
}

func queueList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("queue list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f store.QueueFilter
	fs.StringVar(&f.Reason, "reason", "", "only this reason, e.g. site_account_limit")
	fs.StringVar(&f.Sector, "sector", "", "only this sector")
	fs.StringVar(&f.ODS, "ods", "", "only cases about this ODS code")
	fs.StringVar(&f.State, "state", "open", "open, closed or all")
	fs.StringVar(&f.Search, "search", "", "a reference (NAS-000123, or case 12 when no message caused it), ODS code or address")
	fs.IntVar(&f.Limit, "limit", 50, "at most this many")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		fmt.Fprint(stderr, queueUsage)
		return exitBadArgs
	}
	st, _, ok := configuredStore("queue", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	items, err := st.Queue(context.Background(), f)
	if err != nil {
		fmt.Fprintln(stderr, "nasbot queue list:", err)
		return exitFailed
	}
	now := time.Now()
	fmt.Fprintf(stdout, "%-6s %-10s %-6s %-20s %-7s %-8s %-40s %s\n", "CASE", "REF", "STATE", "REASON", "ODS", "WAITING", "REQUEST", "ASSIGNEE")
	for _, it := range items {
		req := strings.TrimSpace(it.RequestType + " " + it.Account)
		switch {
		case !it.HasMessage():
			req = strings.TrimSpace("(no message) " + it.Account)
		case req == "":
			req = "(whole message) " + it.Sender
		}
		fmt.Fprintf(stdout, "%-6d %-10s %-6s %-20s %-7s %-8s %-40s %s\n", it.ID, it.Tag(), it.State, it.Reason, it.ODS,
			shortAge(now.Sub(it.CreatedAt)), req, it.Assignee)
	}
	if len(items) == 0 {
		fmt.Fprintln(stdout, "(no case)")
	}
	return exitOK
}

func shortAge(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// queueShow prints one case: why it stopped, the requests, the proof, the replies and history
// (only the first and last for a case no message caused).
func queueShow(id int64, stdout, stderr io.Writer) int {
	st, _, ok := configuredStore("queue", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	ctx := context.Background()
	err := showCase(ctx, st, id, stdout)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(stderr, "nasbot queue show: no case %d\n", id)
		return exitFailed
	} else if err != nil {
		fmt.Fprintln(stderr, "nasbot queue show:", err)
		return exitFailed
	}
	return exitOK
}

// queueShowMessage prints every case of the message a NAS reference names.
func queueShowMessage(ref int64, stdout, stderr io.Writer) int {
	st, _, ok := configuredStore("queue", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	ctx := context.Background()
	tag := store.Tag(ref)
	if _, err := st.Message(ctx, ref); errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(stderr, "nasbot queue show: no message %s\n", tag)
		return exitFailed
	} else if err != nil {
		fmt.Fprintln(stderr, "nasbot queue show:", err)
		return exitFailed
	}
	cases, err := st.MessageExceptions(ctx, ref)
	if err != nil {
		fmt.Fprintln(stderr, "nasbot queue show:", err)
		return exitFailed
	}
	if len(cases) == 0 {
		fmt.Fprintf(stdout, "%s has no case: the bot decided it on its own (the desk shows it at /messages/%s)\n", tag, tag)
		return exitOK
	}
	for i, c := range cases {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := showCase(ctx, st, c.ID, stdout); err != nil {
			fmt.Fprintln(stderr, "nasbot queue show:", err)
			return exitFailed
		}
	}
	return exitOK
}

// showCase prints one case from its case file, the facts the desk's page shows: why it stopped,
// the message's proof, requests and replies, and the history.
func showCase(ctx context.Context, st *store.Store, id int64, out io.Writer) error {
	f, err := st.CaseFile(ctx, id)
	if err != nil {
		return err
	}
	exc := f.Case
	ref := exc.Tag()
	if f.Message == nil {
		ref = "(no message)"
	}
	fmt.Fprintf(out, "case %d  %s  %s  (%s)\n", exc.ID, ref, exc.Reason, exc.State)
	if exc.Assignee != "" {
		fmt.Fprintf(out, "assigned to %s\n", exc.Assignee)
	}
	if exc.Detail != "" {
		fmt.Fprintf(out, "detail:   %s\n", exc.Detail)
	}
	site := exc.ODS
	if exc.OrgName != "" {
		site = fmt.Sprintf("%s, %s (%s, %s)", exc.OrgName, exc.Town, exc.ODS, exc.Sector)
	}
	if f.Message != nil {
		showMessage(f, site, out)
	} else {
		// A lifecycle report or a failed text: no message, requests or replies to show.
		fmt.Fprintf(out, "site:     %s\n", site)
		if exc.Account != "" {
			fmt.Fprintf(out, "account:  %s\n", exc.Account)
		}
		fmt.Fprintf(out, "opened:   %s (no message caused it)\n", exc.CreatedAt.UTC().Format(time.RFC3339))
	}
	for _, h := range f.History {
		fmt.Fprintf(out, "%s  %s %s %s\n", h.At.UTC().Format(time.RFC3339), h.Actor, h.Action, h.Detail)
	}
	return nil
}

// showMessage prints the message a case is about: its sender, proof, requests and replies.
func showMessage(f store.CaseFile, site string, out io.Writer) {
	m, exc := f.Message, f.Case
	fmt.Fprintf(out, "from:     %s  %s\nsubject:  %q\nreceived: %s  verdict %s\n", m.Sender, site, m.Subject,
		m.ReceivedAt.UTC().Format(time.RFC3339), m.Verdict)
	var proof domain.Verification
	if json.Unmarshal([]byte(m.Verification), &proof) == nil {
		fmt.Fprintf(out, "proof:    verified=%v %s", proof.Verified, proof.Evidence)
		if proof.Failure != "" {
			fmt.Fprintf(out, " (failure: %s)", proof.Failure)
		}
		fmt.Fprintln(out)
	}
	for _, r := range f.Requests {
		mark := " "
		if exc.RequestRef != nil && *exc.RequestRef == r.ID {
			mark = "*"
		}
		fmt.Fprintf(out, "%s request %d: %s %s [%s] %s\n", mark, r.Seq, r.Type, r.Outcome, r.Reasons, r.Account)
		if r.Summary != "" {
			fmt.Fprintf(out, "    %s\n", r.Summary)
		}
		fmt.Fprintf(out, "    fields %s\n", r.Fields)
	}
	for _, r := range f.Replies {
		fmt.Fprintf(out, "reply %d to %s: %s (%s)\n", r.ID, r.To, r.Subject, r.State)
	}
}

// queueDecide approves or refuses a case as a named staff member, through the same desk (and
// so the same handlers, transaction, audit and outbox) as the web page.
func queueDecide(verb string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("queue "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	as := fs.String("as", "", "the staff member deciding (an active staff address)")
	reason := fs.String("reason", "", "why: kept in the history and quoted to the sender")
	idArg, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return exitBadArgs
	}
	if idArg == "" && fs.NArg() == 1 {
		idArg = fs.Arg(0)
	}
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || *as == "" || strings.TrimSpace(*reason) == "" {
		fmt.Fprint(stderr, queueUsage)
		return exitBadArgs
	}
	st, cfg, ok := configuredStore("queue", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	ctx := context.Background()
	staff, err := st.StaffMember(ctx, *as)
	if err != nil || staff.Status != store.StaffActive {
		fmt.Fprintf(stderr, "nasbot queue %s: %s is not an active staff member (nasbot staff add)\n", verb, *as)
		return exitBadArgs
	}
	renderer, err := templates.New(cfg.TemplatesDir)
	if err != nil {
		fmt.Fprintf(stderr, "nasbot queue %s: %v\n", verb, err)
		return exitFailed
	}
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	desk := pipeline.NewDesk(pipeline.New(st, cfg.Pipeline(), renderer, log, time.Now))
	decide := desk.Refuse
	if verb == "approve" {
		decide = desk.Approve
	}
	exc, err := st.Exception(ctx, id)
	if err == nil {
		err = decide(ctx, id, staff.Email, strings.TrimSpace(*reason))
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		fmt.Fprintf(stderr, "nasbot queue %s: no case %d\n", verb, id)
		return exitFailed
	case err != nil:
		fmt.Fprintf(stderr, "nasbot queue %s: %v\n", verb, err)
		return exitFailed
	case !exc.HasMessage():
		fmt.Fprintf(stdout, "case %d closed; nobody is sent a reply\n", id)
	default:
		fmt.Fprintf(stdout, "case %d %sd; the reply waits in the outbox\n", id, verb)
	}
	return exitOK
}
