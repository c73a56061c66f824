package web

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"nasbot/store"
)

func loginForm(email, password string) url.Values {
	return url.Values{"email": {email}, "password": {password}}
}

func TestPasswordSignIn(t *testing.T) {
	td := newTestDesk(t)
	tests := []struct {
		name, email, password string
		status                int
		says                  string
	}{
		{"wrong password", reviewerEmail, "not the password", http.StatusUnauthorized, "do not match an active staff account"},
		{"unknown address", "who@nas.test", testPassword, http.StatusUnauthorized, "do not match an active staff account"},
		{"empty", "", "", http.StatusUnprocessableEntity, "Enter your address and password."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := td.request("", http.MethodPost, "/login", loginForm(tt.email, tt.password))
			wantStatus(t, w, tt.status)
			wantBody(t, w, tt.says)
			if len(w.Result().Cookies()) != 0 {
				t.Errorf("a failed sign-in set cookies: %v", w.Result().Cookies())
			}
		})
	}

	// Signing in sends staff where they were going, never off the desk.
	for next, want := range map[string]string{"/exceptions/3?x=1": "/exceptions/3?x=1", "//evil.example/": "/",
		"https://evil.example/": "/", `/\evil.example`: "/", "": "/"} {
		form := loginForm(adminEmail, testPassword)
		form.Set("next", next)
		w := td.request("", http.MethodPost, "/login", form)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("next %q: %d to %q, want %q", next, w.Code, w.Header().Get("Location"), want)
		}
	}
	wantBody(t, td.get("", "/login?next=%2Fexceptions%2F3"), `name="next" value="/exceptions/3"`)

	// Signed in, /login goes to the queue; signing out ends the session for good.
	w := td.get(reviewerEmail, "/login")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Errorf("login page when signed in: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = td.post(reviewerEmail, "/logout", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" || w.Result().Cookies()[0].MaxAge >= 0 {
		t.Errorf("logout: %d %v", w.Code, w.Result().Cookies())
	}
	if w := td.get(reviewerEmail, "/"); w.Code != http.StatusSeeOther {
		t.Errorf("the old cookie still works after sign-out: %d", w.Code)
	}

	// A disabled member, or one without a password (SSO only), cannot sign in with one.
	td = newTestDesk(t) // a fresh rate limiter
	if err := td.st.SetStaffStatus(t.Context(), adminEmail, store.StaffDisabled); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, td.request("", http.MethodPost, "/login", loginForm(adminEmail, testPassword)), http.StatusUnauthorized)
	if _, err := td.st.PutStaff(t.Context(), store.Staff{Email: "sso@nas.test", Role: store.StaffReviewer}, testNow); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, td.request("", http.MethodPost, "/login", loginForm("sso@nas.test", "")), http.StatusUnprocessableEntity)
	wantStatus(t, td.request("", http.MethodPost, "/login", loginForm("sso@nas.test", "anything at all")), http.StatusUnauthorized)
}

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || len(strings.Split(h, "$")) != 6 {
		t.Errorf("not a PHC argon2id string: %s", h)
	}
	h2, _ := HashPassword(testPassword)
	if h == h2 {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
	if !CheckPassword(h, testPassword) || CheckPassword(h, testPassword+" ") || CheckPassword(h, "") {
		t.Errorf("CheckPassword")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=999999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", strings.Replace(h, "v=19", "v=16", 1)} {
		if CheckPassword(bad, testPassword) {
			t.Errorf("a malformed hash matched: %q", bad)
		}
	}
	if _, err := HashPassword("short"); err != ErrWeakPassword {
		t.Errorf("short password: %v", err)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/": "/", "/a?b=c": "/a?b=c", "": "F", "a": "F", "//x": "F", `/\x`: "F",
		"http://x/": "F", "/a\r\nb": "F", `/a\b`: "F"} {
		if got := localPath(in, "F"); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWorkingAge(t *testing.T) {
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) } // 2 March 2026 is a Monday
	tests := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"same day", at(2, 9), at(2, 17), 8 * time.Hour},
		{"over a night", at(2, 12), at(3, 12), 24 * time.Hour},
		{"friday to monday", at(6, 16), at(9, 10), 18 * time.Hour},
		{"within a weekend", at(7, 10), at(8, 20), 0},
		{"saturday to tuesday noon", at(7, 12), at(10, 12), 36 * time.Hour},
		{"backwards", at(3, 12), at(2, 12), 0},
	}
	for _, tt := range tests {
		if got := workingAge(tt.from, tt.to, time.UTC); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if got := workingAge(at(2, 0), at(2, 0).Add(700*24*time.Hour), time.UTC); got != 500*24*time.Hour {
		t.Errorf("long ages are five sevenths: %s", got)
	}
	for d, want := range map[time.Duration]string{30 * time.Second: "just now", 45 * time.Minute: "45m",
		3*time.Hour + 10*time.Minute: "3h 10m", 52 * time.Hour: "2d 4h"} {
		if got := humanAge(d); got != want {
			t.Errorf("humanAge(%s) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{24 * time.Hour: "1 working day", 48 * time.Hour: "2 working days",
		4 * time.Hour: "4h 0m of working time"} {
		if got := workingTarget(d); got != want {
			t.Errorf("workingTarget(%s) = %q, want %q", d, got, want)
		}
	}
}

// fakeIdP is an OpenID Connect provider on loopback: discovery, keys, and a token endpoint that
// checks the PKCE verifier and answers with an ID token for whoever the test chooses.
type fakeIdP struct {
	srv *httptest.Server
	key *rsa.PrivateKey

	mu        sync.Mutex
	challenge string
	claims    map[string]any
}

func newFakeIdP(t *testing.T) *fakeIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeIdP{key: key}
	mux := http.NewServeMux()
	b64 := base64.RawURLEncoding
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize",
			"token_endpoint": p.srv.URL + "/token", "jwks_uri": p.srv.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64.EncodeToString(key.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if r.PostFormValue("code") != "good-code" || b64.EncodeToString(sum[:]) != p.challenge {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300,
			"id_token": p.sign(t, p.claims)})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakeIdP) sign(t *testing.T, claims map[string]any) string {
	b64 := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"})
	body, _ := json.Marshal(claims)
	signed := b64.EncodeToString(header) + "." + b64.EncodeToString(body)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64.EncodeToString(sig)
}

func TestOIDCSignIn(t *testing.T) {
	idp := newFakeIdP(t)
	td := newTestDesk(t, func(c *Config) {
		c.OIDC = OIDCConfig{Issuer: idp.srv.URL, ClientID: "nas-desk", ClientSecret: "s3cret",
			RedirectURL: "http://desk.test/login/oidc/callback", Label: "Sign in with NHS login"}
	})
	wantBody(t, td.get("", "/login"), "Sign in with NHS login", `href="/login/oidc"`)

	// start begins a sign-in: the redirect to the provider and the browser's flow cookie.
	start := func(t *testing.T) (url.Values, *http.Cookie) {
		t.Helper()
		w := td.get("", "/login/oidc?next=%2Freplies")
		wantStatus(t, w, http.StatusFound)
		loc, err := url.Parse(w.Header().Get("Location"))
		if err != nil || !strings.HasPrefix(loc.String(), idp.srv.URL+"/authorize") {
			t.Fatalf("redirect to %v", loc)
		}
		q := loc.Query()
		if q.Get("client_id") != "nas-desk" || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" ||
			!strings.Contains(q.Get("scope"), "openid") || q.Get("redirect_uri") != "http://desk.test/login/oidc/callback" {
			t.Fatalf("authorization request: %v", q)
		}
		idp.mu.Lock()
		idp.challenge = q.Get("code_challenge")
		idp.mu.Unlock()
		c := w.Result().Cookies()[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 600 {
			t.Errorf("flow cookie %+v", c)
		}
		return q, c
	}
	callback := func(t *testing.T, state, code string, flow *http.Cookie, claims map[string]any) *httptest.ResponseRecorder {
		t.Helper()
		idp.mu.Lock()
		idp.claims = claims
		idp.mu.Unlock()
		r := httptest.NewRequest(http.MethodGet, "/login/oidc/callback?"+url.Values{"state": {state}, "code": {code}}.Encode(), nil)
		if flow != nil {
			r.AddCookie(flow)
		}
		w := httptest.NewRecorder()
		td.h.ServeHTTP(w, r)
		return w
	}
	claims := func(q url.Values, email string, verified bool) map[string]any {
		return map[string]any{"iss": idp.srv.URL, "aud": "nas-desk", "sub": "u1", "nonce": q.Get("nonce"),
			"email": email, "email_verified": verified, "iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix()}
	}

	t.Run("staff member", func(t *testing.T) {
		q, flow := start(t)
		w := callback(t, q.Get("state"), "good-code", flow, claims(q, "Rob.Reviewer@nas.test", true))
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/replies" {
			t.Fatalf("callback: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body)
		}
		var session *http.Cookie
		for _, c := range w.Result().Cookies() {
			if c.Name == "nasbot_session" {
				session = c
			}
		}
		if session == nil {
			t.Fatalf("no session cookie: %v", w.Result().Cookies())
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(session)
		rec := httptest.NewRecorder()
		td.h.ServeHTTP(rec, r)
		wantStatus(t, rec, http.StatusOK)
		wantBody(t, rec, reviewerEmail)
	})
	refusals := []struct {
		name   string
		status int
		says   string
		call   func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder
	}{
		{"not staff", http.StatusForbidden, "not an active NAS staff account", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			return callback(t, q.Get("state"), "good-code", flow, claims(q, "someone@nhs.net", true))
		}},
		{"unverified email", http.StatusUnauthorized, "did not give a verified address", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			return callback(t, q.Get("state"), "good-code", flow, claims(q, reviewerEmail, false))
		}},
		{"wrong state", http.StatusBadRequest, "did not match this browser", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			return callback(t, "forged", "good-code", flow, claims(q, reviewerEmail, true))
		}},
		{"no flow cookie", http.StatusBadRequest, "Try again", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			return callback(t, q.Get("state"), "good-code", nil, claims(q, reviewerEmail, true))
		}},
		{"bad code", http.StatusUnauthorized, "did not confirm who you are", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			return callback(t, q.Get("state"), "stolen-code", flow, claims(q, reviewerEmail, true))
		}},
		{"replayed token", http.StatusUnauthorized, "was not for this sign-in", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			c := claims(q, reviewerEmail, true)
			c["nonce"] = "an earlier nonce"
			return callback(t, q.Get("state"), "good-code", flow, c)
		}},
		{"token for another client", http.StatusUnauthorized, "did not confirm who you are", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			c := claims(q, reviewerEmail, true)
			c["aud"] = "another-app"
			return callback(t, q.Get("state"), "good-code", flow, c)
		}},
		{"token from an issuer not configured", http.StatusUnauthorized, "did not confirm who you are", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			c := claims(q, reviewerEmail, true)
			c["iss"] = "https://login.attacker.example"
			return callback(t, q.Get("state"), "good-code", flow, c)
		}},
		{"no email_verified", http.StatusUnauthorized, "did not give a verified address", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			c := claims(q, reviewerEmail, true)
			delete(c, "email_verified")
			return callback(t, q.Get("state"), "good-code", flow, c)
		}},
		{"email_verified as a string", http.StatusUnauthorized, "did not give a verified address", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			c := claims(q, reviewerEmail, true)
			c["email_verified"] = "true"
			return callback(t, q.Get("state"), "good-code", flow, c)
		}},
		{"only preferred_username", http.StatusUnauthorized, "did not give a verified address", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			c := claims(q, "", true)
			delete(c, "email")
			c["preferred_username"] = reviewerEmail
			return callback(t, q.Get("state"), "good-code", flow, c)
		}},
		{"only upn", http.StatusUnauthorized, "did not give a verified address", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			c := claims(q, "", true)
			delete(c, "email")
			c["upn"] = reviewerEmail
			return callback(t, q.Get("state"), "good-code", flow, c)
		}},
		{"known email, another subject", http.StatusForbidden, "not the one " + reviewerEmail + " signs in with", func(q url.Values, flow *http.Cookie) *httptest.ResponseRecorder {
			c := claims(q, reviewerEmail, true)
			c["sub"] = "mallory-in-another-tenant"
			return callback(t, q.Get("state"), "good-code", flow, c)
		}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			q, flow := start(t)
			w := tt.call(q, flow)
			wantStatus(t, w, tt.status)
			wantBody(t, w, tt.says)
			for _, c := range w.Result().Cookies() {
				if strings.Contains(c.Name, "session") && c.Value != "" {
					t.Errorf("refused sign-in set a session: %+v", c)
				}
			}
		})
	}

	// The staff member is bound to the subject of their first sign-in; the other subject's
	// attempt is in the audit log.
	if st, _ := td.st.StaffMember(t.Context(), reviewerEmail); st.OIDCIssuer != idp.srv.URL || st.OIDCSubject != "u1" {
		t.Errorf("bound identity %q %q", st.OIDCIssuer, st.OIDCSubject)
	}
	rows, err := td.st.AuditBy(t.Context(), auditActor, testNow.Add(-time.Hour))
	if err != nil || len(rows) != 1 || rows[0].Action != "sign-on by another identity refused" ||
		rows[0].Subject != "staff "+reviewerEmail || !strings.Contains(rows[0].Detail, "subject mallory-in-another-tenant") {
		t.Errorf("audit of the other subject: %+v %v", rows, err)
	}
	// The bound subject still signs in.
	q, flow := start(t)
	wantStatus(t, callback(t, q.Get("state"), "good-code", flow, claims(q, reviewerEmail, true)), http.StatusSeeOther)

	// An admin can forget the binding (the provider changed); the next sign-on binds anew.
	wantBody(t, td.get(adminEmail, "/staff"), "SSO bound to "+idp.srv.URL, `action="/staff/`+reviewerEmail+`/identity"`)
	wantStatus(t, td.post(adminEmail, "/staff/"+reviewerEmail+"/identity", nil), http.StatusSeeOther)
	q, flow = start(t)
	c := claims(q, reviewerEmail, true)
	c["sub"] = "u2"
	wantStatus(t, callback(t, q.Get("state"), "good-code", flow, c), http.StatusSeeOther)
	if st, _ := td.st.StaffMember(t.Context(), reviewerEmail); st.OIDCSubject != "u2" {
		t.Errorf("bound again to %q, want u2", st.OIDCSubject)
	}

	// Without OIDC configured, its routes are not there.
	plain := newTestDesk(t)
	wantStatus(t, plain.get("", "/login/oidc"), http.StatusNotFound)
	wantNotBody(t, plain.get("", "/login"), "/login/oidc")
}
