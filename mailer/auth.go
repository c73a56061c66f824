package mailer

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2/imapclient"
)

// Auth logs an IMAP connection in. It is an interface so that XOAUTH2 (a sasl.Client passed to
// imapclient.Client.Authenticate) can replace the password later without touching the intake.
type Auth interface {
	Authenticate(c *imapclient.Client) error
}

// PasswordAuth is IMAP LOGIN with a user name and password (RFC 3501 section 6.2.3).
type PasswordAuth struct {
	Username string
	Password string
}

// Authenticate implements Auth.
func (a PasswordAuth) Authenticate(c *imapclient.Client) error {
	if a.Username == "" {
		return errors.New("mailer: imap login: no user name")
	}
	if err := c.Login(a.Username, a.Password).Wait(); err != nil {
		// The server's text is kept; the user name and password are not repeated.
		return fmt.Errorf("mailer: imap login: %w", err)
	}
	return nil
}
