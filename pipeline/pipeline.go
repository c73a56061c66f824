// Package pipeline takes one stored message the whole way: parse, ignore what must not be
// answered, verify the sender, decide each request with the handlers, and record the outcome,
// the directory changes, the staff exceptions and the reply in one transaction.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"nasbot/domain"
	"nasbot/parser"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

// Config is what the pipeline needs to know; cmd fills it from the environment or flags.
type Config struct {
	// Domain is the NHSmail domain ("nhs.net"): senders must be in it, new addresses are made in it.
	Domain string
	// NASAddress is the address replies come from (the NAS inbox), e.g. requests@nas.test.
	NASAddress string
	Verify     verify.Config
	Parse      parser.Options
	// MaxReplyAge holds replies to mail older than this for staff (backlog guard); 0: never.
	MaxReplyAge time.Duration
	// GuideURL is where the request format guide lives, quoted in replies that teach it.
	GuideURL string
	// RepliesPerHour caps the replies to one address in an hour; past it one notice goes, and
	// the rest wait for staff (a mail loop with a broken auto-responder ends there). 0: 20.
	RepliesPerHour int
	// RepliesPerMinute is the circuit breaker: past it no reply goes out until staff look.
	// 0: 300.
	RepliesPerMinute int
}

// Sender kinds of the dryrun contract.
const (
	SenderSharedMailbox = "shared_mailbox"
	SenderAccount       = "account"
	SenderUnknown       = "unknown"
)

// Pipeline decides stored messages.
type Pipeline struct {
	store     *store.Store
	cfg       Config
	templates *templates.Renderer
	log       *slog.Logger
	now       func() time.Time
	observer  Observer
}

// Observer is told about each decided message (metrics). Outcomes are (type, outcome) pairs.
type Observer interface {
	Decided(verdict string, outcomes [][2]string, took time.Duration)
}

// Observe makes the pipeline report each decided message to o.
func (p *Pipeline) Observe(o Observer) { p.observer = o }

// New builds a pipeline; now is the clock (time.Now in production, fixed in dryrun and tests).
func New(s *store.Store, cfg Config, r *templates.Renderer, log *slog.Logger, now func() time.Time) *Pipeline {
	if cfg.Domain == "" {
		cfg.Domain = "nhs.net"
	}
	if cfg.RepliesPerHour <= 0 {
		cfg.RepliesPerHour = 20
	}
	if cfg.RepliesPerMinute <= 0 {
		cfg.RepliesPerMinute = 300
	}
	if cfg.Verify.Domain == "" {
		cfg.Verify.Domain = cfg.Domain
	}
	return &Pipeline{store: s, cfg: cfg, templates: r, log: log, now: now}
}

// Sender is who a message came from, as far as the directory and the proof tell.
type Sender struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	ODS     string `json:"ods,omitempty"`
}

// RequestResult is one request's outcome.
type RequestResult struct {
	Type    domain.RequestType `json:"type"`
	Line    int                `json:"line"`
	Row     int                `json:"row,omitempty"`
	Outcome domain.Outcome     `json:"outcome"`
	Reasons []domain.Reason    `json:"reasons"`
	Field   string             `json:"field,omitempty"`
	Account string             `json:"account,omitempty"`
	Summary string             `json:"-"`
	Listing *domain.Listing    `json:"-"` // list_accounts: what the reply lists
}

// Result is what became of one message.
type Result struct {
	ID        int64             `json:"-"`
	Tag       string            `json:"-"`
	MessageID string            `json:"message_id"`
	Verdict   domain.Verdict    `json:"verdict"`
	Reasons   []domain.Reason   `json:"reasons"`
	Sender    Sender            `json:"sender"`
	Requests  []RequestResult   `json:"requests"`
	Replies   []domain.Outgoing `json:"-"`
}

// maxAttempts bounds how often a message is decided again after a unique-constraint conflict.
const maxAttempts = 5

