package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvOAuthAddr is where the test Dovecot (and Exim) ask whether a bearer token is valid:
// scripts/services.sh configures Dovecot's oauth2 passdb with
// introspection_url = http://ADDR/introspect, and a test serves that address with OAuthIdP.
const EnvOAuthAddr = "NASBOT_TEST_OAUTH_ADDR"

// DefaultOAuthAddr is used when EnvOAuthAddr is unset (services.sh's default port).
const DefaultOAuthAddr = "127.0.0.1:58080"

// IdP is a fake OAuth 2.0 authorization server on the fixed address the test mail servers call:
// a token endpoint for the client-credentials grant (RFC 6749 section 4.4) and a token
// introspection endpoint (RFC 7662) that Dovecot's oauth2 passdb and Exim's XOAUTH2
// authenticator ask. A token is active until it expires or is revoked, for the one user its
// client was registered with.
//
// The address is fixed (Dovecot's config names it), so one IdP is shared by the tests of a
// test binary and held only while one of them runs; another test binary waits for it.
type IdP struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:58080; TokenURL is URL + "/token".
	URL, TokenURL string

	mu      sync.Mutex
	clients map[string]*idpClient
	tokens  map[string]*idpToken
}

type idpClient struct {
	secret, username, scope string
	ttl                     time.Duration
	grants                  int
}

type idpToken struct {
	client, username, scope string
	expires                 time.Time
	revoked                 bool
	introspected            int
}

var (
	idpMu   sync.Mutex
	idp     *IdP
	idpSrv  *http.Server
	idpRefs int
)

// OAuthIdP returns the shared fake authorization server, started on EnvOAuthAddr (default
// DefaultOAuthAddr) if no test of this binary holds it, after checking that Dovecot and Exim
// offer XOAUTH2 and OAUTHBEARER (that is, run the configs that ask this server).
func (m Mail) OAuthIdP(t testing.TB) *IdP {
	t.Helper()
	addr := strings.TrimSpace(os.Getenv(EnvOAuthAddr))
	if addr == "" {
		addr = DefaultOAuthAddr
	}
	caps, err := imapGreetingCaps(m.IMAPAddr)
	if err != nil {
		unavailable(t, "Dovecot IMAP at %s: %v", m.IMAPAddr, err)
	}
	ehlo, err := smtpEHLO(m.SMTPAddr)
	if err != nil {
		unavailable(t, "Exim SMTP at %s: %v", m.SMTPAddr, err)
	}
	for _, mech := range []string{"XOAUTH2", "OAUTHBEARER"} {
		if !strings.Contains(caps, " AUTH="+mech) {
			unavailable(t, "Dovecot at %s does not offer AUTH=%s: its config predates OAuth; run `bash scripts/services.sh up`, which reloads it", m.IMAPAddr, mech)
		}
		if !slices.Contains(ehlo, mech) {
			unavailable(t, "Exim at %s does not offer AUTH %s: its config predates OAuth; run `bash scripts/services.sh up`, which reloads it", m.SMTPAddr, mech)
		}
	}

	idpMu.Lock()
	defer idpMu.Unlock()
	if idpRefs == 0 {
		ln, err := listenWaiting(addr, 60*time.Second)
		if err != nil {
			t.Fatalf("testenv: fake OAuth server: %v", err)
		}
		p := &IdP{
			URL:     "http://" + ln.Addr().String(),
			clients: map[string]*idpClient{},
			tokens:  map[string]*idpToken{},
		}
		p.TokenURL = p.URL + "/token"
		mux := http.NewServeMux()
		mux.HandleFunc("POST /token", p.serveToken)
		mux.HandleFunc("/introspect", p.serveIntrospect)
		idpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func(srv *http.Server) { _ = srv.Serve(ln) }(idpSrv)
		idp = p
	}
	idpRefs++
	p := idp
	t.Cleanup(func() {
		idpMu.Lock()
		defer idpMu.Unlock()
		if idpRefs--; idpRefs == 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = idpSrv.Shutdown(ctx)
			idp, idpSrv = nil, nil
		}
	})
	return p
}

