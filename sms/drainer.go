package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"nasbot/domain"
	"nasbot/store"
)

// Queue is where the store keeps texts waiting to be sent, and the directory the number on
// record comes from.
type Queue interface {
	// PendingTexts returns up to limit texts due at now, oldest first.
	PendingTexts(ctx context.Context, limit int, now time.Time) ([]store.Text, error)
	// ClaimText takes a due text for one attempt until until; false when another sender has it.
	ClaimText(ctx context.Context, id int64, now, until time.Time) (bool, error)
	MarkTextSent(ctx context.Context, id int64, at time.Time) error
	// MarkTextFailed records a failed attempt; permanent ends it (and tells staff), else it
	// is tried again at retryAt.
	MarkTextFailed(ctx context.Context, id int64, cause string, permanent bool, now, retryAt time.Time) error
	// Account returns the account at an address or one of its aliases, or store.ErrNotFound.
	Account(ctx context.Context, address string) (domain.Account, error)
}

// DrainerConfig tunes the drainer; zero values take the defaults.
type DrainerConfig struct {
	Batch       int           // texts per round; default 20
	Tick        time.Duration // how often Run looks without a Wake; default 10s
	Lease       time.Duration // how long a claimed text is hidden from other senders; default 10m
	MaxAttempts int           // attempts before a text fails for good; default 8
}

// Retry policy for a text that failed for now (after the sender's own quick retries): 1 minute,
// doubling per attempt, at most 1 hour, until MaxAttempts (with the defaults, about 2 hours).
const (
	retryBase = time.Minute
	retryMax  = time.Hour
)

// Drainer sends the queued texts, at least once: each text is claimed for a lease before it is
// sent, so two bots never send the same text at once, and a bot that dies between sending and
// recording leaves the text to be sent again when the lease ends, with a new password (the user
// uses the latest). Failures for now are tried again later; a permanent failure, or MaxAttempts
// failures, end the text and put it in the staff queue (store.TextFailedReason).
type Drainer struct {
	cfg    DrainerConfig
	queue  Queue
	sender Texter
	log    *slog.Logger
	clock  func() time.Time
	wake   chan struct{}
}

// NewDrainer returns a drainer sending queue's texts with sender. log and clock may be nil.
func NewDrainer(cfg DrainerConfig, queue Queue, sender Texter, log *slog.Logger, clock func() time.Time) *Drainer {
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 10 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	return &Drainer{cfg: cfg, queue: queue, sender: sender, log: log.With(slog.String("component", "sms")),
		clock: clock, wake: make(chan struct{}, 1)}
}

// Wake makes Run look at the queue now (after a decision queued a text). It never blocks.
func (d *Drainer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run sends queued texts until ctx is done, then returns nil. A round that fails (the store is
// down) is logged and tried again at the next tick.
func (d *Drainer) Run(ctx context.Context) error {
	tick := time.NewTicker(d.cfg.Tick)
	defer tick.Stop()
	for {
		n, err := d.DrainOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.log.Warn("text round failed", slog.String("error", err.Error()))
		}
		if err == nil && n >= d.cfg.Batch {
			continue // probably more waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
		case <-tick.C:
		}
	}
}

// DrainOnce sends one batch of due texts and records each outcome. n counts the texts it
// attempted. err is non-nil only when the store failed.
func (d *Drainer) DrainOnce(ctx context.Context) (n int, err error) {
	now := d.clock()
	due, err := d.queue.PendingTexts(ctx, d.cfg.Batch, now)
	if err != nil {
		return 0, fmt.Errorf("sms: pending texts: %w", err)
	}
	var errs []error
	for _, t := range due {
		if ctx.Err() != nil {
			break
		}
		ok, err := d.queue.ClaimText(ctx, t.ID, now, now.Add(d.cfg.Lease))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue // another sender has it
		}
		n++
		if err := d.send(ctx, t); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// send makes the password, sends it to the number on record and records the outcome. The
// password exists only inside this call.
func (d *Drainer) send(ctx context.Context, t store.Text) error {
	attempt := t.Attempts + 1 // ClaimText counted this one
	log := d.log.With(slog.Int64("text_id", t.ID), slog.String("kind", t.Kind), slog.Int("attempt", attempt))
	// The outcome is recorded even if ctx ends mid-send: the text may have gone.
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	fail := func(cause string, permanent bool) error {
		now := d.clock()
		if attempt >= d.cfg.MaxAttempts {
			permanent = true
		}
		if permanent {
			log.Error("text not sent; staff are told", slog.String("error", cause))
		} else {
			log.Warn("text not sent; will try again", slog.String("error", cause))
		}
		return d.queue.MarkTextFailed(markCtx, t.ID, cause, permanent, now, now.Add(retryDelay(attempt)))
	}

	if t.Kind != store.TextTemporaryPassword {
		return fail(fmt.Sprintf("unknown text kind %q", t.Kind), true)
	}
	acct, err := d.queue.Account(ctx, t.Account)
	if errors.Is(err, store.ErrNotFound) {
		return fail("the account is no longer in the directory", true)
	}
	if err != nil {
		return fail("directory lookup failed: "+err.Error(), false)
	}
	mobile, ok := domain.NormaliseMobile(acct.Mobile)
	if !ok {
		return fail("the number on record is not a UK mobile ("+domain.MaskMobile(acct.Mobile)+")", true)
	}
	log = log.With(slog.String("mobile", domain.MaskMobile(mobile)))
	pw, err := TemporaryPassword(acct.Name)
	if err != nil {
		return fail("make password: "+err.Error(), false)
	}
	err = d.sender.Send(ctx, mobile, acct.Name, pw)
	if err != nil {
		return fail(scrub(err.Error(), pw, mobile), IsPermanent(err))
	}
	log.Info("text sent")
	return d.queue.MarkTextSent(markCtx, t.ID, d.clock())
}

// retryDelay is how long a text waits after its attempt-th attempt failed for now.
func retryDelay(attempt int) time.Duration {
	d := retryBase
	for i := 1; i < attempt && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}
