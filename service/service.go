package service

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"nasbot/internal/metrics"
	"nasbot/mailer"
	"nasbot/parser"
	"nasbot/pipeline"
	"nasbot/sms"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

// Bot is the running service: intake stores, the worker decides, the sender answers, the
// desk and the operators' endpoints serve HTTP, and the poller replica runs the daily jobs.
type Bot struct {
	cfg     Config
	intake  *mailer.Intake
	worker  *pipeline.Worker
	sender  *mailer.OutboxSender
	pipe    *pipeline.Pipeline
	store   *store.Store
	log     *slog.Logger
	metrics *metrics.Metrics
	texts   *sms.Drainer // nil when NASBOT_SMS=none: texts wait in the queue
	// lastPoll is the outcome of the latest pass over the inbox, for /readyz.
	lastPoll atomic.Pointer[pollOutcome]
}

type pollOutcome struct {
	at  time.Time
	err error
}

// polled records a pass over the inbox (or a failed connection).
func (b *Bot) polled(at time.Time, err error) {
	b.lastPoll.Store(&pollOutcome{at: at, err: err})
	b.metrics.Polled(at, err)
}

// New wires a bot on an open, migrated store; it connects to nothing until Run.
func New(cfg Config, st *store.Store, log *slog.Logger) (*Bot, error) {
	renderer, err := templates.New(cfg.TemplatesDir)
	if err != nil {
		return nil, err
	}
	if err := cfg.Verify().Validate(); err != nil {
		return nil, err
	}
	pipe := pipeline.New(st, cfg.Pipeline(), renderer, log, time.Now)
	b := &Bot{cfg: cfg, pipe: pipe, store: st, log: log, metrics: metrics.New(st)}
	pipe.Observe(b.metrics)
	oauth, err := oauthLogin(cfg, log)
	if err != nil {
		return nil, err
	}
	smtpCfg := mailer.SMTPConfig{URL: cfg.SMTPURL, Observe: b.metrics.Sent, OAuth2: oauth,
		Retry: mailer.RetryPolicy{First: cfg.SMTPRetryFirst, Max: cfg.SMTPRetryMax, AfterOutage: cfg.SMTPRetryAfterOutage}}
	if b.sender, err = mailer.NewSender(smtpCfg, st, log, time.Now); err != nil {
		return nil, err
	}
	if b.texts, err = newTexts(cfg.TextConfig, st, log); err != nil {
		return nil, err
	}
	b.worker = pipeline.NewWorker(pipe, 5*time.Second, func() {
		b.sender.Wake()
		if b.texts != nil {
			b.texts.Wake()
		}
	})
	imapCfg := mailer.IMAPConfig{URL: cfg.IMAPURL, ProcessedFolder: cfg.ProcessedFolder,
		PollInterval: cfg.PollInterval, Observe: b.polled}
	if oauth != nil {
		imapCfg.Auth = oauth
	}
	b.intake, err = mailer.NewIntake(imapCfg, st, log, func(int64) { b.worker.Wake() })
	if err != nil {
		return nil, err
	}
	return b, nil
}

// oauthLogin is the OAuth 2.0 login for IMAP and SMTP (Exchange Online), one token source for
// both, refreshed before expiry; nil when NASBOT_OAUTH_TOKEN_URL is not set.
func oauthLogin(cfg Config, log *slog.Logger) (*mailer.OAuth2Auth, error) {
	if cfg.OAuthTokenURL == "" {
		return nil, nil
	}
	ts, err := mailer.NewClientCredentialsSource(context.Background(), mailer.ClientCredentials{
		TokenURL: cfg.OAuthTokenURL, ClientID: cfg.OAuthClientID, ClientSecret: cfg.OAuthClientSecret,
		Scopes: cfg.OAuthScopes, RefreshBefore: cfg.OAuthRefreshBefore}, log)
	if err != nil {
		return nil, err
	}
	return &mailer.OAuth2Auth{Username: cfg.OAuthUser, Tokens: ts, Mechanism: cfg.OAuthMechanism}, nil
}

