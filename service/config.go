package service

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"nasbot/lifecycle"
)

// Config is every setting of a running bot. cmd/nasbot fills it once from the NASBOT_*
// environment variables its tags name (caarlos0/env); it is passed explicitly from there, and
// nothing else reads the environment.
type Config struct {
	DatabaseURL     string        `env:"DATABASE_URL" envDefault:"nasbot.db"`
	IMAPURL         string        `env:"IMAP_URL"`
	ProcessedFolder string        `env:"IMAP_PROCESSED_FOLDER" envDefault:"Processed"`
	PollInterval    time.Duration `env:"POLL_INTERVAL" envDefault:"30s"`
	SMTPURL         string        `env:"SMTP_URL"`
	// When an unsent reply is tried again: after a refusal for now (4xx), first after
	// SMTP_RETRY_FIRST, doubling up to SMTP_RETRY_MAX; after a failed connection, SMTP_RETRY_AFTER_OUTAGE.
	SMTPRetryFirst       time.Duration `env:"SMTP_RETRY_FIRST" envDefault:"1m"`
	SMTPRetryMax         time.Duration `env:"SMTP_RETRY_MAX" envDefault:"1h"`
	SMTPRetryAfterOutage time.Duration `env:"SMTP_RETRY_AFTER_OUTAGE" envDefault:"1m"`
	HTTPAddr             string        `env:"HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	MetricsAddr          string        `env:"METRICS_ADDR" envDefault:"127.0.0.1:9090"` // operators only: /metrics, full /readyz
	FromAddress          string        `env:"FROM_ADDRESS" envDefault:"requests@nas.test"`
	Domain               string        `env:"DOMAIN" envDefault:"nhs.net"`
	TrustAuthServ        []string      `env:"TRUST_AUTHSERV" envSeparator:","`
	VerifyDKIM           bool          `env:"VERIFY_DKIM"` // check DKIM signatures in process (no trusted MTA)
	MaxMessageBytes      int           `env:"MAX_MESSAGE_BYTES" envDefault:"10485760"`
	MaxRequests          int           `env:"MAX_REQUESTS" envDefault:"50"`
	MaxReplyAge          time.Duration `env:"MAX_REPLY_AGE" envDefault:"72h"`
	RepliesPerHour       int           `env:"REPLIES_PER_HOUR" envDefault:"20"`
	RepliesPerMin        int           `env:"REPLIES_PER_MINUTE" envDefault:"300"`
	TemplatesDir         string        `env:"TEMPLATES_DIR"`
	GuideURL             string        `env:"GUIDE_URL"`
	LogFormat            string        `env:"LOG_FORMAT" envDefault:"text"`
	LogLevel             string        `env:"LOG_LEVEL" envDefault:"info"`
	LifecycleAt          string        `env:"LIFECYCLE_AT" envDefault:"02:30"` // daily, local time; "off"
	// AccessReviewEvery: how often each site's shared mailbox is sent its list of accounts by
	// the lifecycle run (91 days: a quarter); 0 turns it off.
	AccessReviewEvery time.Duration `env:"ACCESS_REVIEW_EVERY" envDefault:"2184h"`
	// DigestTo is the NAS staff address the daily digest goes to with the lifecycle run; "": none.
	DigestTo string `env:"DIGEST_TO"`
	// DeskURL is where staff reach the desk, quoted in the digest.
	DeskURL string `env:"DESK_URL"`

	// The staff desk.
	DeskSecureCookie   bool          `env:"DESK_SECURE_COOKIE" envDefault:"true"`
	DeskAgeTarget      time.Duration `env:"DESK_AGE_TARGET" envDefault:"24h"`
	DeskTrustedOrigins []string      `env:"DESK_TRUSTED_ORIGINS" envSeparator:","`
	DeskTrustedProxies []string      `env:"DESK_TRUSTED_PROXIES" envSeparator:","` // whose X-Forwarded-For names the client
	OIDCIssuer         string        `env:"OIDC_ISSUER"`
	OIDCClientID       string        `env:"OIDC_CLIENT_ID"`
	OIDCClientSecret   string        `env:"OIDC_CLIENT_SECRET"`
	OIDCRedirectURL    string        `env:"OIDC_REDIRECT_URL"`

	// OAuth 2.0 for IMAP and SMTP (Exchange Online): on when the token URL is set; the
	// IMAP and SMTP URLs then carry no user or password.
	OAuthTokenURL      string        `env:"OAUTH_TOKEN_URL"`
	OAuthClientID      string        `env:"OAUTH_CLIENT_ID"`
	OAuthClientSecret  string        `env:"OAUTH_CLIENT_SECRET"`
	OAuthScopes        []string      `env:"OAUTH_SCOPES" envSeparator:"," envDefault:"https://outlook.office365.com/.default"`
	OAuthUser          string        `env:"OAUTH_USER"`
	OAuthMechanism     string        `env:"OAUTH_MECHANISM" envDefault:"XOAUTH2"`
	OAuthRefreshBefore time.Duration `env:"OAUTH_REFRESH_BEFORE" envDefault:"5m"`

	TextConfig // temporary passwords by text message (texts.go)
}

// Validate names every bad setting. needMail is true for commands that talk to mail servers.
func (c Config) Validate(needMail bool) error {
	var p problems
	if needMail {
		c.validateMail(&p)
	}
	c.validateAddresses(&p)
	c.validateLimits(&p)
	c.validateLogins(&p)
	if err := c.TextConfig.Validate(); err != nil {
		p = append(p, err)
	}
	return errors.Join(p...)
}

// problems gathers what is wrong with the settings, each naming its variable.
type problems []error

func (p *problems) bad(name, why string) { *p = append(*p, fmt.Errorf("NASBOT_%s %s", name, why)) }

// validateMail checks the mail servers and that some mail can be proven.
func (c Config) validateMail(p *problems) {
	if err := checkURL(c.IMAPURL, "imap", "imaps"); err != nil {
		p.bad("IMAP_URL", err.Error())
	}
	if err := checkURL(c.SMTPURL, "smtp", "smtps"); err != nil {
		p.bad("SMTP_URL", err.Error())
	}
	if len(c.TrustAuthServ) == 0 && !c.VerifyDKIM {
		p.bad("TRUST_AUTHSERV", "is empty: name the authserv-id of the MTA that stamps Authentication-Results "+
			"(or set NASBOT_VERIFY_DKIM=true), or no mail can be verified")
	}
}

// validateAddresses checks the database, the listeners and the mail addresses.
func (c Config) validateAddresses(p *problems) {
	if c.DatabaseURL == "" {
		p.bad("DATABASE_URL", "is empty: give a postgres:// URL or a SQLite file path")
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		p.bad("HTTP_ADDR", "is not host:port")
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		p.bad("METRICS_ADDR", "is not host:port")
	} else if c.MetricsAddr == c.HTTPAddr {
		p.bad("METRICS_ADDR", "must differ from NASBOT_HTTP_ADDR: metrics are not for the desk's users")
	}
	if _, err := c.trustedProxies(); err != nil {
		p.bad("DESK_TRUSTED_PROXIES", err.Error())
	}
	if !strings.Contains(c.FromAddress, "@") {
		p.bad("FROM_ADDRESS", "is not an email address")
	}
	if c.DigestTo != "" && !strings.Contains(c.DigestTo, "@") {
		p.bad("DIGEST_TO", "is not an email address")
	}
}

// validateLimits checks the numbers, periods and formats.
func (c Config) validateLimits(p *problems) {
	if c.MaxMessageBytes <= 0 || c.MaxRequests <= 0 {
		p.bad("MAX_MESSAGE_BYTES/MAX_REQUESTS", "must be positive")
	}
	if c.RepliesPerHour <= 0 || c.RepliesPerMin <= 0 {
		p.bad("REPLIES_PER_HOUR/REPLIES_PER_MINUTE", "must be positive")
	}
	if c.SMTPRetryFirst < time.Second || c.SMTPRetryAfterOutage < time.Second || c.SMTPRetryMax < c.SMTPRetryFirst {
		p.bad("SMTP_RETRY_FIRST/SMTP_RETRY_MAX/SMTP_RETRY_AFTER_OUTAGE", "must be at least 1s, and the maximum at least the first")
	}
	if c.PollInterval < time.Second {
		p.bad("POLL_INTERVAL", "must be at least 1s")
	}
	if c.AccessReviewEvery < 0 {
		p.bad("ACCESS_REVIEW_EVERY", "must be 0 (off) or positive, like 2184h")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		p.bad("LOG_FORMAT", "must be text or json")
	}
	if _, err := untilDaily(time.Now(), c.LifecycleAt); err != nil && c.LifecycleAt != LifecycleOff {
		p.bad("LIFECYCLE_AT", err.Error()+`, or "off"`)
	}
}

// validateLogins checks that OAuth 2.0 and the desk's single sign-on are set whole or not at all.
func (c Config) validateLogins(p *problems) {
	if c.OAuthTokenURL != "" && (c.OAuthClientID == "" || c.OAuthClientSecret == "" || c.OAuthUser == "") {
		p.bad("OAUTH_CLIENT_ID/OAUTH_CLIENT_SECRET/OAUTH_USER", "must be set with NASBOT_OAUTH_TOKEN_URL")
	}
	if c.OIDCIssuer != "" && (c.OIDCClientID == "" || c.OIDCRedirectURL == "") {
		p.bad("OIDC_CLIENT_ID/OIDC_REDIRECT_URL", "must be set with NASBOT_OIDC_ISSUER")
	}
}

// trustedProxies parses NASBOT_DESK_TRUSTED_PROXIES: each an address (one host) or a prefix.
func (c Config) trustedProxies() ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, raw := range c.DeskTrustedProxies {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		if p, err := netip.ParsePrefix(raw); err == nil {
			ps = append(ps, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(raw)
		if err != nil {
			return nil, fmt.Errorf("has %q, which is neither an IP address nor a prefix like 10.0.0.0/8", raw)
		}
		ps = append(ps, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return ps, nil
}

func checkURL(raw string, schemes ...string) error {
	if raw == "" {
		return errors.New("is not set")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a URL")
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("must start with %s://", strings.Join(schemes, ":// or "))
}

// Digest is where the lifecycle run sends the daily digest.
func (c Config) Digest() lifecycle.DigestConfig {
	return lifecycle.DigestConfig{To: c.DigestTo, Target: c.DeskAgeTarget, DeskURL: c.DeskURL}
}
