package mailer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail/smtp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// OAuth 2.0 for the mailbox. Exchange Online refuses passwords (basic auth) for IMAP and SMTP:
// an app registered in Entra ID gets a bearer token by the client-credentials grant (RFC 6749
// section 4.4) and presents it with SASL XOAUTH2 (Google's and Microsoft's mechanism) or
// OAUTHBEARER (RFC 7628). Tokens live about an hour; one is fetched when the cached one is
// within RefreshBefore of expiry, and every new IMAP or SMTP connection asks the cache, so a
// long-lived bot never presents an expired token.

// SASL mechanism names for OAuth2Auth.Mechanism.
const (
	MechXOAuth2     = "XOAUTH2"
	MechOAuthBearer = sasl.OAuthBearer // "OAUTHBEARER", RFC 7628
)

// ExchangeOnlineScope is the scope an app asks for to use IMAP and SMTP of Exchange Online with
// the client-credentials grant (the app needs the IMAP.AccessAsApp and SMTP.SendAsApp roles).
const ExchangeOnlineScope = "https://outlook.office365.com/.default"

// OAuth2Auth logs in with a bearer token from Tokens: an Auth for IMAPConfig.Auth, and the
// SMTP login when set as SMTPConfig.OAuth2. Tokens is asked for a token at every connection;
// give it a caching source (NewClientCredentialsSource) so that this costs nothing until the
// token is about to expire.
type OAuth2Auth struct {
	// Username is the mailbox logged in to, e.g. nas@nhs.net (with the client-credentials
	// grant the token names the app, not the mailbox).
	Username string
	Tokens   oauth2.TokenSource
	// Mechanism is MechXOAuth2 (the default; what Exchange Online offers) or MechOAuthBearer.
	Mechanism string
}

// Invalidator is implemented by token sources that can drop their cached token (TokenSource
// does). OAuth2Auth calls Invalidate when a server refuses a token, so that the next
// connection fetches a new one instead of presenting the refused one until it expires: a
// token issued before an admin granted the app its mailbox role stays useless for its lifetime.
type Invalidator interface {
	Invalidate()
}

func (a OAuth2Auth) mechanism() string {
	if a.Mechanism == "" {
		return MechXOAuth2
	}
	return a.Mechanism
}

func (a OAuth2Auth) check() error {
	switch {
	case a.Username == "":
		return errors.New("mailer: oauth2: no user name (the mailbox address)")
	case a.Tokens == nil:
		return errors.New("mailer: oauth2: no token source")
	case a.mechanism() != MechXOAuth2 && a.mechanism() != MechOAuthBearer:
		return fmt.Errorf("mailer: oauth2: mechanism %q: want %s or %s", a.Mechanism, MechXOAuth2, MechOAuthBearer)
	}
	return nil
}

func (a OAuth2Auth) token() (string, error) {
	t, err := a.Tokens.Token()
	if err != nil {
		return "", fmt.Errorf("mailer: oauth2: get token: %w", err)
	}
	if t.AccessToken == "" {
		return "", errors.New("mailer: oauth2: token source gave an empty access token")
	}
	return t.AccessToken, nil
}

func (a OAuth2Auth) invalidate() {
	if inv, ok := a.Tokens.(Invalidator); ok {
		inv.Invalidate()
	}
}

// Authenticate implements Auth with AUTHENTICATE (RFC 3501 section 6.2.2), sending the token
// as the initial response when the server offers SASL-IR (RFC 4959).
func (a OAuth2Auth) Authenticate(c *imapclient.Client) error {
	if err := a.check(); err != nil {
		return err
	}
	mech := a.mechanism()
	if !c.Caps().Has(imap.Cap("AUTH=" + mech)) {
		return fmt.Errorf("mailer: imap authenticate: server does not offer AUTH=%s (it offers %s)",
			mech, strings.Join(c.Caps().AuthMechanisms(), " "))
	}
	tok, err := a.token()
	if err != nil {
		return err
	}
	sc := newOAuthClient(mech, a.Username, tok)
	if err := c.Authenticate(sc); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			a.invalidate() // the server answered NO: maybe this token, so get another next time
		}
		// Neither the token nor the user name is repeated; the server's own status is.
		return fmt.Errorf("mailer: imap authenticate %s: %w%s", mech, err, sc.status())
	}
	return nil
}

