package service

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"nasbot/lifecycle"
	"nasbot/pipeline"
)

// LifecycleOff is NASBOT_LIFECYCLE_AT's value for "the bot never runs the lifecycle jobs"
// (run `nasbot lifecycle` from a timer instead).
const LifecycleOff = "off"

// lifecycleDaily runs the lifecycle jobs every day at NASBOT_LIFECYCLE_AT while this replica
// reads the inbox, so that one replica of several runs them. The jobs are idempotent and a
// missed day is caught up the next, so a replica that takes over late loses nothing.
func (b *Bot) lifecycleDaily(ctx context.Context) {
	if b.cfg.LifecycleAt == LifecycleOff {
		return
	}
	for {
		wait, err := untilDaily(time.Now(), b.cfg.LifecycleAt)
		if err != nil { // Validate refuses such a setting; say so rather than never run
			b.log.Error("lifecycle jobs not scheduled", slog.String("error", err.Error()))
			return
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		b.RunLifecycle(ctx)
	}
}

// RunLifecycle runs the jobs once (each logs what it did) and wakes the sender for the sites'
// notices they wrote to the outbox.
func (b *Bot) RunLifecycle(ctx context.Context) {
	runner := lifecycle.NewRunner(b.store, pipeline.NewNotifier(b.pipe), b.log).WithAccessReviews(b.cfg.AccessReviewEvery).
		WithDigest(b.cfg.Digest())
	if _, err := runner.Run(ctx, time.Now(), false); err != nil && ctx.Err() == nil {
		b.log.Error("lifecycle jobs failed; they run again tomorrow", slog.String("error", err.Error()))
	}
	b.sender.Wake()
}

// untilDaily is how long from now until the next hh:mm (24-hour clock) in now's time zone.
func untilDaily(now time.Time, hhmm string) (time.Duration, error) {
	at, err := time.Parse("15:04", hhmm)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day like 02:30", hhmm)
	}
	next := time.Date(now.Year(), now.Month(), now.Day(), at.Hour(), at.Minute(), 0, 0, now.Location())
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	return next.Sub(now), nil
}
