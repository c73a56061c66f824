package pipeline

import (
	"context"
	"log/slog"
	"time"
)

// Worker decides stored messages as they arrive: Wake after each store, and a tick as a safety
// net (and to pick up what a crash left undecided).
type Worker struct {
	p         *Pipeline
	wake      chan struct{}
	tick      time.Duration
	onDecided func() // e.g. wake the outbox sender
}

// NewWorker returns a worker; onDecided (may be nil) runs after each message it decides.
func NewWorker(p *Pipeline, tick time.Duration, onDecided func()) *Worker {
	if tick <= 0 {
		tick = 5 * time.Second
	}
	return &Worker{p: p, wake: make(chan struct{}, 1), tick: tick, onDecided: onDecided}
}

// Wake makes Run look for undecided messages now. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run decides messages until ctx is done. A failing message is logged and retried next round;
// it never stops the worker.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for {
		_, err := w.p.ProcessPending(ctx, w.onDecided)
		if err != nil && ctx.Err() == nil {
			w.p.log.Error("deciding messages failed; will retry", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-t.C:
		}
	}
}
