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
		if args[0] != "help" && args[0] != "-h" && args[0] != "--help" {
			fmt.Fprintf(stderr, "nasbot: unknown command %q\n\n", args[0])
		}
		fmt.Fprint(stderr, usage)
		return exitBadArgs
	}
	return cmd(args[1:], stdout, stderr)
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
