// Package web is the NAS staff desk: the exceptions queue, the case page with the original
// message shown as text, staff actions (approve, refuse, edit and re-run, re-parse, assign, note,
// release or drop a parked reply), directory pages and staff sign-in.
//
// It is server-rendered html/template on the standard mux, one file per group of routes (the
// shape of miniflux's ui/). Every form posts, is validated, goes to the Desk or the store, and
// redirects with a one-line flash kept in the session row. Staff decisions go through the Desk,
// which uses the same handlers, transaction and outbox as mail; this package only reads the store
// and writes what is the desk's own (assignments, notes, sessions, staff).
//
// Security: every page but /login needs a server-side session (random 32-byte id, only its
// SHA-256 stored); cookies are HttpOnly, SameSite=Lax and Secure when configured; every unsafe
// method passes http.CrossOriginProtection; the Content-Security-Policy allows no script at all
// and styles only from /static/; a sender's mail is never rendered as HTML, and attachments are
// only ever downloaded. Password sign-in is throttled per address, per client and globally
// (throttle.go) and hashes run in a few bounded slots; single sign-on takes only a verified email
// and binds the staff member to the provider's subject. docs/security.md says it for people.
package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"sync"
	"time"
	_ "time/tzdata" // Europe/London even where the system has no zone files

	"golang.org/x/time/rate"

	"nasbot/domain"
	"nasbot/pipeline"
	"nasbot/store"
)

// Desk applies staff decisions through the same handlers, store transaction and outbox as mail.
type Desk interface {
	// Approve re-decides the request overriding the overridable rule (site_account_limit,
	// mobile_mismatch, ods_unknown…), never auth_failed; applies it, replies and closes the case.
	Approve(ctx context.Context, exceptionID int64, staff, reason string) error
	// Refuse closes the case with a templated refusal reply quoting reason; a case no message
	// caused (a lifecycle report, a failed text) is only closed, with reason in its history.
	Refuse(ctx context.Context, exceptionID int64, staff, reason string) error
	// Rerun decides the request again, with the fields staff edited, through the handlers.
	Rerun(ctx context.Context, exceptionID int64, staff string, edited domain.Request) error
	// ReparsePreview says what parsing the stored raw message again would decide, changing
	// nothing (only for unparseable mail).
	ReparsePreview(ctx context.Context, messageID int64) (pipeline.ReparsePlan, error)
	// Reparse parses the stored raw message again and decides it afresh when that changes its
	// outcome; otherwise it changes nothing and sends nothing. changed says which.
	Reparse(ctx context.Context, messageID int64, staff string) (changed bool, err error)
	// Reopen opens a closed case again, with an optional note in its history.
	Reopen(ctx context.Context, exceptionID int64, staff, note string) error
	// StaffReply sends a message's proven sender a reply staff wrote, threaded under it.
	StaffReply(ctx context.Context, messageID int64, staff, text string) (int64, error)
	// RequestOnBehalf decides a request staff made from a message, for the site that sent it,
	// through the same handlers, and answers the sender.
	RequestOnBehalf(ctx context.Context, messageID int64, staff string, req domain.Request) (domain.Decision, error)
	// ReleaseReply sends a parked or held reply.
	ReleaseReply(ctx context.Context, outboxID int64, staff string) error
	// DropReply discards a parked or held reply.
	DropReply(ctx context.Context, outboxID int64, staff string) error
}

