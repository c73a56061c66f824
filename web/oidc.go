package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"nasbot/store"
)

// OpenID Connect sign-in (authorization code flow with PKCE, OpenID Connect Core 1.0 section 3.1):
// the desk sends the browser to the provider with a random state and nonce, and a PKCE
// challenge (RFC 7636); the callback checks the state against a short-lived cookie, exchanges
// the code, verifies the ID token's signature, issuer (only the configured one), audience, expiry
// and nonce, and signs in the active staff member whose address is the token's email claim, when
// email_verified is true. The first sign-in binds the member to the token's issuer and subject;
// from then on only that subject signs them in.

type oidcClient struct {
	cfg OIDCConfig

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newOIDCClient(cfg OIDCConfig) *oidcClient { return &oidcClient{cfg: cfg} }

// setup discovers the provider on first use (and again after a failure), so the desk starts
// even while the provider is unreachable.
func (c *oidcClient) setup(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.oauth != nil {
		return c.oauth, c.verifier, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, c.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("web: oidc discovery: %w", err)
	}
	c.oauth = &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: c.cfg.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	c.verifier = p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID})
	return c.oauth, c.verifier, nil
}

// oidcFlow is what the browser carries between the start and the callback.
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
}

func (s *server) flowCookieName() string {
	if s.cfg.SecureCookie {
		return "__Host-nasbot_oidc"
	}
	return "nasbot_oidc"
}

func (s *server) oidcStart(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.fail(w, r, http.StatusNotFound, "Single sign-on is not set up; sign in with your password.")
		return
	}
	oauth, _, err := s.oidc.setup(r.Context())
	if err != nil {
		s.log.Error("desk: oidc", slog.String("error", err.Error()))
		s.showLogin(w, r, http.StatusBadGateway, loginData{Error: "The sign-on service cannot be reached. Try again, or sign in with your password."})
		return
	}
	flow := oidcFlow{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		Next: localPath(r.URL.Query().Get("next"), "/")}
	b, _ := json.Marshal(flow)
	http.SetCookie(w, &http.Cookie{Name: s.flowCookieName(), Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: 600, HttpOnly: true, Secure: s.cfg.SecureCookie, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, oauth.AuthCodeURL(flow.State, oidc.Nonce(flow.Nonce), oauth2.S256ChallengeOption(flow.Verifier)),
		http.StatusFound)
}

