package parser

import (
	"bytes"
	"fmt"
	"net/textproto"
	"unicode/utf8"

	"nasbot/domain"
)

// header is the message header as readHeader read it: every field top to bottom, where the body
// starts, and why the header has no single reading ("" when it has one).
type header struct {
	fields  []domain.HeaderField
	body    []byte
	problem string
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

// count returns how many fields are named key.
func (h *header) count(key string) int {
	n := 0
	for _, f := range h.fields {
		if f.Key == key {
			n++
		}
	}
	return n
}

// refuse keeps the first reason the header cannot be read one way only.
func (h *header) refuse(format string, args ...any) {
	if h.problem == "" {
		h.problem = fmt.Sprintf(format, args...)
	}
}

// readHeader splits raw into header fields and body (RFC 5322 section 2.2), strictly: it is the
// one reader of the header that every later stage (verification, the loop guard, the reply)
// works from, and it must see the header the MTA saw. Two programs that read one header two ways
// are a way in: the MTA checks one From, the bot acts on another (docs/spec/verification.md, "One
// reading of the header, or none"). So where readers disagree, or could, it reads on as an MTA
// does and records a problem, and the message is proven by nothing:
//
//   - a line before the blank line that is neither a field ("name:" with a name of printable
//     US-ASCII and no blank before the colon, section 3.6.8) nor a folded continuation;
//   - a NUL, a bare CR or any other control character but HTAB in the header (section 2.2);
//   - a header that starts with a folded line.
//
// Bare LF line ends are accepted and a leading mbox "From " line is skipped: neither changes
// where a field starts or ends. A message without a blank line is all header. Values are unfolded
// (section 2.2.3) as go-message unfolds them: each line trimmed of blanks and joined by one space.
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
		key := textproto.CanonicalMIMEHeaderKey(string(cur[:i]))
		h.fields = append(h.fields, domain.HeaderField{Key: key, Value: headerString(cur[i+1:])})
	}
	for n := 1; len(rest) > 0; n++ {
		var line []byte
		next := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, next = rest[:i], rest[i+1:]
		} else {
			line, next = rest, nil
		}
		if next != nil || len(line) < len(rest) {
			line = bytes.TrimSuffix(line, []byte{'\r'}) // CRLF; a CR at the very end is a bare CR
		}
		rest = next
		if len(line) == 0 {
			// The blank line that ends the header (RFC 5322 section 2.1).
			flush()
			h.body = next
			return h
		}
		if c, ok := controlChar(line); ok {
			h.refuse("line %d of the header holds a control character (%s), which mail programs read differently", n, c)
		}
		if line[0] == ' ' || line[0] == '\t' {
			if !haveCur {
				h.refuse("the header starts with a folded line, which mail programs read differently")
				continue
			}
			// A continuation; a blank-only line continues too, as go-message reads it.
			if t := trimBlanks(line); len(t) > 0 {
				cur = append(cur, ' ')
				cur = append(cur, t...)
			}
			continue
		}
		flush()
		if !isFieldLine(line) {
			h.refuse("line %d of the header is not a header field (%s), so mail programs disagree on where the header ends", n, describeLine(line))
			continue // read on, as an MTA does
		}
		cur = append(cur[:0], trimBlanks(line)...)
		haveCur = true
	}
	flush()
	return h
}

// isFieldLine reports whether line starts a header field: a field name of printable US-ASCII
// other than ':' (RFC 5322 section 2.2), then ':' at once (the blank the obsolete syntax of
// section 4.5 allows before the colon is read differently by different programs).
func isFieldLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	for _, c := range line[:i] {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// controlChar finds the first control character of a header line other than HTAB, named for
// staff.
func controlChar(line []byte) (string, bool) {
	for _, c := range line {
		switch {
		case c == '\t':
		case c == 0:
			return "NUL", true
		case c == '\r':
			return "a carriage return without a line feed", true
		case c < 0x20 || c == 0x7f:
			return fmt.Sprintf("0x%02X", c), true
		}
	}
	return "", false
}

// describeLine says what is wrong with a line that is not a field.
func describeLine(line []byte) string {
	i := bytes.IndexByte(line, ':')
	switch {
	case i < 0:
		return "it has no colon"
	case i == 0:
		return "it has no field name"
	case bytes.ContainsAny(line[:i], " \t"):
		return "a blank stands in the field name or before the colon"
	}
	return "its field name has characters a field name cannot have"
}

// trimBlanks trims spaces and tabs only, as go-message does: other bytes, even Unicode spaces,
// belong to the value.
func trimBlanks(b []byte) []byte {
	return bytes.Trim(b, " \t")
}

// headerString trims a raw field value and makes it valid UTF-8. Raw 8-bit text is allowed in
// headers (RFC 6532); anything that is not UTF-8 is read as Windows-1252, what Outlook writes.
func headerString(v []byte) string {
	v = trimBlanks(v)
	if utf8.Valid(v) {
		return string(v)
	}
	return decodeWindows1252(v)
}
