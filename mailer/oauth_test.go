package mailer

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"golang.org/x/oauth2"
)

// countingTokens is a token source handing out tok-1, tok-2, … (a new one after each
// Invalidate), counting the calls.
type countingTokens struct {
	mu           sync.Mutex
	gen, calls   int
	invalidated  int
	err          error
	staticToken  string // when set, always this token
	expiresAfter time.Duration
}

func (c *countingTokens) Token() (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.err != nil {
		return nil, c.err
	}
	if c.staticToken != "" {
		return &oauth2.Token{AccessToken: c.staticToken, TokenType: "Bearer"}, nil
	}
	if c.gen == 0 {
		c.gen = 1
	}
	t := &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", c.gen), TokenType: "Bearer"}
	if c.expiresAfter != 0 {
		t.Expiry = time.Now().Add(c.expiresAfter)
	}
	return t, nil
}

func (c *countingTokens) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidated++
	c.gen++
}

func (c *countingTokens) counts() (calls, invalidated int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls, c.invalidated
}

func TestSASLInitialResponses(t *testing.T) {
	tests := []struct {
		name, mech, want string
	}{
		// https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
		{"xoauth2", MechXOAuth2, "user=nas@nhs.net\x01auth=Bearer EwBAAl3BAAUFFpUAo7J3Ve\x01\x01"},
		// RFC 7628 section 3.1: gs2-header "n,a=USER," then kvsep, auth=Bearer, kvsep kvsep.
		{"oauthbearer", MechOAuthBearer, "n,a=nas@nhs.net,\x01auth=Bearer EwBAAl3BAAUFFpUAo7J3Ve\x01\x01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOAuthClient(tt.mech, "nas@nhs.net", "EwBAAl3BAAUFFpUAo7J3Ve")
			mech, ir, err := c.Start()
			if err != nil || mech != tt.mech || string(ir) != tt.want {
				t.Errorf("Start = %q, %q, %v; want %q, %q", mech, ir, err, tt.mech, tt.want)
			}
			// After an error challenge the client answers the RFC 7628 dummy response and keeps
			// the status for the error message.
			resp, err := c.Next([]byte(`{"status":"invalid_token","schemes":"bearer","scope":"mail"}`))
			if err != nil || string(resp) != "\x01" {
				t.Errorf("Next = %q, %v; want %q", resp, err, "\x01")
			}
			if got := c.status(); got != ` (server status "invalid_token")` {
				t.Errorf("status = %q", got)
			}
		})
	}
}

// scriptedIMAP serves one IMAP connection: greeting with caps, then AUTHENTICATE answered by
// answer (given the mechanism and decoded initial response; it returns the lines to send),
// then LOGOUT. It reports the AUTHENTICATE command and later client lines.
type scriptedIMAP struct {
	caps   string
	answer func(mech string, ir []byte) (challenge []byte, final string)

	mu    sync.Mutex
	mech  string
	ir    []byte
	after []string // client lines after the initial AUTHENTICATE
}

func (s *scriptedIMAP) dial(t *testing.T) *imapclient.Client {
	t.Helper()
	client, server := net.Pipe()
	go s.serve(server)
	c := imapclient.New(client, nil)
	t.Cleanup(func() { _ = c.Close() })
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *scriptedIMAP) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	fmt.Fprintf(conn, "* OK [CAPABILITY IMAP4rev1 %s] ready\r\n", s.caps)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		tag, rest, _ := strings.Cut(line, " ")
		cmd, args, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(cmd) {
		case "AUTHENTICATE":
			mech, b64, _ := strings.Cut(args, " ")
			ir, _ := base64.StdEncoding.DecodeString(b64)
			s.mu.Lock()
			s.mech, s.ir = mech, ir
			s.mu.Unlock()
			challenge, final := s.answer(mech, ir)
			if challenge != nil {
				fmt.Fprintf(conn, "+ %s\r\n", base64.StdEncoding.EncodeToString(challenge))
				resp, err := r.ReadString('\n')
				if err != nil {
					return
				}
				s.mu.Lock()
				s.after = append(s.after, strings.TrimRight(resp, "\r\n"))
				s.mu.Unlock()
			}
			fmt.Fprintf(conn, "%s %s\r\n", tag, final)
		case "LOGOUT":
			fmt.Fprintf(conn, "* BYE\r\n%s OK bye\r\n", tag)
			return
		default:
			fmt.Fprintf(conn, "%s BAD unexpected\r\n", tag)
		}
	}
}

