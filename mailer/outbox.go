package mailer

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"nasbot/domain"
)

// Outbox is where the store keeps replies waiting to be sent.
type Outbox interface {
	// PendingReplies returns up to limit replies due for sending at now, oldest first.
	PendingReplies(ctx context.Context, limit int, now time.Time) ([]domain.Outgoing, error)
	MarkSent(ctx context.Context, id int64, serverAnswer string, at time.Time) error
	// MarkFailed records a failed attempt; permanent parks it for staff, else it is retried at retryAt.
	MarkFailed(ctx context.Context, id int64, cause string, permanent bool, retryAt time.Time) error
}

// SMTPConfig says where replies are submitted.
type SMTPConfig struct {
	// URL is smtp://user:pass@host:port (STARTTLS when offered; ?tls=none never, ?tls=starttls
	// required) or smtps://user:pass@host:port (implicit TLS). See ParseSMTPURL.
	URL string
	// TLSConfig is used for STARTTLS and smtps; nil means the system roots and the URL's host.
	TLSConfig *tls.Config
	// OAuth2 (may be nil) logs in with a bearer token (SASL XOAUTH2 or OAUTHBEARER) instead of
	// the URL's user and password, which are then ignored; a token is asked for at every
	// connection. See oauth.go.
	OAuth2 *OAuth2Auth
	// HeloName is the EHLO name; empty means the machine's host name.
	HeloName string
	// BatchSize is how many replies one round claims and sends at most. Default 250: a batch
	// must finish well inside the store's one-minute claim on its replies.
	BatchSize int
	// Tick is how often Run looks at the outbox without a Wake. Default 5s.
	Tick time.Duration
	// Observe (may be nil) is told after each round that had replies due: how many the server
	// accepted, the round's error, and how long it took (metrics).
	Observe func(sent int, err error, took time.Duration)
	// Retry is when a reply that could not be sent is tried again; zero fields take
	// DefaultRetry's.
	Retry RetryPolicy
}

// RetryPolicy is when an unsent reply is tried again. A reply the server refused for now (4xx)
// waits Delay(attempts): First, doubling per attempt up to Max; it is never parked
// automatically (staff see the attempts). After a connection failure every reply of the batch
// waits AfterOutage only, whatever its attempts, so that replies go out soon after a relay
// outage ends; Run's own back-off keeps the reconnects apart meanwhile.
type RetryPolicy struct {
	First, Max, AfterOutage time.Duration
}

// DefaultRetry is the production policy: 1 min doubling to 1 h, and 1 min after an outage.
var DefaultRetry = RetryPolicy{First: time.Minute, Max: time.Hour, AfterOutage: time.Minute}

// orDefault fills the zero fields from DefaultRetry.
func (p RetryPolicy) orDefault() RetryPolicy {
	return RetryPolicy{First: cmp.Or(p.First, DefaultRetry.First), Max: cmp.Or(p.Max, DefaultRetry.Max),
		AfterOutage: cmp.Or(p.AfterOutage, DefaultRetry.AfterOutage)}
}

