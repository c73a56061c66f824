package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

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

// Bounds on what a sign-in form may carry, so a huge address cannot fill the throttle's
// memory nor a huge password the hash's.
const (
	maxAddressLength  = 254 // RFC 5321 section 4.5.3.1.3
	maxPasswordLength = 1024
)

// loginSubmit checks an address and password. Failures say the same whatever was wrong and take
// as long whether or not the address is known: an unknown address is checked against a dummy
// hash, through the same throttle and the same password slots.
func (s *server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	d := loginData{Email: email, Next: localPath(r.PostFormValue("next"), "")}
	if email == "" || password == "" || len(email) > maxAddressLength || len(password) > maxPasswordLength {
		d.Error = "Enter your address and password."
		if len(email) > maxAddressLength {
			d.Email = ""
		}
		s.showLogin(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	ip := s.clientIP(r)
	now := s.cfg.Now()
	att, th := s.throttle.admit(clientKey(ip), email, now)
	if th != nil {
		s.signInThrottled(w, r, d, *th, ip)
		return
	}
	st, ok, err := s.checkPassword(r.Context(), email, password)
	if errors.Is(err, errPasswordsBusy) {
		att.abandon(now)
		s.observe("password", "busy")
		s.log.Warn("desk: sign-in refused, too many password checks at once", slog.String("ip", ip.String()))
		w.Header().Set("Retry-After", "1")
		d.Error = "The desk is busy. Try again in a moment."
		s.showLogin(w, r, http.StatusServiceUnavailable, d)
		return
	}
	if err != nil {
		att.abandon(now)
		s.serverError(w, r, err)
		return
	}
	if ok {
		err = s.startSession(w, r, st.Email)
		ok = !errors.Is(err, store.ErrNotFound) // not disabled since the check
	}
	if err != nil && ok {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.observe("password", "refused")
		s.log.Info("desk: sign-in failed", slog.String("staff", email), slog.String("ip", ip.String()))
		d.Error = "That address and password do not match an active staff account."
		s.showLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	att.succeeded(now)
	s.observe("password", "ok")
	s.log.Info("desk: signed in", slog.String("staff", st.Email), slog.String("method", "password"))
	redirect(w, r, localPath(d.Next, "/"))
}

// checkPassword reports whether password is that of the active staff member with the address.
// It looks the member up, then checks the password, or the dummy hash when there is no usable
// one, in a password slot: the same work whatever the address.
func (s *server) checkPassword(ctx context.Context, email, password string) (store.Staff, bool, error) {
	st, err := s.store.StaffMember(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return st, false, err
	}
	known := err == nil && st.PasswordHash != "" && st.Status == store.StaffActive
	hash := dummyHash()
	if known {
		hash = st.PasswordHash
	}
	var match bool
	if err := s.passwords.do(ctx, func() { match = CheckPassword(hash, password) }); err != nil {
		return st, false, err
	}
	return st, match && known, nil
}

// signInThrottled answers an attempt the throttle refused: 429 with Retry-After, a metric, and
// a log line and audit row (sampled, so a flood of attempts is not a flood of writes).
func (s *server) signInThrottled(w http.ResponseWriter, r *http.Request, d loginData, th throttled, ip netip.Addr) {
	s.observe("password", "throttled_"+th.layer)
	w.Header().Set("Retry-After", strconv.Itoa(th.retryAfter()))
	if s.auditSample.AllowN(s.cfg.Now(), 1) {
		s.log.Warn("desk: sign-in throttled", slog.String("staff", d.Email), slog.String("ip", ip.String()),
			slog.String("limit", th.layer), slog.Int("retry_after_s", th.retryAfter()))
		detail := fmt.Sprintf("limit %s, client %s, retry after %ds", th.layer, ip, th.retryAfter())
		err := s.store.InTx(r.Context(), func(tx *store.Tx) error {
			return tx.Audit(auditActor, "sign-in throttled", "staff "+d.Email, detail, s.cfg.Now())
		})
		if err != nil {
			s.log.Error("desk: audit throttled sign-in", slog.String("error", err.Error()))
		}
	}
	d.Error = "Too many attempts. Wait " + waitWords(th.retryAfter()) + ", then try again."
	s.showLogin(w, r, http.StatusTooManyRequests, d)
}

// auditActor is who the audit log says acted when the desk itself refused a sign-in.
const auditActor = "desk"

// waitWords says how long to wait, for people.
func waitWords(seconds int) string {
	switch {
	case seconds <= 60:
		return "a minute"
	case seconds < 3600:
		return strconv.Itoa((seconds+59)/60) + " minutes"
	default:
		return "an hour"
	}
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, me *store.Session) {
	if err := s.store.DeleteSession(r.Context(), me.IDHash); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.clearCookie(w)
	redirect(w, r, "/login")
}

// clientIP is who is signing in: the TCP peer, unless the peer is a trusted proxy
// (Config.TrustedProxies), when it is the nearest address in X-Forwarded-For that is not one.
// X-Forwarded-For from anyone else is ignored, as anyone can write it.
func (s *server) clientIP(r *http.Request) netip.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.IPv6Unspecified()
	}
	ip := peer.Addr().Unmap()
	if !s.trustedProxy(ip) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip // a malformed header: the proxy is the client
		}
		ip = hop.Unmap()
		if !s.trustedProxy(ip) {
			return ip
		}
	}
	return ip
}

func (s *server) trustedProxy(ip netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