func TestOAuth2AuthIMAP(t *testing.T) {
	const user = "nas@nhs.net"
	accept := func(mech string, ir []byte) ([]byte, string) { return nil, "OK [CAPABILITY IMAP4rev1 IDLE] Logged in" }
	refuse := func(mech string, ir []byte) ([]byte, string) {
		return []byte(`{"status":"401","schemes":"bearer","scope":"mail"}`), "NO [AUTHENTICATIONFAILED] Authentication failed."
	}
	tests := []struct {
		name       string
		mech       string
		caps       string
		answer     func(string, []byte) ([]byte, string)
		wantIR     string
		wantErr    string // substring; "" means success
		wantAfter  []string
		wantTokens int // Token calls
		wantInval  int
	}{
		{name: "xoauth2 accepted", caps: "SASL-IR AUTH=PLAIN AUTH=XOAUTH2", answer: accept,
			wantIR: "user=nas@nhs.net\x01auth=Bearer tok-1\x01\x01", wantTokens: 1},
		{name: "oauthbearer accepted", mech: MechOAuthBearer, caps: "SASL-IR AUTH=OAUTHBEARER", answer: accept,
			wantIR: "n,a=nas@nhs.net,\x01auth=Bearer tok-1\x01\x01", wantTokens: 1},
		{name: "refused after error challenge", caps: "SASL-IR AUTH=XOAUTH2", answer: refuse,
			wantIR:  "user=nas@nhs.net\x01auth=Bearer tok-1\x01\x01",
			wantErr: `AUTHENTICATIONFAILED`, wantAfter: []string{"AQ=="}, wantTokens: 1, wantInval: 1},
		{name: "mechanism not offered", caps: "SASL-IR AUTH=PLAIN", answer: accept,
			wantErr: "server does not offer AUTH=XOAUTH2 (it offers PLAIN)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &scriptedIMAP{caps: tt.caps, answer: tt.answer}
			tokens := &countingTokens{}
			c := srv.dial(t)
			err := OAuth2Auth{Username: user, Tokens: tokens, Mechanism: tt.mech}.Authenticate(c)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Authenticate = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Authenticate = %v; want an error with %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "tok-") {
				t.Errorf("the error shows the token: %v", err)
			}
			srv.mu.Lock()
			ir, after := string(srv.ir), srv.after
			srv.mu.Unlock()
			if ir != tt.wantIR {
				t.Errorf("initial response %q, want %q", ir, tt.wantIR)
			}
			if fmt.Sprint(after) != fmt.Sprint(tt.wantAfter) {
				t.Errorf("client lines after the challenge %q, want %q", after, tt.wantAfter)
			}
			if calls, inval := tokens.counts(); calls != tt.wantTokens || inval != tt.wantInval {
				t.Errorf("Token calls %d, Invalidate calls %d; want %d, %d", calls, inval, tt.wantTokens, tt.wantInval)
			}
		})
	}
}

