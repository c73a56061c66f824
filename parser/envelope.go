package parser

import (
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message/charset"

	"nasbot/domain"
)

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// decodeWords decodes RFC 2047 encoded-words; on error it keeps the text as written.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// ParseEnvelope reads only the header of a raw message. It never fails: a field that cannot be
// read is left empty, and a header without one reading says why in HeaderProblem.
func ParseEnvelope(raw []byte) domain.Envelope {
	h := readHeader(raw)
	return envelopeOf(&h)
}

// singletons are the fields RFC 5322 section 3.6 allows once that decide what the message is
// (docs/spec/verification.md): with two of one, two programs may each read a different one.
var singletons = []string{"From", "Sender", "Message-Id", "Date", "Subject", "To", "Content-Type", "Mime-Version",
	"Content-Transfer-Encoding"}

func envelopeOf(h *header) domain.Envelope {
	for _, k := range singletons {
		if n := h.count(k); n > 1 {
			h.refuse("the header has %d %s fields; a message may have only one, and mail programs differ on which they read", n, k)
		}
	}
	var e domain.Envelope
	e.Headers = h.fields
	if v, ok := h.get("Message-Id"); ok {
		e.MessageID = firstMsgID(v)
	}
	if v, ok := h.get("In-Reply-To"); ok {
		e.InReplyTo = firstMsgID(v)
	}
	if v, ok := h.get("References"); ok {
		e.References = msgIDList(v)
	}
	if v, ok := h.get("Subject"); ok {
		e.Subject = decodeWords(v)
	}
	if v, ok := h.get("Date"); ok {
		e.Date = parseDate(v)
	}
	if v, ok := h.get("From"); ok && h.count("From") == 1 {
		if a, problem := oneMailbox(v); problem != "" {
			h.refuse("From %s", problem)
		} else {
			e.From = []domain.Address{a}
		}
	} else if !ok {
		h.refuse("the header has no From field")
	}
	if v, ok := h.get("Sender"); ok && h.count("Sender") == 1 {
		if a, problem := oneMailbox(v); problem != "" {
			h.refuse("Sender %s", problem)
		} else {
			e.Sender = &a
		}
	}
	if v, ok := h.get("Reply-To"); ok {
		e.ReplyTo = parseAddressList(v)
	}
	e.AutoSubmitted, _ = h.get("Auto-Submitted")
	e.Precedence, _ = h.get("Precedence")
	e.ListID, _ = h.get("List-Id")
	e.ReturnPath, e.HasReturnPath = h.get("Return-Path")
	ct, _ := h.get("Content-Type")
	e.ContentType, _ = mediaType(ct)
	e.HeaderProblem = h.problem
	return e
}

// mediaType returns the lower-case media type of a Content-Type value and its parameters.
// RFC 2045 section 5.2: a missing or unreadable Content-Type is text/plain.
func mediaType(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", nil
	}
	t, params, err := mime.ParseMediaType(v)
	if params == nil {
		params = map[string]string{}
	}
	if err != nil && t == "" {
		// Keep what stands before the first ';' when the parameters are broken.
		t, _, _ = strings.Cut(v, ";")
		t = strings.ToLower(strings.TrimSpace(t))
		if !strings.Contains(t, "/") || strings.ContainsAny(t, " \t\"") {
			return "text/plain", nil
		}
	}
	return t, params
}

// firstMsgID returns the first "<…>" of a msg-id field (RFC 5322 section 3.6.4), brackets kept;
// without brackets, the trimmed value as written.
func firstMsgID(v string) string {
	if ids := msgIDList(v); len(ids) > 0 {
		return ids[0]
	}
	return strings.TrimSpace(v)
}

// msgIDList splits References or In-Reply-To leniently: every "<…>" in order, whatever stands
// between them (commas included, which go-message's reader stops at); a value with no brackets
// at all is split on commas and whitespace.
func msgIDList(v string) []string {
	var ids []string
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if id := rest[i : i+j+1]; len(id) > 2 {
			ids = append(ids, id)
		}
		rest = rest[i+j+1:]
	}
	if len(ids) > 0 || strings.ContainsAny(v, "<>") {
		return ids
	}
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	time.RFC3339,
}

// parseDate reads a Date field (RFC 5322 section 3.3) with net/mail, then a few layouts seen in
// the wild; the zero time when nothing fits.
func parseDate(v string) time.Time {
	// The form nearly every mail program writes, tried first: net/mail tries its layouts in turn.
	if t, err := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", v); err == nil {
		return t
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	s := v
	if i := strings.IndexByte(s, '('); i >= 0 { // trailing comment, e.g. "(GMT)"
		s = s[:i]
	}
	s = strings.Join(strings.Fields(s), " ")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

var addressParser = mail.AddressParser{WordDecoder: wordDecoder}

// parseAddressList reads an address header (RFC 5322 section 3.4) into addr-specs, lower case,
// with decoded display names. The display name is never taken as the address, however much it
// looks like one. When net/mail refuses the value (an unquoted "@" in a display name, a stray
// character), each comma-separated item is read on its own: the text in its last "<…>", or else
// its word holding an "@".
func parseAddressList(v string) []domain.Address {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if l, err := addressParser.ParseList(v); err == nil {
		out := make([]domain.Address, 0, len(l))
		for _, a := range l {
			out = append(out, domain.Address{Name: a.Name, Address: strings.ToLower(a.Address)})
		}
		return out
	}
	var out []domain.Address
	for _, item := range splitAddressItems(v) {
		if a, ok := lenientAddress(item); ok {
			out = append(out, a)
		}
	}
	return out
}

// splitAddressItems splits on commas that stand outside quotes, angle brackets and comments.
func splitAddressItems(v string) []string {
	var items []string
	start, depth, angle, quoted := 0, 0, false, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == ',' && depth == 0 && !angle:
			items = append(items, v[start:i])
			start = i + 1
		}
	}
	return append(items, v[start:])
}

func lenientAddress(item string) (domain.Address, bool) {
	item = strings.TrimSpace(item)
	if i := strings.LastIndexByte(item, '<'); i >= 0 {
		j := strings.IndexByte(item[i:], '>')
		if j < 0 {
			j = len(item) - i
		}
		addr := strings.TrimSpace(item[i+1 : i+j])
		if !strings.Contains(addr, "@") {
			return domain.Address{}, false
		}
		name := strings.TrimSpace(item[:i])
		name = strings.TrimSpace(strings.Trim(name, `"`))
		return domain.Address{Name: decodeWords(name), Address: strings.ToLower(addr)}, true
	}
	for _, w := range strings.Fields(item) {
		if strings.Contains(w, "@") && !strings.HasPrefix(w, `"`) {
			return domain.Address{Address: strings.ToLower(strings.Trim(w, "(),;"))}, true
		}
	}
	return domain.Address{}, false
}
