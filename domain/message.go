package domain

import "time"

// HeaderField is one header line as it stands in the message, in order, with its value unfolded.
type HeaderField struct {
	Key   string `json:"key"` // canonical form, e.g. "Authentication-Results"
	Value string `json:"value"`
}

// Address is one mailbox of an address header: the addr-spec (lower case) and its display name.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// Envelope is what later stages need from the message header. Verification reads Headers itself
// (the order of Authentication-Results and Received matters there).
type Envelope struct {
	MessageID  string    `json:"message_id"` // with angle brackets, as written
	InReplyTo  string    `json:"in_reply_to,omitempty"`
	References []string  `json:"references,omitempty"`
	Subject    string    `json:"subject"`
	Date       time.Time `json:"date"`

	// From holds every mailbox of the From header; verification refuses anything but one.
	From    []Address `json:"from"`
	Sender  *Address  `json:"sender,omitempty"`
	ReplyTo []Address `json:"reply_to,omitempty"`

	AutoSubmitted string `json:"auto_submitted,omitempty"`
	Precedence    string `json:"precedence,omitempty"`
	ListID        string `json:"list_id,omitempty"`
	// ReturnPath is the Return-Path value as written ("<>" for a bounce); HasReturnPath tells
	// an absent header from an empty one.
	ReturnPath    string `json:"return_path,omitempty"`
	HasReturnPath bool   `json:"has_return_path"`
	ContentType   string `json:"content_type"` // media type only, lower case

	// Headers is the whole header, top to bottom.
	Headers []HeaderField `json:"headers"`

	// HeaderProblem says, in words for staff, why the header has no single reading (two From
	// fields, a From naming two mailboxes, a line that is not a field); "" when it has one.
	// Such a message is proven by nothing, whatever its Authentication-Results say.
	HeaderProblem string `json:"header_problem,omitempty"`
}

// FromAddress returns the single From addr-spec, or "" when From does not hold exactly one.
func (e *Envelope) FromAddress() string {
	if len(e.From) != 1 {
		return ""
	}
	return e.From[0].Address
}

// Attachment is a non-body part of the message.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	Data        []byte `json:"-"`
}

// Message is a parsed request email.
type Message struct {
	Envelope Envelope `json:"envelope"`
	// Text is the decoded text body (HTML reduced to text) that line numbers refer to.
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// IsReport is true for a delivery, read or feedback report: multipart/report, or a report
	// part anywhere in the message, forwarded messages included.
	IsReport bool `json:"is_report"`

	Requests    []Request `json:"requests"`
	RequestedBy *Person   `json:"requested_by,omitempty"`
	// Unrecognised holds the sender's own lines (quoted history and signatures cut) that looked
	// like an attempt at a request but could not be read, for the reply that teaches the format.
	Unrecognised []string `json:"unrecognised,omitempty"`
	// Refusal is set when the message breaks a limit (too large, too many requests): it is
	// answered with this reason and nothing in it is acted on.
	Refusal Reason `json:"refusal,omitempty"`
}