func TestOAuth2AuthIMAPTokenError(t *testing.T) {
	srv := &scriptedIMAP{caps: "SASL-IR AUTH=XOAUTH2", answer: func(string, []byte) ([]byte, string) { return nil, "OK" }}
	tokens := &countingTokens{err: errors.New("token endpoint down")}
	err := OAuth2Auth{Username: "nas@nhs.net", Tokens: tokens}.Authenticate(srv.dial(t))
	if err == nil || !strings.Contains(err.Error(), "token endpoint down") {
		t.Fatalf("Authenticate = %v; want the token error", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.mech != "" {
		t.Errorf("AUTHENTICATE %s was sent without a token", srv.mech)
	}
}

func TestOAuth2AuthCheck(t *testing.T) {
	tokens := &countingTokens{}
	for _, tt := range []struct {
		name string
		a    OAuth2Auth
		want string
	}{
		{"no user", OAuth2Auth{Tokens: tokens}, "no user name"},
		{"no tokens", OAuth2Auth{Username: "nas@nhs.net"}, "no token source"},
		{"bad mechanism", OAuth2Auth{Username: "nas@nhs.net", Tokens: tokens, Mechanism: "PLAIN"}, `mechanism "PLAIN"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.a.check(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("check = %v; want %q", err, tt.want)
			}
			_, err := NewSender(SMTPConfig{URL: "smtp://127.0.0.1:25", OAuth2: &tt.a}, &memOutbox{}, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewSender = %v; want %q", err, tt.want)
			}
		})
	}
}

// tokenEndpoint is an httptest OAuth 2.0 token endpoint for the client-credentials grant that
// checks the request as Entra ID would and counts the tokens it issued.
type tokenEndpoint struct {
	*httptest.Server
	expiresIn atomic.Int64 // seconds
	issued    atomic.Int32
	bad       atomic.Value // string: what was wrong with the last refused request
}

func newTokenEndpoint(t *testing.T) *tokenEndpoint {
	e := &tokenEndpoint{}
	e.expiresIn.Store(3600)
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse := func(status int, code, why string) {
			e.bad.Store(why)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":%q,"error_description":"AADSTS: %s"}`, code, why)
		}
		if r.Method != http.MethodPost || r.URL.Path != "/tenant/oauth2/v2.0/token" {
			refuse(http.StatusNotFound, "invalid_request", "method or path")
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			refuse(http.StatusBadRequest, "invalid_request", "content type "+ct)
			return
		}
		if err := r.ParseForm(); err != nil {
			refuse(http.StatusBadRequest, "invalid_request", "form")
			return
		}
		f := r.PostForm
		switch {
		case f.Get("grant_type") != "client_credentials":
			refuse(http.StatusBadRequest, "unsupported_grant_type", "grant_type "+f.Get("grant_type"))
		case r.Header.Get("Authorization") != "":
			refuse(http.StatusBadRequest, "invalid_request", "credentials in a header, want the body")
		case f.Get("client_id") != "app-id" || f.Get("client_secret") != "s3cret":
			refuse(http.StatusUnauthorized, "invalid_client", "client")
		case f.Get("scope") != ExchangeOnlineScope:
			refuse(http.StatusBadRequest, "invalid_scope", "scope "+f.Get("scope"))
		default:
			n := e.issued.Add(1)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":%d,"ext_expires_in":%[1]d,"access_token":"at-%d"}`,
				e.expiresIn.Load(), n)
		}
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *tokenEndpoint) creds() ClientCredentials {
	return ClientCredentials{
		TokenURL:     e.URL + "/tenant/oauth2/v2.0/token",
		ClientID:     "app-id",
		ClientSecret: "s3cret",
		Scopes:       []string{ExchangeOnlineScope},
	}
}

func TestClientCredentialsSourceReusesUntilNearExpiry(t *testing.T) {
	e := newTokenEndpoint(t)
	ts, err := NewClientCredentialsSource(context.Background(), e.creds(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	token := func() string {
		t.Helper()
		tok, err := ts.Token()
		if err != nil {
			t.Fatalf("Token: %v (endpoint refused: %v)", err, e.bad.Load())
		}
		return tok.AccessToken
	}

	// An hour-long token serves every connection.
	for range 5 {
		if got := token(); got != "at-1" {
			t.Fatalf("token %q, want at-1", got)
		}
	}
	if n := e.issued.Load(); n != 1 {
		t.Fatalf("%d token requests for 5 connections, want 1", n)
	}

	// A refused token is dropped: the next connection gets a new one.
	ts.Invalidate()
	if got := token(); got != "at-2" || e.issued.Load() != 2 {
		t.Fatalf("after Invalidate: token %q after %d requests; want at-2 after 2", got, e.issued.Load())
	}

	// Tokens that expire within RefreshBefore (5 min) are never reused.
	e.expiresIn.Store(240)
	ts.Invalidate()
	for i := 3; i <= 5; i++ {
		if got, want := token(), fmt.Sprintf("at-%d", i); got != want {
			t.Fatalf("token %q, want %q (a new one each time)", got, want)
		}
	}
	// One living 6 minutes is reused (it has a minute before the 5-minute margin).
	e.expiresIn.Store(360)
	ts.Invalidate()
	first := token()
	if got := token(); got != first {
		t.Errorf("a token with 6 minutes left was not reused: %q then %q", first, got)
	}
}

func TestTokenSourceRefreshesBeforeExpiry(t *testing.T) {
	// The cache alone, over a fake source: a token is replaced once fewer than RefreshBefore
	// remain of its life, not when it has expired.
	src := &countingTokens{expiresAfter: 10 * time.Minute}
	ts := newTokenSource(src, 5*time.Minute, nil)
	for range 3 {
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if calls, _ := src.counts(); calls != 1 {
		t.Fatalf("%d fetches for a token with 10 min left, want 1", calls)
	}
	src.mu.Lock()
	src.expiresAfter = 4*time.Minute + 59*time.Second // still valid, but inside the margin
	src.mu.Unlock()
	ts.Invalidate()
	for range 3 {
		tok, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if !tok.Expiry.After(time.Now()) {
			t.Fatal("the fake token has expired: the test is wrong")
		}
	}
	if calls, _ := src.counts(); calls != 4 {
		t.Errorf("%d fetches; want 1 + 3: a token within 5 min of expiry is fetched again every time", calls)
	}
}

func TestClientCredentialsErrors(t *testing.T) {
	e := newTokenEndpoint(t)
	cc := e.creds()
	cc.ClientSecret = "wrong-secret-value"
	ts, err := NewClientCredentialsSource(context.Background(), cc, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts.Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Fatalf("Token = %v; want an oauth2.RetrieveError invalid_client", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("the error shows the secret: %v", err)
	}

	for _, tt := range []struct {
		name string
		edit func(*ClientCredentials)
		want string
	}{
		{"no url", func(c *ClientCredentials) { c.TokenURL = "" }, "no token URL"},
		{"not http", func(c *ClientCredentials) { c.TokenURL = "login.microsoftonline.com/x" }, "is not an http(s) URL"},
		{"no id", func(c *ClientCredentials) { c.ClientID = "" }, "no client id"},
		{"no secret", func(c *ClientCredentials) { c.ClientSecret = "" }, "no client secret"},
		{"negative margin", func(c *ClientCredentials) { c.RefreshBefore = -time.Second }, "negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cc := e.creds()
			tt.edit(&cc)
			if _, err := NewClientCredentialsSource(context.Background(), cc, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewClientCredentialsSource = %v; want %q", err, tt.want)
			}
		})
	}
}

// oauthSMTP is a go-smtp server that accepts XOAUTH2 and OAUTHBEARER with one valid token.
type oauthSMTP struct {
	mechs []string
	valid string // the token accepted, for user nas@nhs.net

	mu        sync.Mutex
	auths     []string // "MECH token ok|refused"
	delivered int
}

func startOAuthSMTP(t *testing.T, mechs ...string) (*oauthSMTP, string) {
	t.Helper()
	b := &oauthSMTP{mechs: mechs, valid: "tok-1"}
	s := smtp.NewServer(b)
	s.Domain = "smtp.test"
	s.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return b, ln.Addr().String()
}

func (b *oauthSMTP) NewSession(*smtp.Conn) (smtp.Session, error) { return &oauthSession{b: b}, nil }

func (b *oauthSMTP) log(mech, token string, ok bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	res := "refused"
	if ok {
		res = "ok"
	}
	b.auths = append(b.auths, mech+" "+token+" "+res)
	if !ok {
		return smtp.ErrAuthFailed
	}
	return nil
}

type oauthSession struct {
	b    *oauthSMTP
	auth bool
}

func (s *oauthSession) AuthMechanisms() []string { return s.b.mechs }

func (s *oauthSession) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case MechOAuthBearer:
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if err := s.b.log(mech, o.Token, o.Username == "nas@nhs.net" && o.Token == s.b.valid); err != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			s.auth = true
			return nil
		}), nil
	case MechXOAuth2:
		return &xoauth2Server{check: func(user, token string) error {
			if err := s.b.log(mech, token, user == "nas@nhs.net" && token == s.b.valid); err != nil {
				return err
			}
			s.auth = true
			return nil
		}}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *oauthSession) Mail(string, *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (s *oauthSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *oauthSession) Data(r io.Reader) error {
	_, _ = io.Copy(io.Discard, r)
	s.b.mu.Lock()
	s.b.delivered++
	s.b.mu.Unlock()
	return nil
}
func (s *oauthSession) Reset()        {}
func (s *oauthSession) Logout() error { return nil }

// xoauth2Server is the server side of XOAUTH2 as Google documents it: a refused token gets a
// JSON status as a challenge, then the client's (empty) answer gets the failure.
type xoauth2Server struct {
	check  func(user, token string) error
	failed error
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed != nil {
		return nil, true, x.failed
	}
	if resp == nil {
		return []byte{}, false, nil
	}
	fields := strings.Split(string(resp), "\x01")
	user, _ := strings.CutPrefix(fields[0], "user=")
	var token string
	if len(fields) > 1 {
		token, _ = strings.CutPrefix(fields[1], "auth=Bearer ")
	}
	if err := x.check(user, token); err != nil {
		x.failed = err
		return []byte(`{"status":"401","schemes":"bearer"}`), false, nil
	}
	return nil, true, nil
}

func TestSenderOAuth2(t *testing.T) {
	for _, mech := range []string{MechXOAuth2, MechOAuthBearer} {
		t.Run(mech, func(t *testing.T) {
			srv, addr := startOAuthSMTP(t, "PLAIN", mech)
			outbox := &memOutbox{}
			clock := &fakeClock{t: t0}
			tokens := &countingTokens{}
			s, err := NewSender(SMTPConfig{URL: "smtp://" + addr + "?tls=none",
				OAuth2: &OAuth2Auth{Username: "nas@nhs.net", Tokens: tokens, Mechanism: mech}}, outbox, testLogger(t), clock.now)
			if err != nil {
				t.Fatal(err)
			}
			// Two rounds, two connections: the token source is asked each time.
			for i := 1; i <= 2; i++ {
				outbox.add(reply(i, "ivy@nhs.net"))
				if sent, err := s.SendOnce(context.Background()); err != nil || sent != 1 {
					t.Fatalf("round %d: SendOnce = %d, %v", i, sent, err)
				}
			}
			if calls, inval := tokens.counts(); calls != 2 || inval != 0 {
				t.Errorf("Token calls %d, Invalidate %d; want 2, 0", calls, inval)
			}

			// The server stops taking tok-1: the round fails, the token is dropped, and the
			// next round presents tok-2.
			srv.mu.Lock()
			srv.valid = "tok-2"
			srv.mu.Unlock()
			outbox.add(reply(3, "ivy@nhs.net"))
			if sent, err := s.SendOnce(context.Background()); err == nil || sent != 0 {
				t.Fatalf("SendOnce with a refused token = %d, %v; want an error", sent, err)
			} else if strings.Contains(err.Error(), "tok-1") {
				t.Errorf("the error shows the token: %v", err)
			}
			if _, inval := tokens.counts(); inval != 1 {
				t.Errorf("Invalidate calls %d after a 535, want 1", inval)
			}
			clock.advance(DefaultRetry.AfterOutage)
			if sent, err := s.SendOnce(context.Background()); err != nil || sent != 1 {
				t.Fatalf("SendOnce with a new token = %d, %v", sent, err)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			want := []string{mech + " tok-1 ok", mech + " tok-1 ok", mech + " tok-1 refused", mech + " tok-2 ok"}
			if fmt.Sprint(srv.auths) != fmt.Sprint(want) || srv.delivered != 3 {
				t.Errorf("server saw %q and %d messages; want %q and 3", srv.auths, srv.delivered, want)
			}
		})
	}
}

func TestSenderOAuth2Failures(t *testing.T) {
	t.Run("mechanism not offered", func(t *testing.T) {
		_, addr := startOAuthSMTP(t, "PLAIN")
		outbox := &memOutbox{}
		outbox.add(reply(1, "ivy@nhs.net"))
		s, err := NewSender(SMTPConfig{URL: "smtp://" + addr + "?tls=none",
			OAuth2: &OAuth2Auth{Username: "nas@nhs.net", Tokens: &countingTokens{}}}, outbox, testLogger(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SendOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "does not offer AUTH XOAUTH2") {
			t.Errorf("SendOnce = %v; want a clear error", err)
		}
	})
	t.Run("token endpoint down", func(t *testing.T) {
		srv, addr := startOAuthSMTP(t, MechXOAuth2)
		outbox := &memOutbox{}
		outbox.add(reply(1, "ivy@nhs.net"))
		s, err := NewSender(SMTPConfig{URL: "smtp://" + addr + "?tls=none",
			OAuth2: &OAuth2Auth{Username: "nas@nhs.net", Tokens: &countingTokens{err: errors.New("token endpoint down")}}},
			outbox, testLogger(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SendOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "token endpoint down") {
			t.Errorf("SendOnce = %v; want the token error", err)
		}
		// No connection was made, so the reply has no failed attempt against it.
		if it := outbox.get(1); it.state != "pending" || it.fails != 0 {
			t.Errorf("reply state %q with %d failures after a token failure; want pending, 0", it.state, it.fails)
		}
		srv.mu.Lock()
		defer srv.mu.Unlock()
		if len(srv.auths) != 0 {
			t.Errorf("server saw AUTH %q without a token", srv.auths)
		}
	})
}
