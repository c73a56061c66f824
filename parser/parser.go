// Package parser turns a raw request email into a domain.Message: the envelope the verify stage
// reads, the decoded text body, the attachments, and the request blocks (docs/spec/requests.md) with
// their values normalised and their problems named.
//
// It is pure (no I/O, no clock) and lenient, since real mail is messy: every header field is read
// on its own, MIME goes through github.com/emersion/go-message with fallbacks for unknown
// encodings and charsets, HTML-only mail is reduced to text with golang.org/x/net/html, and quoted
// history, signatures and the NHSmail footer are cut before any request is looked for. Parse never
// panics and never returns nil.
package parser

import (
	"strings"

	"nasbot/domain"
)

// Options are the limits of docs/spec/rules.md's "too large" and "too many requests"; zero values
// take the defaults.
type Options struct {
	// MaxSize is the largest raw message read in full, in bytes (default 10 MiB). A larger one has
	// only its header read, and Refusal too_large.
	MaxSize int
	// MaxRequests is the most requests one message may carry (default 50). A message with more
	// gets Refusal too_many_requests; its requests are still listed.
	MaxRequests int
}

// Defaults for Options.
const (
	DefaultMaxSize     = 10 << 20
	DefaultMaxRequests = domain.MaxRequestsPerMail
)

func (o Options) withDefaults() Options {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.MaxRequests <= 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	return o
}

// Parse reads a raw RFC 5322 message. It does its best with broken mail and never fails: what
// it cannot read is left empty. Requests come from the body's blocks first, in order, then from
// CSV attachments, row by row. When none is found, Unrecognised holds the sender's lines that
// looked like an attempt, for the reply that teaches the format.
func Parse(raw []byte, opts Options) (m *domain.Message) {
	m = &domain.Message{Requests: []domain.Request{}}
	defer func() {
		if recover() != nil {
			// A bug must not stop the bot: the mail is answered as unreadable and kept for staff.
			m.Requests = []domain.Request{}
			m.RequestedBy = nil
		}
	}()
	parse(m, raw, opts.withDefaults())
	return m
}

func parse(m *domain.Message, raw []byte, opts Options) {
	if len(raw) > opts.MaxSize {
		m.Envelope = ParseEnvelope(raw)
		m.IsReport = m.Envelope.ContentType == "multipart/report"
		m.Refusal = domain.TooLarge
		return
	}
	h := readHeader(raw)
	m.Envelope = envelopeOf(&h)
	m.IsReport = m.Envelope.ContentType == "multipart/report"

	var b body
	b.walk(topHeader(&h), h.body, 0)
	m.Text = b.text()
	m.Attachments = b.atts
	m.IsReport = m.IsReport || reportIn(m.Attachments, 0)
	if m.Envelope.HeaderProblem == "" {
		m.Envelope.HeaderProblem = b.problem // one reading of the body too, or none
	}

	s := scanText(strings.Split(m.Text, "\n"))
	m.RequestedBy = s.requestedBy
	m.Requests = append(m.Requests, s.requests...)

	var csvHeaders []string
	for _, a := range m.Attachments {
		if !isCSV(a) {
			continue
		}
		n := len(m.Requests)
		var header string
		var ok bool
		m.Requests, header, ok = csvRequests(a.Data, m.Requests)
		if !ok && header != "" {
			csvHeaders = append(csvHeaders, clipLine(header))
		}
		for i := n; i < len(m.Requests); i++ {
			m.Requests[i].RequestedBy = m.RequestedBy
		}
	}

	if s.requestedByConflict {
		markRequestedByConflict(m.Requests)
	}
	if len(m.Requests) == 0 {
		m.Unrecognised = append(s.unrecognised, csvHeaders...)
	}
	if len(m.Requests) > opts.MaxRequests {
		m.Refusal = domain.TooManyRequests
	}
}

// markRequestedByConflict rejects each owner-only request (domain.Request.OwnerOnly) of a mail
// whose `Requested by:` lines name different addresses (docs/spec/requests.md "Readings decided"): which
// owner asked cannot be told. The other requests need no owner and go ahead.
func markRequestedByConflict(reqs []domain.Request) {
	for i := range reqs {
		r := &reqs[i]
		if r.Type == domain.Unknown || !r.OwnerOnly() {
			continue
		}
		r.Problems = append(r.Problems, domain.Problem{
			Reason: domain.InvalidField, Field: fieldInfo[fieldRequestedBy].canon,
			Detail: "The email has two Requested by lines naming different people, and only an owner of the shared mailbox can ask for this. Send it again with one Requested by line naming the owner who asks.",
		})
	}
}
