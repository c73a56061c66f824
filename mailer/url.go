package mailer

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Security is how a connection is protected.
type Security int

const (
	// SecurityNone is plain TCP (only sensible on loopback or in tests).
	SecurityNone Security = iota
	// SecurityStartTLS upgrades a plain connection with STARTTLS (RFC 2595, RFC 3207).
	SecurityStartTLS
	// SecurityOpportunistic uses STARTTLS when the server offers it, plain TCP otherwise (SMTP
	// only).
	SecurityOpportunistic
	// SecurityTLS is implicit TLS from the first byte (imaps, smtps; RFC 8314).
	SecurityTLS
)

func (s Security) String() string {
	switch s {
	case SecurityNone:
		return "none"
	case SecurityStartTLS:
		return "starttls"
	case SecurityOpportunistic:
		return "opportunistic"
	case SecurityTLS:
		return "tls"
	}
	return fmt.Sprintf("security(%d)", int(s))
}

// Endpoint is a parsed IMAP or SMTP server URL. Its String method leaves the password out, so
// an Endpoint may be logged.
type Endpoint struct {
	Addr     string // host:port
	Host     string // for TLS server name checks
	Security Security
	Username string
	Password string
	// Mailbox is the IMAP mailbox named by the URL path ("INBOX" when empty); unused for SMTP.
	Mailbox string
}

func (e Endpoint) String() string {
	return fmt.Sprintf("%s (%s)", e.Addr, e.Security)
}

// ParseIMAPURL parses imap://user:pass@host:port/Mailbox (plain; add ?starttls=1 for STARTTLS)
// or imaps://user:pass@host:port/Mailbox (implicit TLS). Default ports are 143 and 993, the
// default mailbox INBOX. User and password are percent-decoded, so an address as user name is
// written user%40example.org or plainly with its @ before the last one.
func ParseIMAPURL(raw string) (Endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL, password included: do not wrap it.
		return Endpoint{}, errors.New("mailer: imap url: malformed")
	}
	var e Endpoint
	var port string
	switch strings.ToLower(u.Scheme) {
	case "imap":
		port = "143"
		e.Security = SecurityNone
		if v := u.Query().Get("starttls"); v == "1" || v == "true" || v == "yes" {
			e.Security = SecurityStartTLS
		}
	case "imaps":
		port = "993"
		e.Security = SecurityTLS
	default:
		return Endpoint{}, fmt.Errorf("mailer: imap url: scheme %q is not imap or imaps", u.Scheme)
	}
	if err := e.setHost(u, port); err != nil {
		return Endpoint{}, fmt.Errorf("mailer: imap url: %w", err)
	}
	e.Mailbox = strings.Trim(u.Path, "/")
	if e.Mailbox == "" {
		e.Mailbox = "INBOX"
	}
	return e, nil
}

// ParseSMTPURL parses smtp://user:pass@host:port (STARTTLS when the server offers it; ?tls=none
// never, ?tls=starttls requires it) or smtps://user:pass@host:port (implicit TLS). Default
// ports are 25 and 465. Credentials are optional; with them the sender uses SMTP AUTH PLAIN or
// LOGIN.
func ParseSMTPURL(raw string) (Endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Endpoint{}, errors.New("mailer: smtp url: malformed")
	}
	var e Endpoint
	var port string
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		port = "25"
		switch v := strings.ToLower(u.Query().Get("tls")); v {
		case "", "opportunistic":
			e.Security = SecurityOpportunistic
		case "none", "0", "false", "no":
			e.Security = SecurityNone
		case "starttls", "required", "1":
			e.Security = SecurityStartTLS
		default:
			return Endpoint{}, fmt.Errorf("mailer: smtp url: tls=%q is not none, opportunistic or starttls", v)
		}
	case "smtps":
		port = "465"
		e.Security = SecurityTLS
	default:
		return Endpoint{}, fmt.Errorf("mailer: smtp url: scheme %q is not smtp or smtps", u.Scheme)
	}
	if err := e.setHost(u, port); err != nil {
		return Endpoint{}, fmt.Errorf("mailer: smtp url: %w", err)
	}
	return e, nil
}

func (e *Endpoint) setHost(u *url.URL, defaultPort string) error {
	e.Host = u.Hostname()
	if e.Host == "" {
		return errors.New("no host")
	}
	port := u.Port()
	if port == "" {
		port = defaultPort
	}
	e.Addr = net.JoinHostPort(e.Host, port)
	if u.User != nil {
		e.Username = u.User.Username()
		e.Password, _ = u.User.Password()
	}
	return nil
}