// Config is the desk's settings; cmd fills it.
type Config struct {
	// SecureCookie sets the Secure flag on cookies (and the __Host- name prefix). Turn it off
	// only for plain-HTTP development on loopback.
	SecureCookie bool
	// AgeTarget is how long, in working time (Monday to Friday), a case may wait before the
	// queue highlights it. Default one working day (24h of weekdays).
	AgeTarget time.Duration
	// Location is where working days and displayed times are reckoned. Default Europe/London.
	Location *time.Location
	// SessionTTL is how long a sign-in lasts at most (default 12h); SessionIdle ends a session
	// unused for that long (default 2h).
	SessionTTL, SessionIdle time.Duration
	// TrustedOrigins are extra origins (scheme://host[:port]) whose cross-origin POSTs are
	// allowed, e.g. when a proxy rewrites Host. Usually none.
	TrustedOrigins []string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client; from any
	// other peer the header is ignored and the TCP peer is the client. Usually none.
	TrustedProxies []netip.Prefix
	// PasswordChecks is how many password hashes may run at once (19 MiB each); default half
	// the cores, at least 1 and at most 4, so sign-ins never take more than half the CPU from
	// the mail pipeline in the same process. PasswordWait is how long a sign-in waits for one before it is
	// answered 503 (default 2s).
	PasswordChecks int
	PasswordWait   time.Duration
	// OIDC, when its Issuer is set, offers sign-in through the NHS identity provider.
	OIDC OIDCConfig
	// Observe, when set, counts sign-ins by method (password, oidc) and result (ok, refused,
	// throttled_address, throttled_client, throttled_global, busy, other_identity).
	Observe func(method, result string)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// OIDCConfig is an OpenID Connect provider (authorization code flow with PKCE). Staff sign in
// by their verified email claim, which must belong to an active staff member.
type OIDCConfig struct {
	Issuer       string // e.g. https://login.example.org/tenant/v2.0
	ClientID     string
	ClientSecret string
	RedirectURL  string // https://desk.example.org/login/oidc/callback
	Label        string // the button: "Sign in with NHS login"; default "Sign in with single sign-on"
}

func (c Config) withDefaults() Config {
	if c.AgeTarget <= 0 {
		c.AgeTarget = 24 * time.Hour
	}
	if c.Location == nil {
		if loc, err := time.LoadLocation("Europe/London"); err == nil {
			c.Location = loc
		} else {
			c.Location = time.UTC
		}
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 2 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PasswordChecks <= 0 {
		c.PasswordChecks = min(max(runtime.GOMAXPROCS(0)/2, 1), 4)
	}
	if c.PasswordWait <= 0 {
		c.PasswordWait = 2 * time.Second
	}
	if c.OIDC.Label == "" {
		c.OIDC.Label = "Sign in with single sign-on"
	}
	return c
}

//go:embed static
var staticFiles embed.FS

// server holds what the handlers share.
type server struct {
	cfg   Config
	store *store.Store
	desk  Desk
	log   *slog.Logger
	oidc  *oidcClient // nil when not configured

	throttle  *throttle
	passwords *passwordSlots
	// auditSample bounds the audit rows and log lines written for refused sign-ins, so a flood
	// of attempts is counted (Observe) but not written row by row.
	auditSample *rate.Limiter

	cleanMu   sync.Mutex
	lastClean time.Time
}

// New returns the staff desk. Mount it at "/" (it serves everything but /healthz).
func New(cfg Config, st *store.Store, desk Desk, log *slog.Logger) http.Handler {
	_, h := newServer(cfg, st, desk, log)
	return h
}

func newServer(cfg Config, st *store.Store, desk Desk, log *slog.Logger) (*server, http.Handler) {
	cfg = cfg.withDefaults()
	s := &server{cfg: cfg, store: st, desk: desk, log: log, throttle: newThrottle(),
		passwords:   newPasswordSlots(cfg.PasswordChecks, cfg.PasswordWait),
		auditSample: rate.NewLimiter(rate.Every(6*time.Second), 20)}
	if cfg.OIDC.Issuer != "" {
		s.oidc = newOIDCClient(cfg.OIDC)
	}

	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))

	// Signing in and out.
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.HandleFunc("GET /login/oidc", s.oidcStart)
	mux.HandleFunc("GET /login/oidc/callback", s.oidcCallback)
	mux.Handle("POST /logout", s.staff(s.logout))

	// The queue and cases.
	mux.Handle("GET /{$}", s.staff(s.queuePage))
	mux.Handle("GET /exceptions/{id}", s.staff(s.casePage))
	mux.Handle("POST /exceptions/{id}/approve", s.staff(s.approve))
	mux.Handle("POST /exceptions/{id}/refuse", s.staff(s.refuse))
	mux.Handle("POST /exceptions/{id}/rerun", s.staff(s.rerun))
	mux.Handle("GET /exceptions/{id}/reparse", s.staff(s.reparsePreview))
	mux.Handle("POST /exceptions/{id}/reparse", s.staff(s.reparse))
	mux.Handle("POST /exceptions/{id}/reopen", s.staff(s.reopen))
	mux.Handle("POST /exceptions/{id}/assign", s.staff(s.assign))
	mux.Handle("POST /exceptions/{id}/note", s.staff(s.note))
	mux.Handle("GET /messages/{ref}", s.staff(s.messagePage))
	mux.Handle("GET /messages/{ref}/reply", s.staff(s.composePage))
	mux.Handle("POST /messages/{ref}/reply", s.staff(s.composeSend))
	mux.Handle("GET /messages/{ref}/request", s.staff(s.onBehalfPage))
	mux.Handle("POST /messages/{ref}/request", s.staff(s.onBehalfSubmit))
	mux.Handle("GET /search", s.staff(s.searchPage))
	mux.Handle("GET /stats", s.staff(s.statsPage))
	mux.Handle("GET /messages/{id}/raw", s.staff(s.rawMessage))
	mux.Handle("GET /messages/{id}/attachments/{n}", s.staff(s.attachment))

	// Replies waiting for staff.
	mux.Handle("GET /replies", s.staff(s.repliesPage))
	mux.Handle("POST /replies/{id}/release", s.admin(s.releaseReply))
	mux.Handle("POST /replies/{id}/drop", s.admin(s.dropReply))

	// The directory.
	mux.Handle("GET /directory", s.staff(s.directoryLookup))
	mux.Handle("GET /organisations/{ods}", s.staff(s.organisationPage))
	mux.Handle("GET /accounts/{address}", s.staff(s.accountPage))

	// Staff management.
	mux.Handle("GET /staff", s.admin(s.staffPage))
	mux.Handle("POST /staff", s.admin(s.staffAdd))
	mux.Handle("POST /staff/{email}/status", s.admin(s.staffStatus))
	mux.Handle("POST /staff/{email}/identity", s.admin(s.staffForgetIdentity))

	// Anything else: sign in first, then "not found".
	mux.Handle("/", s.staff(func(w http.ResponseWriter, r *http.Request, me *store.Session) {
		s.fail(w, r, http.StatusNotFound, "There is no such page.")
	}))

	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			log.Warn("desk: ignoring a bad trusted origin", slog.String("origin", o), slog.String("error", err.Error()))
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("desk: cross-origin request refused", slog.String("method", r.Method), slog.String("path", r.URL.Path))
		s.fail(w, r, http.StatusForbidden, "This form was sent from another site, so it was refused.")
	}))
	return s, s.recoverer(securityHeaders(limitBody(cop.Handler(mux))))
}

// observe counts a sign-in for the metrics.
func (s *server) observe(method, result string) {
	if s.cfg.Observe != nil {
		s.cfg.Observe(method, result)
	}
}