// Verify proves senders by the trusted MTA's Authentication-Results and, when asked, by DKIM
// signatures checked in process with keys from DNS.
func (cfg Config) Verify() verify.Config {
	v := verify.Config{Domain: cfg.Domain, TrustedAuthServIDs: cfg.TrustAuthServ, DKIM: cfg.VerifyDKIM}
	if cfg.VerifyDKIM {
		v.LookupTXT = net.LookupTXT
	}
	return v
}

// Pipeline is how the bot, the desk and the lifecycle command decide and answer.
func (cfg Config) Pipeline() pipeline.Config {
	return pipeline.Config{
		Domain:           cfg.Domain,
		NASAddress:       cfg.FromAddress,
		Verify:           cfg.Verify(),
		Parse:            parser.Options{MaxSize: cfg.MaxMessageBytes, MaxRequests: cfg.MaxRequests},
		MaxReplyAge:      cfg.MaxReplyAge,
		GuideURL:         cfg.GuideURL,
		RepliesPerHour:   cfg.RepliesPerHour,
		RepliesPerMinute: cfg.RepliesPerMin,
	}
}

// Run runs every part until ctx is done; the first part to fail stops the others.
func (b *Bot) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return b.poll(ctx) })
	g.Go(func() error { return b.worker.Run(ctx) })
	g.Go(func() error { return b.store.WatchWork(ctx, b.worker.Wake) }) // other replicas' mail
	g.Go(func() error { return b.sender.Run(ctx) })
	g.Go(func() error { return b.serveHTTP(ctx) })
	if b.texts != nil {
		g.Go(func() error { return b.texts.Run(ctx) })
	}
	return g.Wait()
}

// poll reads the inbox, and runs the daily lifecycle jobs, while this replica holds the poller
// lock: one replica polls, every replica decides and sends. A lost lock (its database session
// died) stops polling until the lock is taken again, by this replica or another.
func (b *Bot) poll(ctx context.Context) error {
	for ctx.Err() == nil {
		release, lost, err := b.store.PollerLock(ctx)
		if errors.Is(err, store.ErrSecondInstance) {
			return err
		}
		if err != nil {
			if ctx.Err() == nil {
				b.log.Error("cannot take the poller lock; will retry", slog.String("error", err.Error()))
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			continue
		}
		b.log.Info("this replica reads the inbox")
		pollCtx, cancel := context.WithCancel(ctx)
		lifecycleDone := make(chan struct{})
		go func() {
			defer close(lifecycleDone)
			b.lifecycleDaily(pollCtx)
		}()
		go func() {
			select {
			case <-lost:
				b.log.Warn("poller lock lost; stopping the intake")
				cancel()
			case <-pollCtx.Done():
			}
		}()
		err = b.intake.Run(pollCtx)
		cancel()
		<-lifecycleDone
		release()
		if err != nil {
			return err
		}
	}
	return nil
}

// readiness is "" when the bot can do its work (the database answers, the inbox was read
// lately), else what is wrong.
func (b *Bot) readiness(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := b.store.Ping(ctx); err != nil {
		return "database: not answering"
	}
	// A pass happens at least every IDLE refresh (5 min) or poll interval.
	stale := max(3*b.cfg.PollInterval, 15*time.Minute)
	switch p := b.lastPoll.Load(); {
	case p == nil:
		return "imap: not connected yet"
	case p.err != nil:
		return "imap: the last attempt to read the inbox failed"
	case time.Since(p.at) > stale:
		return "imap: no pass over the inbox since " + p.at.UTC().Format(time.RFC3339)
	}
	return ""
}

// PassOnce runs each stage once by hand: reads the inbox, decides every stored message, sends
// the outbox and the texts. The demo uses it to print each message as it is decided.
func (b *Bot) PassOnce(ctx context.Context) ([]pipeline.Result, error) {
	if _, err := b.intake.PollOnce(ctx); err != nil {
		return nil, err
	}
	ids, err := b.store.UndecidedMessages(ctx, 1000)
	if err != nil {
		return nil, err
	}
	var results []pipeline.Result
	for _, id := range ids {
		res, err := b.pipe.Process(ctx, id)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	if _, err := b.sender.SendOnce(ctx); err != nil {
		return nil, err
	}
	if b.texts != nil {
		if _, err := b.texts.DrainOnce(ctx); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// Pipeline is the bot's pipeline, for tests that decide a message by hand.
func (b *Bot) Pipeline() *pipeline.Pipeline { return b.pipe }