// oauthClient is a sasl.Client for XOAUTH2 or OAUTHBEARER.
//
// When a server refuses the token it first sends a JSON error as a challenge and waits for a
// response before its tagged NO (RFC 7628 section 3.2.3; XOAUTH2 works alike). go-sasl's
// OAUTHBEARER client returns an error there, which leaves the command hanging, and go-imap
// encodes an empty response as "=", which Dovecot answers with BAD; so both mechanisms answer
// with the RFC 7628 dummy response %x01 and keep the server's status for the error message.
type oauthClient struct {
	start     sasl.Client
	challenge []byte
}

func newOAuthClient(mech, user, token string) *oauthClient {
	if mech == MechOAuthBearer {
		return &oauthClient{start: sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token})}
	}
	return &oauthClient{start: xoauth2Client{user: user, token: token}}
}

func (c *oauthClient) Start() (string, []byte, error) { return c.start.Start() }

func (c *oauthClient) Next(challenge []byte) ([]byte, error) {
	c.challenge = challenge
	return []byte{0x01}, nil
}

// status is the server's error status as ` (server status "invalid_token")`, or "".
func (c *oauthClient) status() string {
	if len(c.challenge) == 0 {
		return ""
	}
	var e sasl.OAuthBearerError
	if err := json.Unmarshal(c.challenge, &e); err != nil || e.Status == "" {
		return ""
	}
	return fmt.Sprintf(" (server status %q)", e.Status)
}

// xoauth2Client builds the XOAUTH2 initial response: "user=" {User} ^A "auth=Bearer " {Token}
// ^A ^A (https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/
// how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth). go-sasl has no XOAUTH2.
type xoauth2Client struct{ user, token string }

func (c xoauth2Client) Start() (string, []byte, error) {
	return MechXOAuth2, []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

func (c xoauth2Client) Next([]byte) ([]byte, error) { return []byte{0x01}, nil }

// smtpAuth fetches a token (one per SMTP connection) and returns go-mail's AUTH for it.
func (a OAuth2Auth) smtpAuth() (smtp.Auth, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	tok, err := a.token()
	if err != nil {
		return nil, err
	}
	return &smtpOAuth{mech: a.mechanism(), sc: newOAuthClient(a.mechanism(), a.Username, tok)}, nil
}

// smtpRefused drops the cached token when err (from connecting) is the server refusing the
// AUTH (RFC 4954 section 6: 535 credentials invalid, or 454 temporary failure, which go-smtp
// servers answer to a refused OAUTHBEARER), with or without an error challenge before it.
func (a OAuth2Auth) smtpRefused(err error) {
	var te *textproto.Error
	if errors.As(err, &te) && (te.Code == 535 || te.Code == 454) {
		a.invalidate()
	}
}

// smtpOAuth adapts oauthClient to go-mail's smtp.Auth (RFC 4954 AUTH with an initial
// response). go-mail's own SMTPAuthXOAUTH2 sends the same bytes, but it cannot do OAUTHBEARER
// nor tell us that the token was refused.
type smtpOAuth struct {
	mech string
	sc   *oauthClient
}

func (s *smtpOAuth) Start(info *smtp.ServerInfo) (string, []byte, error) {
	if !slices.Contains(info.Auth, s.mech) {
		return "", nil, fmt.Errorf("mailer: smtp server does not offer AUTH %s (it offers %s)", s.mech, strings.Join(info.Auth, " "))
	}
	return s.sc.Start()
}

func (s *smtpOAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil // 235: accepted
	}
	// A 334 after the initial response is the server's error status (RFC 7628 section 3.2.3);
	// the client answers with an empty line (XOAUTH2) or the dummy %x01 (OAUTHBEARER), and the
	// server then says 535.
	s.sc.challenge = fromServer
	if s.mech == MechXOAuth2 {
		return []byte{}, nil
	}
	return []byte{0x01}, nil
}