// Delay is how long a reply waits after a refused attempt, given how many attempts it had
// before: First, 2×First, 4×First, … capped at Max.
func (p RetryPolicy) Delay(attempts int) time.Duration {
	d := p.First
	for i := 0; i < attempts && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// Run keeps its SMTP connection between rounds, so that a reply decided while the bot is busy
// leaves at once instead of after a new handshake and the previous connection's QUIT (Exim
// answers QUIT ~200 ms late). It closes the connection when idle for connIdleClose (before
// servers time it out), when connMaxAge old (which also bounds how long a connection
// outlives its OAuth token), or after connMaxMessages (under Exim's default 1,000).
const (
	connIdleClose   = 10 * time.Second
	connMaxAge      = time.Minute
	connMaxMessages = 500
)

// keptConn is the open SMTP connection and what it has done.
type keptConn struct {
	client       *mail.Client
	opened, used time.Time
	sent         int
}

func (k *keptConn) reusable(now time.Time) bool {
	return now.Sub(k.used) < connIdleClose && now.Sub(k.opened) < connMaxAge && k.sent < connMaxMessages
}

// OutboxSender submits outbox replies over SMTP.
type OutboxSender struct {
	cfg    SMTPConfig
	ep     Endpoint
	outbox Outbox
	log    *slog.Logger
	clock  func() time.Time
	wake   chan struct{}
	conn   *keptConn // nil when closed; used by one round at a time

	backoffBase, backoffMax time.Duration
}

// NewSender checks cfg and returns a sender; it does not connect. clock may be nil (time.Now).
func NewSender(cfg SMTPConfig, outbox Outbox, log *slog.Logger, clock func() time.Time) (*OutboxSender, error) {
	ep, err := ParseSMTPURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if outbox == nil {
		return nil, errors.New("mailer: sender: nil outbox")
	}
	if cfg.OAuth2 != nil {
		if err := cfg.OAuth2.check(); err != nil {
			return nil, err
		}
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 250
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 5 * time.Second
	}
	cfg.Retry = cfg.Retry.orDefault()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	return &OutboxSender{
		cfg:         cfg,
		ep:          ep,
		outbox:      outbox,
		log:         log.With(slog.String("component", "smtp_sender")),
		clock:       clock,
		wake:        make(chan struct{}, 1),
		backoffBase: backoffBase,
		backoffMax:  backoffMax,
	}, nil
}

// Wake makes Run look at the outbox now (e.g. after the store wrote a reply). It never blocks.
func (s *OutboxSender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run drains the outbox until ctx is done, then returns nil. Between rounds it waits for Wake
// or the tick, keeping the connection open a while; after a connection or store failure it
// backs off (1 s to 2 min, jitter).
func (s *OutboxSender) Run(ctx context.Context) error {
	defer s.closeConn()
	b := newBackoff(s.backoffBase, s.backoffMax)
	tick := time.NewTicker(s.cfg.Tick)
	defer tick.Stop()
	for {
		n, err := s.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			s.closeConn() // in an unknown state
			delay, _ := b.Next()
			s.log.Warn("smtp sender: round failed; backing off",
				slog.String("err", err.Error()), slog.Duration("retry_in", delay))
			if !sleep(ctx, delay) {
				return nil
			}
			continue
		}
		b = newBackoff(s.backoffBase, s.backoffMax)
		if n >= s.cfg.BatchSize {
			continue // probably more waiting
		}
		if !s.waitForWork(ctx, tick.C) {
			return nil
		}
	}
}

// waitForWork waits for Wake or the tick, closing the kept connection once it has been idle for
// connIdleClose. It reports false when ctx ends.
func (s *OutboxSender) waitForWork(ctx context.Context, tick <-chan time.Time) bool {
	idle := time.NewTimer(connIdleClose)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-s.wake:
			return true
		case <-tick:
			return true
		case <-idle.C:
			s.closeConn()
		}
	}
}

// SendOnce sends one batch of due replies over one SMTP connection, closed afterwards, and
// records each outcome. sent counts the replies the server accepted. err is non-nil when the
// store failed or the connection did (the affected replies are then marked for a later retry).
func (s *OutboxSender) SendOnce(ctx context.Context) (sent int, err error) {
	defer s.closeConn()
	return s.round(ctx)
}

// round is SendOnce on the kept connection (opened when there is none to reuse), left open.
func (s *OutboxSender) round(ctx context.Context) (sent int, err error) {
	now := s.clock()
	pending, err := s.outbox.PendingReplies(ctx, s.cfg.BatchSize, now)
	if err != nil {
		return 0, fmt.Errorf("mailer: outbox pending: %w", err)
	}
	if len(pending) == 0 {
		return 0, nil
	}
	if s.cfg.Observe != nil {
		start := time.Now()
		defer func() { s.cfg.Observe(sent, err, time.Since(start)) }()
	}
	jobs, errs := s.build(ctx, pending, now)
	if len(jobs) == 0 {
		return 0, errors.Join(errs...)
	}
	kept, err := s.connect(ctx, jobs, now)
	if err != nil {
		return 0, errors.Join(append([]error{err}, errs...)...)
	}

	// Once the server may have taken a message, its outcome must be recorded even if ctx ends.
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for i, j := range jobs {
		if ctx.Err() != nil {
			return sent, errors.Join(append([]error{ctx.Err()}, errs...)...)
		}
		serr := s.send(ctx, j.msg, kept && i == 0)
		if serr == nil || j.msg.IsDelivered() {
			// IsDelivered: the server took the DATA; only the RSET after it failed.
			if err := s.recordSent(markCtx, j); err != nil {
				return sent + 1, errors.Join(append(errs, err)...)
			}
			sent++
			continue
		}
		ferrs, stop := s.recordRefused(markCtx, jobs[i:], serr, now)
		errs = append(errs, ferrs...)
		if stop != nil {
			return sent, errors.Join(append([]error{stop}, errs...)...)
		}
	}
	return sent, errors.Join(errs...)
}

// sendJob is one reply of a round, built.
type sendJob struct {
	o   domain.Outgoing
	msg *mail.Msg
}

