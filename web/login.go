package web

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"nasbot/store"
)

type loginData struct {
	Email    string
	Next     string
	Error    string
	OIDC     bool
	OIDCText string
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.session(w, r); ok {
		redirect(w, r, localPath(r.URL.Query().Get("next"), "/"))
		return
	}
	s.showLogin(w, r, http.StatusOK, loginData{Next: localPath(r.URL.Query().Get("next"), "")})
}

func (s *server) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	d.OIDC, d.OIDCText = s.oidc != nil, s.cfg.OIDC.Label
	s.render(w, r, status, "login", nil, "Sign in", "", d)
}

// loginSubmit checks an address and password. Failures say the same whatever was wrong, take
// as long whether or not the address is known, and are rate limited per client and address.
func (s *server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	d := loginData{Email: email, Next: localPath(r.PostFormValue("next"), "")}
	if email == "" || password == "" {
		d.Error = "Enter your address and password."
		s.showLogin(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	if !s.limiter.allow(clientIP(r), email, s.cfg.Now()) {
		s.log.Warn("desk: sign-in rate limited", slog.String("staff", email), slog.String("ip", clientIP(r)))
		d.Error = "Too many attempts. Wait a minute, then try again."
		s.showLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	st, err := s.store.StaffMember(r.Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	hash := st.PasswordHash
	if err != nil || hash == "" {
		hash = dummyHash()
	}
	ok := CheckPassword(hash, password) && err == nil && st.PasswordHash != "" && st.Status == store.StaffActive
	if !ok {
		s.log.Info("desk: sign-in failed", slog.String("staff", email), slog.String("ip", clientIP(r)))
		d.Error = "That address and password do not match an active staff account."
		s.showLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	if err := s.startSession(w, r, st.Email); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.Info("desk: signed in", slog.String("staff", st.Email), slog.String("method", "password"))
	redirect(w, r, localPath(d.Next, "/"))
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, me *store.Session) {
	if err := s.store.DeleteSession(r.Context(), me.IDHash); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.clearCookie(w)
	redirect(w, r, "/login")
}

// clientIP is the peer's address. X-Forwarded-For is not trusted: a proxy in front should pass
// the client address through at the TCP level or be the only client.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter allows a few sign-in attempts at once for each client address and staff address
// pair, then one every loginEvery; idle entries are forgotten.
type loginLimiter struct {
	mu      sync.Mutex
	entries map[string]*limitEntry
}

type limitEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

const (
	loginBurst  = 5
	loginEvery  = 20 * time.Second
	loginForget = time.Hour
)

func newLoginLimiter() *loginLimiter { return &loginLimiter{entries: map[string]*limitEntry{}} }

func (l *loginLimiter) allow(ip, email string, now time.Time) bool {
	key := ip + "|" + email
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) > 10000 {
		for k, e := range l.entries {
			if now.Sub(e.seen) > loginForget {
				delete(l.entries, k)
			}
		}
	}
	e, ok := l.entries[key]
	if !ok {
		e = &limitEntry{lim: rate.NewLimiter(rate.Every(loginEvery), loginBurst)}
		l.entries[key] = e
	}
	e.seen = now
	return e.lim.AllowN(now, 1)
}