func (s *server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.fail(w, r, http.StatusNotFound, "Single sign-on is not set up; sign in with your password.")
		return
	}
	refuse := func(status int, why string, cause error) {
		attrs := []any{slog.String("why", why)}
		if cause != nil {
			attrs = append(attrs, slog.String("error", cause.Error()))
		}
		s.log.Warn("desk: oidc sign-in refused", attrs...)
		s.observe("oidc", "refused")
		s.showLogin(w, r, status, loginData{Error: why})
	}
	flow, idt, email, rf := s.oidcIdentity(w, r)
	if rf != nil {
		refuse(rf.status, rf.why, rf.cause)
		return
	}
	st, err := s.store.StaffMember(r.Context(), email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && st.Status != store.StaffActive) {
		refuse(http.StatusForbidden, email+" is not an active NAS staff account. Ask an admin to add you.", nil)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := s.cfg.Now()
	bound, err := s.store.BindStaffIdentity(r.Context(), st.Email, idt.Issuer, idt.Subject, now)
	if errors.Is(err, store.ErrOtherIdentity) {
		s.otherIdentity(r, st.Email, idt)
		refuse(http.StatusForbidden, "This sign-on account is not the one "+st.Email+" signs in with. Ask an admin.", err)
		return
	} else if errors.Is(err, store.ErrNotFound) {
		refuse(http.StatusForbidden, email+" is not an active NAS staff account. Ask an admin to add you.", nil)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	if bound {
		s.log.Info("desk: sign-on identity bound", slog.String("staff", st.Email), slog.String("issuer", idt.Issuer),
			slog.String("subject", idt.Subject))
	}
	if err := s.startSession(w, r, st.Email); errors.Is(err, store.ErrNotFound) { // disabled since the check
		refuse(http.StatusForbidden, email+" is not an active NAS staff account. Ask an admin to add you.", nil)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.observe("oidc", "ok")
	s.log.Info("desk: signed in", slog.String("staff", st.Email), slog.String("method", "oidc"))
	redirect(w, r, localPath(flow.Next, "/"))
}

// oidcRefusal is why a sign-on answer is refused: the status, the words for the person, and the
// cause for the log.
type oidcRefusal struct {
	status int
	why    string
	cause  error
}

// oidcIdentity checks the provider's answer to this browser's sign-on (state, nonce, the ID
// token's signature, issuer and subject) and returns who it proves: the verified email.
func (s *server) oidcIdentity(w http.ResponseWriter, r *http.Request) (flow oidcFlow, idt *oidc.IDToken, email string, rf *oidcRefusal) {
	flow, err := s.readFlow(r)
	http.SetCookie(w, &http.Cookie{Name: s.flowCookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookie, SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	switch {
	case err != nil:
		return flow, nil, "", &oidcRefusal{http.StatusBadRequest, "The sign-on took too long or was started elsewhere. Try again.", err}
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(flow.State)) != 1:
		return flow, nil, "", &oidcRefusal{http.StatusBadRequest, "The sign-on answer did not match this browser. Try again.", nil}
	case q.Get("error") != "":
		return flow, nil, "", &oidcRefusal{http.StatusUnauthorized, "The sign-on service refused: " + q.Get("error"), nil}
	}
	oauth, verifier, err := s.oidc.setup(r.Context())
	if err != nil {
		return flow, nil, "", &oidcRefusal{http.StatusBadGateway, "The sign-on service cannot be reached. Try again.", err}
	}
	notConfirmed := "The sign-on service did not confirm who you are."
	tok, err := oauth.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		return flow, nil, "", &oidcRefusal{http.StatusUnauthorized, notConfirmed, err}
	}
	raw, _ := tok.Extra("id_token").(string)
	if idt, err = verifier.Verify(r.Context(), raw); err != nil {
		return flow, nil, "", &oidcRefusal{http.StatusUnauthorized, notConfirmed, err}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 {
		return flow, nil, "", &oidcRefusal{http.StatusUnauthorized, "The sign-on answer was not for this sign-in. Try again.", nil}
	}
	if email, err = verifiedEmail(idt); err != nil {
		return flow, nil, "", &oidcRefusal{http.StatusUnauthorized, "The sign-on service did not give a verified address.", err}
	}
	// go-oidc checked the issuer already; this is the same rule said where it matters.
	if idt.Issuer != s.cfg.OIDC.Issuer || idt.Subject == "" {
		return flow, nil, "", &oidcRefusal{http.StatusUnauthorized, notConfirmed, errors.New("issuer or subject")}
	}
	return flow, idt, email, nil
}

// verifiedEmail is the ID token's email claim, when the provider says it verified it: the
// email_verified claim must be the JSON value true (OpenID Connect Core 1.0 section 5.1). No
// other claim stands in for a missing one: preferred_username, upn and the like are set by the
// user or their tenant, not proven, and trusting them is the "nOAuth" takeover.
func verifiedEmail(idt *oidc.IDToken) (string, error) {
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", err
	}
	email := strings.ToLower(strings.TrimSpace(claims.Email))
	switch {
	case email == "":
		return "", errors.New("no email claim")
	case claims.EmailVerified != true:
		return "", fmt.Errorf("email_verified is %v, not true", claims.EmailVerified)
	case len(email) > maxAddressLength || !addressPattern.MatchString(email):
		return "", errors.New("the email claim is not an address")
	}
	return email, nil
}

// otherIdentity audits a sign-on for a bound staff member by another account of the provider:
// someone else claims their address.
func (s *server) otherIdentity(r *http.Request, email string, idt *oidc.IDToken) {
	s.observe("oidc", "other_identity")
	detail := "issuer " + idt.Issuer + " subject " + idt.Subject
	s.log.Warn("desk: sign-on by another identity refused", slog.String("staff", email), slog.String("issuer", idt.Issuer),
		slog.String("subject", idt.Subject), slog.String("ip", s.clientIP(r).String()))
	err := s.store.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.Audit(auditActor, "sign-on by another identity refused", "staff "+email, detail, s.cfg.Now())
	})
	if err != nil {
		s.log.Error("desk: audit refused sign-on", slog.String("error", err.Error()))
	}
}

func (s *server) readFlow(r *http.Request) (oidcFlow, error) {
	var f oidcFlow
	c, err := r.Cookie(s.flowCookieName())
	if err != nil {
		return f, err
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, err
	}
	if f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return f, errors.New("incomplete sign-on cookie")
	}
	return f, nil
}

func randomToken() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