// ProcessPending decides every stored message not yet decided, oldest first, and returns how
// many it decided; each (may be nil) runs after each one, so that its reply can go at once.
// Messages another worker holds are left to it. When ctx ends it finishes the message in hand
// (its transaction is not cut short) and stops before the next.
func (p *Pipeline) ProcessPending(ctx context.Context, each func()) (int, error) {
	n := 0
	for {
		// Read whole, in batches: a message is never changed once stored but for its decision,
		// which the claim checks again under lock.
		ms, err := p.store.UndecidedMessageRows(ctx, 25)
		if err != nil || len(ms) == 0 {
			return n, err
		}
		decided := 0
		for _, m := range ms {
			if ctx.Err() != nil {
				return n, nil
			}
			_, err := p.process(context.WithoutCancel(ctx), m)
			switch {
			case errors.Is(err, store.ErrAlreadyDecided):
			case err != nil:
				return n, err
			default:
				decided++
				if each != nil {
					each()
				}
			}
		}
		n += decided
		if decided == 0 {
			return n, nil // all held by other workers: they will finish them
		}
	}
}

// Process decides one stored message. Everything it changes commits in one transaction.
func (p *Pipeline) Process(ctx context.Context, id int64) (Result, error) {
	m, err := p.store.Message(ctx, id)
	if err != nil {
		return Result{}, fmt.Errorf("pipeline: load message %d: %w", id, err)
	}
	return p.process(ctx, m)
}

// process decides one stored message as read from the ledger.
func (p *Pipeline) process(ctx context.Context, m store.StoredMessage) (Result, error) {
	id := m.ID
	started, t0 := p.now(), time.Now() // the rules' clock; the wall clock for timing
	msg := parser.Parse(m.Raw, p.cfg.Parse)
	// Proof is taken before the transaction opens: a DKIM key lookup may wait on DNS, and must
	// not hold the site's row lock meanwhile. Only its result goes in.
	proof, err := verify.Verify(&msg.Envelope, m.Raw, senderLinks{ctx, p.store}, p.cfg.Verify)
	if err != nil {
		return Result{}, fmt.Errorf("pipeline: verify message %d: %w", id, err)
	}
	var res Result
	// A unique mobile or address taken by a concurrent decision fails the transaction; deciding
	// again sees it and gives the right reason (mobile_in_use, the next free address).
	for attempt := 1; ; attempt++ {
		err = p.store.InTx(ctx, func(tx *store.Tx) error {
			// Claimed, and checked for an earlier copy, in one round trip.
			ok, seen, err := tx.ClaimUnseen(id, msg.Envelope.MessageID, m.SHA256, proof.Signatures)
			if err != nil {
				return err
			} else if !ok {
				return store.ErrAlreadyDecided // decided, or being decided, by another worker
			}
			w := &work{p: p, tx: tx, stored: m, msg: msg, proof: proof, now: started, seen: seen}
			res, err = w.decide()
			return err
		})
		if !store.IsConflict(err) || attempt == maxAttempts {
			break
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("pipeline: message %d: %w", id, err)
	}
	took := time.Since(t0)
	if p.observer != nil {
		outcomes := make([][2]string, len(res.Requests))
		for i, r := range res.Requests {
			outcomes[i] = [2]string{string(r.Type), string(r.Outcome)}
		}
		p.observer.Decided(string(res.Verdict), outcomes, took)
	}
	p.log.Info("message decided", slog.String("tag", res.Tag), slog.String("verdict", string(res.Verdict)),
		slog.Int("requests", len(res.Requests)), slog.String("sender_kind", res.Sender.Kind),
		slog.String("ods", res.Sender.ODS), slog.Duration("took", took))
	return res, nil
}

// senderLinks answers verification's one directory question (is the Sender linked to the From
// mailbox?) from the store, outside the decision's transaction.
type senderLinks struct {
	ctx   context.Context
	store *store.Store
}

func (l senderLinks) LinkedToMailbox(account, mailbox string) (bool, error) {
	return l.store.LinkedToMailbox(l.ctx, account, mailbox)
}

func verificationJSON(v domain.Verification) string {
	b, _ := json.Marshal(v)
	return string(b)
}
