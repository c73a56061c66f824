package mailer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wneessen/go-mail"

	"nasbot/domain"
)

// Header names go-mail has no constant for.
const (
	headerAutoSubmitted = mail.Header("Auto-Submitted")
	headerNASReference  = mail.Header("X-NAS-Reference")
	// headerNASReasons carries the reason codes a mail answers, for machines (a mail rule, a
	// ticketing system): the text says the same in words and never shows a code.
	headerNASReasons = mail.Header("X-NAS-Reasons")
)

// BuildMessage turns an outbox row into a go-mail message: From, To, Subject, Date, the fixed
// Message-ID (so that a retry sends the same message), In-Reply-To and References for
// threading (RFC 5322 section 3.6.4), "Auto-Submitted: auto-replied" (RFC 3834 section 5) and
// "X-Auto-Response-Suppress: All" so that auto-responders do not answer the bot, the
// X-NAS-Reference tag, X-NAS-Reasons with the reason codes, and a text/plain body with o.HTML as a text/html alternative when set.
//
// An error means the row can never be sent as it is (a recipient that is not one plain address,
// a tag with a line break).
func BuildMessage(o domain.Outgoing) (*mail.Msg, error) {
	m := mail.NewMsg()
	if err := m.From(o.From); err != nil {
		return nil, fmt.Errorf("mailer: build message %d: from: %w", o.ID, err)
	}
	if !plainRecipient(o.To) {
		return nil, fmt.Errorf("mailer: build message %d: to: %q is not one plain address", o.ID, o.To)
	}
	if err := m.To(o.To); err != nil {
		return nil, fmt.Errorf("mailer: build message %d: to: %w", o.ID, err)
	}
	id, err := msgID(o.MessageID)
	if err != nil {
		return nil, fmt.Errorf("mailer: build message %d: message-id: %w", o.ID, err)
	}
	// go-mail adds the angle brackets itself.
	m.SetMessageIDWithValue(strings.Trim(id, "<>"))

	// A folded subject arrives unfolded; any stray CR or LF would end the header early.
	m.Subject(unfold(o.Subject))
	m.SetDate()

	// Threading is a courtesy: an In-Reply-To or References identifier that is not a msg-id
	// (the sender wrote it) is left out, and the reply still goes (RFC 5322 section 3.6.4).
	var refs []string
	for _, r := range o.References {
		if id, err := msgID(r); err == nil {
			refs = append(refs, id)
		}
	}
	if irt, err := msgID(o.InReplyTo); err == nil {
		m.SetGenHeaderPreformatted(mail.HeaderInReplyTo, irt)
		if len(refs) == 0 {
			// Without the parent's References, they are its Message-ID.
			refs = []string{irt}
		}
	}
	if len(refs) > 0 {
		m.SetGenHeaderPreformatted(mail.HeaderReferences, foldIDs(len(mail.HeaderReferences)+2, refs))
	}

	m.SetGenHeader(headerAutoSubmitted, "auto-replied")
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	if o.Tag != "" {
		if strings.ContainsAny(o.Tag, "\r\n") {
			return nil, fmt.Errorf("mailer: build message %d: tag has a line break", o.ID)
		}
		m.SetGenHeader(headerNASReference, o.Tag)
	}
	if codes := reasonCodes(o.Reasons); codes != "" {
		m.SetGenHeader(headerNASReasons, codes)
	}
	m.SetUserAgent("nasbot")

	m.SetBodyString(mail.TypeTextPlain, o.Text)
	if o.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, o.HTML)
	}
	return m, nil
}

// reasonCodes joins the codes that are codes (lower case letters, digits and underscores, as
// domain/reason.go spells them), so nothing else can reach a header.
func reasonCodes(rs []string) string {
	var ok []string
	for _, r := range rs {
		if r != "" && strings.Trim(r, "abcdefghijklmnopqrstuvwxyz0123456789_") == "" {
			ok = append(ok, r)
		}
	}
	return strings.Join(ok, ", ")
}

// plainRecipient reports whether to is one addr-spec with a dot-atom local part (RFC 5322
// section 3.4.1): a quoted local part may hold "@" and ",", and a relay may then read two
// recipients where the bot meant one.
func plainRecipient(to string) bool {
	at := strings.LastIndexByte(to, '@')
	if at <= 0 || at == len(to)-1 {
		return false
	}
	for _, c := range []byte(to[:at]) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),:;<>@[\]`, c) >= 0 {
			return false
		}
	}
	return !strings.ContainsAny(to[at+1:], " \t\r\n\"(),:;<>@[\\]")
}

// msgID checks one msg-id (RFC 5322 section 3.6.4) and returns it with angle brackets; a
// missing pair of brackets is added.
func msgID(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if s == "" {
		return "", errors.New("empty")
	}
	if strings.ContainsAny(s, "<> \t\r\n") || !strings.Contains(s, "@") {
		return "", fmt.Errorf("%q is not <left@right>", s)
	}
	return "<" + s + ">", nil
}

// foldIDs joins ids with folding white space so that no line passes 78 characters
// (RFC 5322 section 2.1.1); first is the width already taken by "Name: ".
func foldIDs(first int, ids []string) string {
	var b strings.Builder
	width := first
	for i, id := range ids {
		if i > 0 {
			if width+1+len(id) > 78 {
				b.WriteString("\r\n ")
				width = 1
			} else {
				b.WriteByte(' ')
				width++
			}
		}
		b.WriteString(id)
		width += len(id)
	}
	return b.String()
}

func unfold(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}
