package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"
	"golang.org/x/sync/errgroup"

	"nasbot/internal/metrics"
	"nasbot/mailer"
	"nasbot/parser"
	"nasbot/pipeline"
	"nasbot/sms"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
	"nasbot/web"
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
	b, err := newBot(cfg, st, log)
	if err != nil {
		log.Error("bad configuration", slog.String("error", err.Error()))
		return exitBadArgs
	}
	if err := b.run(ctx); err != nil {
		log.Error("stopped", slog.String("error", err.Error()))
		return exitFailed
	}
	log.Info("stopped")
	return exitOK
}

// bot is the running service: intake stores, the worker decides, the sender answers.
type bot struct {
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
func (b *bot) polled(at time.Time, err error) {
	b.lastPoll.Store(&pollOutcome{at: at, err: err})
	b.metrics.Polled(at, err)
}

func newBot(cfg Config, st *store.Store, log *slog.Logger) (*bot, error) {
	renderer, err := templates.New(cfg.TemplatesDir)
	if err != nil {
		return nil, err
	}
	if err := verifyConfig(cfg).Validate(); err != nil {
		return nil, err
	}
	pipe := pipeline.New(st, pipelineConfig(cfg), renderer, log, time.Now)
	b := &bot{cfg: cfg, pipe: pipe, store: st, log: log, metrics: metrics.New(st)}
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

// verifyConfig proves senders by the trusted MTA's Authentication-Results and, when asked,
// by DKIM signatures checked in process with keys from DNS.
func verifyConfig(cfg Config) verify.Config {
	v := verify.Config{Domain: cfg.Domain, TrustedAuthServIDs: cfg.TrustAuthServ, DKIM: cfg.VerifyDKIM}
	if cfg.VerifyDKIM {
		v.LookupTXT = net.LookupTXT
	}
	return v
}

func pipelineConfig(cfg Config) pipeline.Config {
	return pipeline.Config{
		Domain:           cfg.Domain,
		NASAddress:       cfg.FromAddress,
		Verify:           verifyConfig(cfg),
		Parse:            parser.Options{MaxSize: cfg.MaxMessageBytes, MaxRequests: cfg.MaxRequests},
		MaxReplyAge:      cfg.MaxReplyAge,
		GuideURL:         cfg.GuideURL,
		RepliesPerHour:   cfg.RepliesPerHour,
		RepliesPerMinute: cfg.RepliesPerMin,
	}
}

// run runs every part until ctx is done; the first part to fail stops the others.
func (b *bot) run(ctx context.Context) error {
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
func (b *bot) poll(ctx context.Context) error {
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

// serveHTTP serves the staff desk on NASBOT_HTTP_ADDR, with /healthz and a /readyz that says
// only ready or not, and the operators' endpoints on NASBOT_METRICS_ADDR: /metrics (Prometheus),
// a /readyz that names what is wrong, and /healthz. Request volumes, queue sizes and errors help
// an attacker, so they are not on the desk's address.
func (b *bot) serveHTTP(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	desk, err := b.deskHandler()
	if err != nil {
		return err
	}
	g.Go(func() error { return b.serve(ctx, "desk", b.cfg.HTTPAddr, desk, maxDeskConns) })
	g.Go(func() error { return b.serve(ctx, "metrics", b.cfg.MetricsAddr, b.opsHandler(), 16) })
	return g.Wait()
}

// maxDeskConns bounds the desk's open connections, so that the number of clients does not set
// the memory the desk takes; more wait in the listen queue.
const maxDeskConns = 512

// deskHandler is what NASBOT_HTTP_ADDR serves.
func (b *bot) deskHandler() (http.Handler, error) {
	proxies, err := b.cfg.trustedProxies()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if b.readiness(r.Context()) != "" {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("/", web.New(web.Config{
		SecureCookie:   b.cfg.DeskSecureCookie,
		AgeTarget:      b.cfg.DeskAgeTarget,
		TrustedOrigins: b.cfg.DeskTrustedOrigins,
		TrustedProxies: proxies,
		OIDC: web.OIDCConfig{Issuer: b.cfg.OIDCIssuer, ClientID: b.cfg.OIDCClientID,
			ClientSecret: b.cfg.OIDCClientSecret, RedirectURL: b.cfg.OIDCRedirectURL},
		Observe: b.metrics.SignIn,
	}, b.store, pipeline.NewDesk(b.pipe), b.log))
	return mux, nil
}

// opsHandler is what NASBOT_METRICS_ADDR serves, for operators and Prometheus only.
func (b *bot) opsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if problem := b.readiness(r.Context()); problem != "" {
			http.Error(w, problem, http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.Registry, promhttp.HandlerOpts{}))
	return mux
}

// addrVariables are the settings that choose each HTTP server's address.
var addrVariables = map[string]string{"desk": "NASBOT_HTTP_ADDR", "metrics": "NASBOT_METRICS_ADDR"}

// listenHint says what to do when an address cannot be listened on: which setting moves it.
func listenHint(name string, err error) string {
	v, ok := addrVariables[name]
	if !ok {
		return ""
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Sprintf(" (another program uses that port: stop it, or set %s to another address, e.g. %s=127.0.0.1:8081)", v, v)
	}
	return fmt.Sprintf(" (set %s to an address this machine has, e.g. 127.0.0.1:8080)", v)
}

func healthz(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) }

// serve runs one HTTP server on addr until ctx is done, with at most maxConns connections.
func (b *bot) serve(ctx context.Context, name, addr string, h http.Handler, maxConns int) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http %s: %w%s", name, err, listenHint(name, err))
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	b.log.Info("http listening", slog.String("server", name), slog.String("addr", ln.Addr().String()))
	if err := srv.Serve(netutil.LimitListener(ln, maxConns)); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http %s: %w", name, err)
	}
	return nil
}

// readiness is "" when the bot can do its work (the database answers, the inbox was read
// lately), else what is wrong.
func (b *bot) readiness(ctx context.Context) string {
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
