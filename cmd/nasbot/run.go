package main

import (
	"nasbot/service"

	"github.com/caarlos0/env/v11"

	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// cmdRun is the production bot: IMAP intake, the decision worker and the SMTP outbox, until
// SIGINT or SIGTERM.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig()
	if err == nil {
		err = cfg.Validate(true)
	}
	if err != nil {
		fmt.Fprintln(stderr, "nasbot run:", err)
		return exitBadArgs
	}
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := openStore(ctx, cfg)
	if err != nil {
		log.Error("cannot open the database", slog.String("error", err.Error()))
		return exitFailed
	}
	defer st.Close()
	b, err := service.New(cfg, st, log)
	if err != nil {
		log.Error("bad configuration", slog.String("error", err.Error()))
		return exitBadArgs
	}
	if err := b.Run(ctx); err != nil {
		log.Error("stopped", slog.String("error", err.Error()))
		return exitFailed
	}
	log.Info("stopped")
	return exitOK
}

// loadConfig reads the environment, the only place that does. It does not validate: commands
// check what they use.
func loadConfig() (service.Config, error) {
	var c service.Config
	if err := env.ParseWithOptions(&c, env.Options{Prefix: "NASBOT_"}); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, nil
}
