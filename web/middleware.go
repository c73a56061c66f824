package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"nasbot/store"
)

// contentSecurityPolicy allows no script at all, styles and images only from this site, and
// forms only to it; nothing may frame the desk.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every answer carries. Pages hold personal data, so nothing
// but the static files is cached.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds a request body: the desk's forms are a few fields of text, and a body's
// size should not decide how much memory a request takes.
const maxFormBytes = 64 << 10

// limitBody refuses larger bodies with 413 and cuts off any that claim less but send more.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxFormBytes {
			http.Error(w, "Request body too large.", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		next.ServeHTTP(w, r)
	})
}

func staticHandler(files fs.FS) http.Handler {
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}

// recoverer turns a panic in a handler into a 500 page and a log line, not a dropped connection.
func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("desk: handler panicked", slog.String("path", r.URL.Path), slog.Any("panic", v))
				s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// staffHandler is a handler that runs only for a signed-in staff member.
type staffHandler func(w http.ResponseWriter, r *http.Request, me *store.Session)

// staff requires a live session; without one, the browser goes to /login and comes back.
func (s *server) staff(h staffHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		me, ok := s.session(w, r)
		if !ok {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet || next == "/" {
				next = ""
			}
			target := "/login"
			if next != "" {
				target += "?next=" + url.QueryEscape(next)
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		h(w, r, me)
	})
}

// admin requires a signed-in admin; a reviewer is refused with 403.
func (s *server) admin(h staffHandler) http.Handler {
	return s.staff(func(w http.ResponseWriter, r *http.Request, me *store.Session) {
		if me.Role != store.StaffAdmin {
			s.log.Warn("desk: admin action refused", slog.String("staff", me.Staff), slog.String("path", r.URL.Path))
			s.fail(w, r, http.StatusForbidden, "Only an admin can do this.")
			return
		}
		h(w, r, me)
	})
}

// cookieName is the session cookie's name; with Secure, the __Host- prefix also pins it to
// this host and path "/" (RFC 6265bis section 4.1.3.2).
func (s *server) cookieName() string {
	if s.cfg.SecureCookie {
		return "__Host-nasbot_session"
	}
	return "nasbot_session"
}

func hashSessionID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// session finds the live session the request's cookie names. A session idle for longer than
// SessionIdle is over; one in use is touched at most once a minute.
func (s *server) session(w http.ResponseWriter, r *http.Request) (*store.Session, bool) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || len(c.Value) < 40 || len(c.Value) > 64 {
		return nil, false
	}
	now := s.cfg.Now()
	hash := hashSessionID(c.Value)
	ss, err := s.store.Session(r.Context(), hash, now)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("desk: read session", slog.String("error", err.Error()))
		}
		s.clearCookie(w)
		return nil, false
	}
	if now.Sub(ss.SeenAt) > s.cfg.SessionIdle {
		s.store.DeleteSession(r.Context(), hash)
		s.clearCookie(w)
		return nil, false
	}
	if now.Sub(ss.SeenAt) > time.Minute {
		if err := s.store.TouchSession(r.Context(), hash, now); err != nil {
			s.log.Error("desk: touch session", slog.String("error", err.Error()))
		}
	}
	s.cleanSessions(r, now)
	return &ss, true
}

// startSession signs a staff member in: a new random id in the cookie, its hash in the store.
func (s *server) startSession(w http.ResponseWriter, r *http.Request, email string) error {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.cfg.Now()
	if err := s.store.CreateSession(r.Context(), hashSessionID(id), email, now, now.Add(s.cfg.SessionTTL)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: id, Path: "/", MaxAge: int(s.cfg.SessionTTL.Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookie, SameSite: http.SameSiteLaxMode})
	return nil
}

func (s *server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookie, SameSite: http.SameSiteLaxMode})
}

// cleanSessions deletes expired and idle sessions, at most once an hour.
func (s *server) cleanSessions(r *http.Request, now time.Time) {
	s.cleanMu.Lock()
	due := now.Sub(s.lastClean) > time.Hour
	if due {
		s.lastClean = now
	}
	s.cleanMu.Unlock()
	if !due {
		return
	}
	if _, err := s.store.DeleteExpiredSessions(r.Context(), now, now.Add(-s.cfg.SessionIdle)); err != nil {
		s.log.Error("desk: clean sessions", slog.String("error", err.Error()))
	}
}

// flash keeps a one-line message for the next page the staff member sees.
func (s *server) flash(r *http.Request, me *store.Session, kind, text string) {
	if err := s.store.SetFlash(r.Context(), me.IDHash, kind, text); err != nil {
		s.log.Error("desk: set flash", slog.String("error", err.Error()))
	}
}

// localPath returns p when it is a path on this site ("/exceptions/3"), else fallback: a
// redirect target from a form or query never leaves the desk.
func localPath(p, fallback string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) || strings.ContainsAny(p, "\r\n\\") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return p
}

// redirect answers a form with 303 See Other, so a reload does not post it again.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