// ClientCredentials are an app's settings for the OAuth 2.0 client-credentials grant (RFC 6749
// section 4.4), e.g. for Exchange Online: TokenURL
// https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token, Scopes [ExchangeOnlineScope].
type ClientCredentials struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// RefreshBefore is how long before its expiry a token is replaced. Default 5 min, so a
	// token is never presented in the last minutes of its life (clock skew, slow logins).
	RefreshBefore time.Duration
	// HTTPClient makes the token requests; nil means one with a 30 s timeout.
	HTTPClient *http.Client
}

// Validate names the first missing or bad setting.
func (cc ClientCredentials) Validate() error {
	u, err := url.Parse(cc.TokenURL)
	switch {
	case cc.TokenURL == "":
		return errors.New("mailer: oauth2: no token URL")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return fmt.Errorf("mailer: oauth2: token URL %q is not an http(s) URL", cc.TokenURL)
	case cc.ClientID == "":
		return errors.New("mailer: oauth2: no client id")
	case cc.ClientSecret == "":
		return errors.New("mailer: oauth2: no client secret")
	case cc.RefreshBefore < 0:
		return errors.New("mailer: oauth2: negative RefreshBefore")
	}
	return nil
}

// TokenSource is a concurrency-safe oauth2.TokenSource that caches a client-credentials token
// until RefreshBefore its expiry (oauth2.ReuseTokenSourceWithExpiry) and can drop it
// (Invalidator). One serves both IMAP and SMTP: the Exchange scope covers both.
type TokenSource struct {
	fresh func() oauth2.TokenSource // a new, empty cache
	log   *slog.Logger

	mu  sync.Mutex
	cur oauth2.TokenSource
}

// NewClientCredentialsSource checks cc and returns a token source; it fetches nothing yet.
// Token requests run with ctx (cancel it to abandon them on shutdown). log (may be nil) is
// told of each token fetched; tokens and secrets are never logged.
func NewClientCredentialsSource(ctx context.Context, cc ClientCredentials, log *slog.Logger) (*TokenSource, error) {
	if err := cc.Validate(); err != nil {
		return nil, err
	}
	if cc.RefreshBefore == 0 {
		cc.RefreshBefore = 5 * time.Minute
	}
	hc := cc.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(slog.String("component", "oauth2"))
	cfg := &clientcredentials.Config{
		ClientID:     cc.ClientID,
		ClientSecret: cc.ClientSecret,
		TokenURL:     cc.TokenURL,
		Scopes:       cc.Scopes,
		// client_id and client_secret in the form body, as Entra ID documents it; no
		// auto-detection, which costs a failed request first.
		AuthStyle: oauth2.AuthStyleInParams,
	}
	src := fetchSource{cfg: cfg, ctx: context.WithValue(ctx, oauth2.HTTPClient, hc), log: log}
	return newTokenSource(src, cc.RefreshBefore, log), nil
}

// newTokenSource caches tokens from src, which fetches a new one at every call.
func newTokenSource(src oauth2.TokenSource, refreshBefore time.Duration, log *slog.Logger) *TokenSource {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &TokenSource{log: log}
	s.fresh = func() oauth2.TokenSource {
		return oauth2.ReuseTokenSourceWithExpiry(nil, src, refreshBefore)
	}
	s.cur = s.fresh()
	return s
}

// Token returns the cached token, or fetches one when there is none or it is within
// RefreshBefore of its expiry.
func (s *TokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	return cur.Token()
}

// Invalidate drops the cached token: the next Token fetches a new one.
func (s *TokenSource) Invalidate() {
	s.mu.Lock()
	s.cur = s.fresh()
	s.mu.Unlock()
	s.log.Info("oauth2 token dropped after the server refused it")
}

// fetchSource requests a new token at every call (the caching is ReuseTokenSourceWithExpiry's).
type fetchSource struct {
	cfg *clientcredentials.Config
	ctx context.Context
	log *slog.Logger
}

func (f fetchSource) Token() (*oauth2.Token, error) {
	t, err := f.cfg.Token(f.ctx)
	if err != nil {
		return nil, fmt.Errorf("client credentials from %s: %w", f.cfg.TokenURL, err)
	}
	f.log.Info("oauth2 token fetched", slog.Time("expires_at", t.Expiry))
	return t, nil
}
