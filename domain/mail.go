package domain

import "time"

// Verification is the verify stage's finding about who sent a message.
type Verification struct {
	Verified bool `json:"verified"`
	// From is the single From addr-spec, lower case, domain normalised; "" when From is unusable.
	From string `json:"from"`
	// Evidence names what proved the sender (or what was looked at), for staff.
	Evidence string `json:"evidence"`
	// Failure says in plain words which rule failed; "" when verified.
	Failure string `json:"failure,omitempty"`
	// Signatures are the b= values of the DKIM signatures aligned with From: a proven message
	// claims them, so the same signed mail sent again is a duplicate whatever else it changed.
	Signatures []string `json:"signatures,omitempty"`
}

// Inbound is a raw message fetched from the NAS inbox, with where it was found.
type Inbound struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	Raw         []byte
	ReceivedAt  time.Time
}

// Outgoing is a reply waiting in (or sent from) the outbox. Its MessageID is fixed when it is
// written so that a retry sends the same message.
type Outgoing struct {
	ID         int64    `db:"id"`
	MessageID  string   `db:"message_id"` // with angle brackets
	From       string   `db:"from_addr"`
	To         string   `db:"to_addr"`
	Subject    string   `db:"subject"`
	InReplyTo  string   `db:"in_reply_to"`
	References []string `db:"-"`
	Tag        string   `db:"tag"` // NAS-000123
	Text       string   `db:"body_text"`
	HTML       string   `db:"body_html"`
	Attempts   int      `db:"attempts"`
	// Reasons are the reason codes the mail answers, for machines (the X-NAS-Reasons header);
	// the text never shows them.
	Reasons []string `db:"-"`
	// HeldBy names the guard that holds the mail for staff (backlog_guard, reply_cap,
	// circuit_breaker) when it is written; the outbox row's state keeps the hold itself.
	HeldBy string `db:"-"`
}