// listenWaiting listens on addr, waiting while another test binary holds it.
func listenWaiting(addr string, wait time.Duration) (net.Listener, error) {
	deadline := time.Now().Add(wait)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return nil, fmt.Errorf("listen on %s (the introspection address Dovecot calls; another test binary, or something else, holds it): %w", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// imapGreetingCaps returns the greeting line of the IMAP server at addr (Dovecot puts its
// CAPABILITY list there).
func imapGreetingCaps(addr string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(dialTimeout)); err != nil {
		return "", err
	}
	buf := make([]byte, 1024)
	n, err := conn.Read(buf)
	if err != nil {
		return "", fmt.Errorf("no greeting: %w", err)
	}
	return string(buf[:n]), nil
}

// smtpEHLO returns the AUTH mechanisms the SMTP server at addr lists after EHLO.
func smtpEHLO(addr string) ([]string, error) {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(dialTimeout)); err != nil {
		return nil, err
	}
	tc := textproto.NewConn(conn)
	if _, _, err := tc.ReadResponse(220); err != nil {
		return nil, fmt.Errorf("no greeting: %w", err)
	}
	if err := tc.PrintfLine("EHLO testenv"); err != nil {
		return nil, err
	}
	_, msg, err := tc.ReadResponse(250)
	if err != nil {
		return nil, fmt.Errorf("EHLO: %w", err)
	}
	_ = tc.PrintfLine("QUIT")
	for _, line := range strings.Split(msg, "\n") {
		if mechs, ok := strings.CutPrefix(line, "AUTH "); ok {
			return strings.Fields(mechs), nil
		}
	}
	return nil, nil
}

// NewClient registers an app whose client-credentials tokens log in as username and live ttl
// (a token asked for with scope must ask for scope, when scope is not empty). It returns the
// client id and secret.
func (p *IdP) NewClient(username, scope string, ttl time.Duration) (id, secret string) {
	id, secret = "app-"+randomHex(6), "secret-"+randomHex(12)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clients[id] = &idpClient{secret: secret, username: strings.ToLower(username), scope: scope, ttl: ttl}
	return id, secret
}

// Grants is how many tokens were issued to client id.
func (p *IdP) Grants(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.clients[id]; c != nil {
		return c.grants
	}
	return 0
}

// Tokens returns the tokens issued to client id, oldest first.
func (p *IdP) Tokens(id string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	type issued struct {
		tok string
		exp time.Time
	}
	var l []issued
	for tok, it := range p.tokens {
		if it.client == id {
			l = append(l, issued{tok, it.expires})
		}
	}
	// Tokens of one client share a ttl: expiry order is issue order.
	slices.SortFunc(l, func(a, b issued) int { return a.exp.Compare(b.exp) })
	out := make([]string, len(l))
	for i, it := range l {
		out[i] = it.tok
	}
	return out
}

// Revoke makes token inactive: introspection answers {"active":false} from now on.
func (p *IdP) Revoke(token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if it := p.tokens[token]; it != nil {
		it.revoked = true
	}
}

// Introspected is how many times a mail server asked about token.
func (p *IdP) Introspected(token string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if it := p.tokens[token]; it != nil {
		return it.introspected
	}
	return 0
}

// serveToken is the token endpoint: grant_type=client_credentials, the client authenticated
// by client_id and client_secret in the form or by HTTP Basic (RFC 6749 section 2.3.1).
func (p *IdP) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.clients[id]
	if c == nil || secret != c.secret {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	scope := r.PostForm.Get("scope")
	if c.scope != "" && !slices.Contains(strings.Fields(scope), c.scope) {
		oauthError(w, http.StatusBadRequest, "invalid_scope")
		return
	}
	tok := "tok-" + randomHex(16)
	c.grants++
	p.tokens[tok] = &idpToken{client: id, username: c.username, scope: scope, expires: time.Now().Add(c.ttl)}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(c.ttl / time.Second),
	})
}

// serveIntrospect is RFC 7662 introspection: the token comes as a POST form field (Dovecot,
// introspection_mode = post) or a query parameter (Exim). With a username parameter the token
// is active only for that user (Exim cannot compare JSON fields itself).
func (p *IdP) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	p.mu.Lock()
	it := p.tokens[r.Form.Get("token")]
	resp := map[string]any{"active": false}
	if it != nil {
		it.introspected++
		user := r.Form.Get("username")
		if !it.revoked && time.Now().Before(it.expires) && (user == "" || strings.EqualFold(user, it.username)) {
			resp = map[string]any{
				"active":     true,
				"username":   it.username,
				"client_id":  it.client,
				"scope":      it.scope,
				"token_type": "Bearer",
				"exp":        it.expires.Unix(),
			}
		}
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	// Dovecot's HTTP client keeps connections and does not retry: one kept to a server that a
	// finished test shut down would fail the next test's login.
	w.Header().Set("Connection", "close")
	_ = json.NewEncoder(w).Encode(resp)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}
