package parser

import (
	"bytes"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"

	"nasbot/domain"
)

// header is the message header as read by readHeader: every field top to bottom, and where the
// body starts.
type header struct {
	fields []domain.HeaderField
	body   []byte
}

// get returns the first (topmost) value of the field, and whether the field is present.
func (h *header) get(key string) (string, bool) {
	for _, f := range h.fields {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// readHeader splits raw into header fields and body (RFC 5322 section 2.2). It is lenient where
// go-message's reader gives up (it returns no entity at all): bare LF line ends are accepted, a
// leading mbox "From " line is skipped, and a line that is neither a field nor a continuation ends
// the header and starts the body, as Postfix and Python's email package read it (so nasbot sees
// the header the MTA's Authentication-Results were computed on). A message without a blank line
// is all header. Values are unfolded (section 2.2.3): each continuation line is trimmed and joined
// with a single space, as go-message does.
func readHeader(raw []byte) header {
	var h header
	h.fields = make([]domain.HeaderField, 0, 48)
	rest := raw
	if bytes.HasPrefix(rest, []byte("From ")) {
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[i+1:]
		} else {
			rest = nil
		}
	}
	var cur []byte // the current field, folded lines joined
	haveCur := false
	flush := func() {
		if !haveCur {
			return
		}
		haveCur = false
		i := bytes.IndexByte(cur, ':')
		key := textproto.CanonicalMIMEHeaderKey(string(bytes.TrimRight(cur[:i], " \t")))
		h.fields = append(h.fields, domain.HeaderField{Key: key, Value: headerString(cur[i+1:])})
	}
	for len(rest) > 0 {
		var line []byte
		next := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, next = rest[:i], rest[i+1:]
		} else {
			line, next = rest, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			// The blank line that ends the header (RFC 5322 section 2.1).
			flush()
			h.body = next
			return h
		}
		if line[0] == ' ' || line[0] == '\t' {
			// A continuation; a whitespace-only line continues too, as go-message reads it.
			if haveCur {
				if t := bytes.TrimSpace(line); len(t) > 0 {
					cur = append(cur, ' ')
					cur = append(cur, t...)
				}
				rest = next
				continue
			}
			if len(bytes.TrimSpace(line)) == 0 {
				h.body = next
				return h
			}
		}
		flush()
		if !isFieldLine(line) {
			h.body = rest // this line is the first of the body
			return h
		}
		cur = append(cur[:0], bytes.TrimRight(line, " \t")...)
		haveCur = true
		rest = next
	}
	flush()
	return h
}

// isFieldLine reports whether line starts a header field: a field name of printable US-ASCII
// other than ':' (RFC 5322 section 2.2), optionally followed by blanks, then ':'.
func isFieldLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// headerString trims a raw field value and makes it valid UTF-8. Raw 8-bit text is allowed in
// headers (RFC 6532); anything that is not UTF-8 is read as Windows-1252, what Outlook writes.
func headerString(v []byte) string {
	v = bytes.TrimSpace(v)
	if utf8.Valid(v) {
		return string(v)
	}
	return decodeWindows1252(v)
}

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
// read is left empty (each field is read on its own, so one bad field loses nothing else).
func ParseEnvelope(raw []byte) domain.Envelope {
	h := readHeader(raw)
	return envelopeOf(&h)
}

func envelopeOf(h *header) domain.Envelope {
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
	if v, ok := h.get("From"); ok {
		e.From = parseAddressList(v)
	}
	if v, ok := h.get("Sender"); ok {
		if l := parseAddressList(v); len(l) > 0 {
			a := l[0]
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