// build makes the round's messages; a reply that cannot be built is parked for staff, since no
// retry can fix a bad address or identifier.
func (s *OutboxSender) build(ctx context.Context, pending []domain.Outgoing, now time.Time) ([]sendJob, []error) {
	var jobs []sendJob
	var errs []error
	for _, o := range pending {
		msg, err := BuildMessage(o)
		if err != nil {
			s.log.Error("smtp sender: reply cannot be built", slog.Int64("outbox_id", o.ID), slog.String("error", err.Error()))
			errs = append(errs, s.markFailed(ctx, o, err.Error(), true, now))
			continue
		}
		msg.SetDateWithValue(now)
		jobs = append(jobs, sendJob{o, msg})
	}
	return jobs, errs
}

// connect keeps the connection when it may be reused, or dials; kept says the first send may
// find it closed by the server meanwhile. A failed dial marks every job for a later round.
func (s *OutboxSender) connect(ctx context.Context, jobs []sendJob, now time.Time) (kept bool, err error) {
	if s.conn != nil && s.conn.reusable(time.Now()) {
		return true, nil
	}
	s.closeConn()
	err = s.dial(ctx)
	switch {
	case err == nil:
		return false, nil
	case ctx.Err() != nil:
		return false, ctx.Err() // shutting down: not an attempt
	case errors.As(err, new(noAttemptError)):
		return false, err
	}
	errs := []error{err}
	for _, j := range jobs {
		errs = append(errs, s.markConnFailed(ctx, j.o, err.Error(), now))
	}
	return false, errors.Join(errs...)
}

// recordSent records a reply the server accepted. When that fails the round must stop: it was
// sent but not recorded, so it will go again (with the same Message-ID, which mail clients show
// once), and every further reply sent now could not be recorded either, and would go twice.
func (s *OutboxSender) recordSent(ctx context.Context, j sendJob) error {
	answer := "250 OK"
	if r := j.msg.ServerResponse(); r != "" {
		answer = "250 " + r
	}
	if err := s.outbox.MarkSent(ctx, j.o.ID, answer, s.clock()); err != nil {
		s.log.Error("smtp sender: sent but not recorded; stopping the round", slog.Int64("outbox_id", j.o.ID), slog.String("error", err.Error()))
		return fmt.Errorf("mailer: outbox mark sent %d: %w", j.o.ID, err)
	}
	s.log.Info("smtp sender: reply sent", slog.Int64("outbox_id", j.o.ID), slog.String("tag", j.o.Tag))
	return nil
}

// recordRefused records a reply the server did not take (rest[0]): refused for good or for now,
// the round goes on; the connection lost, it and the rest of the batch wait for the next round
// and stop says why.
func (s *OutboxSender) recordRefused(ctx context.Context, rest []sendJob, serr error, now time.Time) (errs []error, stop error) {
	j := rest[0]
	kind, code := classify(serr)
	s.log.Warn("smtp sender: reply not accepted", slog.Int64("outbox_id", j.o.ID), slog.String("tag", j.o.Tag),
		slog.String("kind", kind.String()), slog.Int("smtp_code", code))
	switch kind {
	case failPermanent:
		return []error{s.markFailed(ctx, j.o, serr.Error(), true, now)}, nil
	case failTemporary:
		return []error{s.markFailed(ctx, j.o, serr.Error(), false, now)}, nil
	}
	// The error text may name the recipient: store it for staff, keep it out of logs.
	cerr := fmt.Errorf("mailer: smtp send: connection lost (%s)", reasonOf(serr))
	for k, r := range rest {
		cause := cerr.Error()
		if k == 0 {
			cause = serr.Error()
		}
		errs = append(errs, s.markConnFailed(ctx, r.o, cause, now))
	}
	return errs, cerr
}

// markFailed records one refused attempt; it returns only store errors.
func (s *OutboxSender) markFailed(ctx context.Context, o domain.Outgoing, cause string, permanent bool, now time.Time) error {
	return s.mark(ctx, o, cause, permanent, now.Add(s.cfg.Retry.Delay(o.Attempts)))
}

// markConnFailed records an attempt that failed with the connection.
func (s *OutboxSender) markConnFailed(ctx context.Context, o domain.Outgoing, cause string, now time.Time) error {
	return s.mark(ctx, o, cause, false, now.Add(s.cfg.Retry.AfterOutage))
}

func (s *OutboxSender) mark(ctx context.Context, o domain.Outgoing, cause string, permanent bool, retryAt time.Time) error {
	if err := s.outbox.MarkFailed(ctx, o.ID, cause, permanent, retryAt); err != nil {
		return fmt.Errorf("mailer: outbox mark failed %d: %w", o.ID, err)
	}
	return nil
}

// failKind sorts SMTP failures by what to do about them (RFC 5321 section 4.2.1: 4yz is
// transient, 5yz permanent).
type failKind int

const (
	failConnection failKind = iota
	failTemporary
	failPermanent
)

func (k failKind) String() string {
	switch k {
	case failTemporary:
		return "temporary"
	case failPermanent:
		return "permanent"
	}
	return "connection"
}

