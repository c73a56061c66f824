package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"nasbot/internal/demo"
)

// cmdDemo runs the real poller, pipeline and outbox against in-process IMAP and SMTP servers,
// an embedded SQLite file and a sample inbox, and prints what happened to each message.
func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	once := fs.Bool("once", false, "exit when the sample inbox is done (for scripts)")
	verbose := fs.Bool("v", false, "show the bot's log")
	if err := fs.Parse(args); err != nil {
		return exitBadArgs
	}
	logOut := io.Discard
	if *verbose {
		logOut = stderr
	}
	log := newLogger(logOut, "text", "info")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := loadConfig()
	if err == nil {
		err = demo.Run(ctx, cfg, *once, stdout, log)
	}
	if err != nil {
		fmt.Fprintln(stderr, "nasbot demo:", err)
		return exitFailed
	}
	return exitOK
}
