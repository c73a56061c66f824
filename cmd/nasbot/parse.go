package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"nasbot/domain"
	"nasbot/parser"
)

// cmdParse shows what the parser understood of one mail, so staff can see why it was read so.
func cmdParse(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the parsed message as JSON")
	if err := fs.Parse(args); err != nil {
		return exitBadArgs
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: nasbot parse [--json] FILE.eml")
		return exitBadArgs
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "nasbot parse:", err)
		return exitFailed
	}
	msg := parser.Parse(raw, parser.Options{})
	if len(msg.Envelope.Headers) == 0 {
		fmt.Fprintf(stderr, "nasbot parse: %s does not look like an email (no header fields): give a saved .eml file\n", fs.Arg(0))
		return exitFailed
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(msg)
		return exitOK
	}
	printParsed(stdout, msg)
	return exitOK
}

func printParsed(w io.Writer, m *domain.Message) {
	env := &m.Envelope
	date := "(none, or not readable)"
	if !env.Date.IsZero() {
		date = env.Date.Format("2006-01-02 15:04 MST")
	}
	fmt.Fprintf(w, "Message-ID: %s\nSubject:    %s\nDate:       %s\n", env.MessageID, env.Subject, date)
	for _, f := range env.From {
		fmt.Fprintf(w, "From:       %s (name %q)\n", f.Address, f.Name)
	}
	if m.Refusal != "" {
		fmt.Fprintf(w, "Refused:    %s\n", m.Refusal)
	}
	if m.RequestedBy != nil {
		fmt.Fprintf(w, "Requested by: %s (%s)\n", m.RequestedBy.Name, m.RequestedBy.Address)
	}
	fmt.Fprintf(w, "\n%d request(s)\n", len(m.Requests))
	for i, r := range m.Requests {
		where := fmt.Sprintf("line %d", r.Line)
		if r.Row > 0 {
			where = fmt.Sprintf("CSV row %d", r.Row)
		}
		fmt.Fprintf(w, "\n%d. %s (%q, %s)\n", i+1, r.Type, r.Word, where)
		fields, _ := json.Marshal(r)
		var kv map[string]any
		json.Unmarshal(fields, &kv)
		for _, k := range []string{"name", "mobile", "email", "account", "linked", "role", "leaving_profession",
			"new_name", "ods", "sector", "organisation_name", "town", "close_reason"} {
			if v, ok := kv[k]; ok {
				if k == "mobile" {
					v = domain.MaskMobile(fmt.Sprint(v))
				}
				fmt.Fprintf(w, "   %-18s %v\n", k+":", v)
			}
		}
		for _, p := range r.Problems {
			fmt.Fprintf(w, "   problem: %s %s: %s\n", p.Reason, p.Field, p.Detail)
		}
		if len(r.Unused) > 0 {
			fmt.Fprintf(w, "   not used: %s\n", strings.Join(r.Unused, ", "))
		}
	}
	if len(m.Unrecognised) > 0 {
		fmt.Fprintln(w, "\nLines not understood:")
		for _, l := range m.Unrecognised {
			fmt.Fprintf(w, "   %s\n", l)
		}
	}
}