func classify(err error) (failKind, int) {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return failConnection, 0
	}
	switch se.Reason {
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return failPermanent, 0 // the message itself is unsendable
	}
	code := se.ErrorCode()
	switch {
	case code >= 500 && code < 600:
		return failPermanent, code
	case code >= 400 && code < 500:
		return failTemporary, code
	}
	// No reply code: an I/O error, a timeout or a closed connection.
	return failConnection, 0
}

func reasonOf(err error) string {
	var se *mail.SendError
	if errors.As(err, &se) {
		return se.Reason.String()
	}
	return "unknown"
}

// send sends one reply on the connection. first says it is the first on a kept connection:
// if the server closed that meanwhile, nothing of the reply went, and it goes again on a new one.
func (s *OutboxSender) send(ctx context.Context, msg *mail.Msg, first bool) error {
	err := s.conn.client.Send(msg)
	if first && closedWhileIdle(err) {
		s.closeConn()
		if err := s.dial(ctx); err != nil {
			return err
		}
		err = s.conn.client.Send(msg)
	}
	s.conn.sent++
	s.conn.used = time.Now()
	return err
}

// noAttemptError is a failure before any connection was tried (no OAuth token, say): the
// replies waiting are not charged an attempt.
type noAttemptError struct{ error }

func (e noAttemptError) Unwrap() error { return e.error }

// dial opens the connection the rounds use.
func (s *OutboxSender) dial(ctx context.Context) error {
	client, err := s.client()
	if err != nil {
		return noAttemptError{err}
	}
	if err := client.DialWithContext(ctx); err != nil {
		if s.cfg.OAuth2 != nil && ctx.Err() == nil {
			s.cfg.OAuth2.smtpRefused(err) // a refused token is not presented again
		}
		return fmt.Errorf("mailer: smtp connect %s: %w", s.ep.Addr, err)
	}
	now := time.Now()
	s.conn = &keptConn{client: client, opened: now, used: now}
	return nil
}

// closeConn ends the kept connection, if any, with a QUIT.
func (s *OutboxSender) closeConn() {
	if s.conn != nil {
		_ = s.conn.client.Close()
		s.conn = nil
	}
}

// closedWhileIdle tells a kept connection the server closed from a failure of the reply's
// first command: MAIL FROM answered by no reply code at all. Nothing of the reply was sent,
// so it may go again on a new connection.
func closedWhileIdle(err error) bool {
	var se *mail.SendError
	if !errors.As(err, &se) || se.Reason != mail.ErrSMTPMailFrom {
		return false
	}
	kind, _ := classify(err)
	return kind == failConnection
}

// client builds a go-mail client for one connection.
func (s *OutboxSender) client() (*mail.Client, error) {
	port, err := strconv.Atoi(portOf(s.ep.Addr))
	if err != nil {
		return nil, fmt.Errorf("mailer: smtp url: port: %w", err)
	}
	// No NOOP before each message: servers count them as non-mail commands and drop busy
	// connections (Exim after 10; Exchange Online tarpits them). A dead connection shows in
	// the send itself, and the rest of the batch is retried. No RSET after each delivered
	// message either: a completed transaction leaves nothing to reset (RFC 5321 section 4.1.4).
	opts := []mail.Option{mail.WithTimeout(30 * time.Second), mail.WithoutNoop(), mail.WithoutRset()}
	switch s.ep.Security {
	case SecurityTLS:
		opts = append(opts, mail.WithSSL())
	case SecurityStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case SecurityOpportunistic:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	opts = append(opts, mail.WithPort(port))
	tc := &tls.Config{}
	if s.cfg.TLSConfig != nil {
		tc = s.cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = s.ep.Host
	}
	opts = append(opts, mail.WithTLSConfig(tc))
	if s.cfg.HeloName != "" {
		opts = append(opts, mail.WithHELO(s.cfg.HeloName))
	}
	if s.cfg.OAuth2 != nil {
		auth, err := s.cfg.OAuth2.smtpAuth() // a token for this connection
		if err != nil {
			return nil, err
		}
		opts = append(opts, mail.WithSMTPAuthCustom(auth))
	} else if s.ep.Username != "" {
		opts = append(opts, mail.WithUsername(s.ep.Username), mail.WithPassword(s.ep.Password))
		if s.ep.Security == SecurityNone {
			// tls=none was asked for explicitly: allow the password in clear.
			opts = append(opts, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc))
		} else {
			// PLAIN and LOGIN refuse to send the password without TLS (except to localhost).
			opts = append(opts, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin))
		}
	}
	c, err := mail.NewClient(s.ep.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mailer: smtp client: %w", err)
	}
	return c, nil
}

func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return port
}
