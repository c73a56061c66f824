// Command nasbot does the routine work of the NHSmail National Administration Service desk:
// it reads request emails, proves who sent them, applies the NAS rules and answers.
// This file only dispatches to the subcommands; each lives in its own file.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"nasbot/internal/logmask"
)

const usage = `nasbot: the NHSmail NAS request bot

usage:
  nasbot run                      poll the NAS inbox, decide requests, send replies (config: NASBOT_* env)
  nasbot demo [--once]            the whole bot on a sample inbox, with nothing to install
  nasbot dryrun --directory DIR [--now T] [--trust-authserv ID]... [--domain D] FILE.eml...
  nasbot parse [--json] FILE.eml  show what the parser understood
  nasbot migrate                  bring the database schema up to date
  nasbot directory import|export DIR   load or write organisations.csv and accounts.csv
  nasbot templates check [--dir DIR]   render every reply template with example data
  nasbot staff add EMAIL --role reviewer|admin [--name N] [--sso-only]   (password on stdin)
  nasbot staff list|disable|enable     NAS staff who may use the desk
  nasbot queue list|show ID|approve ID --as EMAIL --reason T|refuse ID --as EMAIL --reason T
  nasbot lifecycle [--now T] [--dry-run] [--verbose]   leavers, inactive accounts, dormant mailboxes
  nasbot stats [--days N] [--json]     how the service is doing: requests, cases, reply times, spoofs
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailed  = 1
	exitBadArgs = 2
)

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadArgs
	}
	// Help is asked for, not an error: it goes to stdout, exits 0 and runs nothing (not even
	// the configuration check of "run").
	if isHelp(args[0]) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if wantsHelp(args[1:]) {
		fmt.Fprint(stdout, commandUsage(args[0]))
		return exitOK
	}
	commands := map[string]func([]string, io.Writer, io.Writer) int{
		"run":       cmdRun,
		"demo":      cmdDemo,
		"dryrun":    cmdDryrun,
		"parse":     cmdParse,
		"migrate":   cmdMigrate,
		"directory": cmdDirectory,
		"templates": cmdTemplates,
		"staff":     cmdStaff,
		"queue":     cmdQueue,
		"lifecycle": cmdLifecycle,
		"stats":     cmdStats,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nasbot: unknown command %q (nasbot --help lists them)\n\n", args[0])
		fmt.Fprint(stderr, usage)
		return exitBadArgs
	}
	return cmd(args[1:], stdout, stderr)
}

func isHelp(a string) bool { return a == "help" || a == "-h" || a == "--help" || a == "-help" }

// wantsHelp reports whether a command's arguments ask for its help (before any "--").
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "--help" || a == "-help" {
			return true
		}
	}
	return false
}

// commandUsage is one command's help: its own usage text where it has one, else its lines of
// the general usage.
func commandUsage(name string) string {
	if u, ok := map[string]string{"queue": queueUsage}[name]; ok {
		return u
	}
	var lines []string
	for _, l := range strings.Split(usage, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "nasbot "+name+" ") || strings.TrimSpace(l) == "nasbot "+name {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return usage
	}
	return "usage:\n" + strings.Join(lines, "\n") + "\n"
}

// newLogger builds the one logger of the process, text or JSON, chosen here only.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(logmask.New(h)) // no mobile number reaches a log line

}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }
