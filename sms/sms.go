// Package sms sends the NAS's text messages: a new temporary password goes by text to the mobile
// number on record, never to a number taken from an email, and never into an email or a log
// (docs/spec/rules.md "Password reset and unlock"; the NAS guide: "temporary passwords are sent via a
// text message").
//
// A Sender delivers one text: Notify (GOV.UK Notify's REST API) in production, File for the demo
// only. The Drainer takes the texts the store queued in a decision's transaction, makes each
// password with password.Temporary at the moment of sending, sends it and records the outcome.
// The password lives only in memory for that one call: no store row, error or log line holds
// it, and log lines show the number masked (domain.MaskMobile).
package sms

import (
	"context"
	"errors"
	"strings"

	"nasbot/domain"
)

// Texter sends one text message with a temporary password to a mobile number.
type Texter interface {
	// Send delivers the password to mobile (11 digits, 07…) for the person called name. Errors
	// never contain the password; a permanent failure (no retry can fix it) satisfies
	// IsPermanent.
	Send(ctx context.Context, mobile, name, password string) error
}

// ErrPermanent is wrapped by failures that no retry can fix (a refused number, a bad template,
// a revoked key).
var ErrPermanent = errors.New("permanent failure")

// IsPermanent reports whether err is a failure no retry can fix.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// scrub removes a secret, and the number, from text that may reach a log or the store, should
// a provider ever echo them back.
func scrub(text, password, mobile string) string {
	if password != "" {
		text = strings.ReplaceAll(text, password, "[password]")
	}
	if mobile != "" {
		text = strings.ReplaceAll(text, mobile, domain.MaskMobile(mobile))
	}
	return text
}
