package parser

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/charmap"

	"nasbot/domain"
)

// maxDepth bounds multipart nesting; real mail rarely goes past four.
const maxDepth = 12

// body is what the MIME walk found: the text parts that make up the body, in order, and the
// attachments.
type body struct {
	plain []string
	html  []rawPart // decoded only when there is no text/plain
	atts  []domain.Attachment
	// problem says why a part's header has no single reading (two Content-Type fields: mail
	// programs differ on which one they obey, and so on the body they show).
	problem string
}

// rawPart is a leaf part not yet decoded.
type rawPart struct {
	h   message.Header
	raw []byte
}

// walk reads one entity (RFC 2045/2046): a multipart is split with go-message's textproto
// multipart reader and each part walked in turn; a leaf is kept as body text or attachment.
// Broken structure (a missing closing boundary, a bad part header) ends the walk of that
// multipart, keeping what was read before it.
func (b *body) walk(h message.Header, raw []byte, depth int) {
	t, params := partType(h)
	b.walkTyped(h, t, params, raw, depth)
}

// partType is a part's media type, lower case, and parameters; text/plain when missing or
// unreadable (RFC 2045 section 5.2).
func partType(h message.Header) (string, map[string]string) {
	return mediaType(h.Get("Content-Type"))
}

// walkTyped walks a part whose media type has been read.
func (b *body) walkTyped(h message.Header, t string, params map[string]string, raw []byte, depth int) {
	if strings.HasPrefix(t, "multipart/") && depth < maxDepth {
		boundary := params["boundary"]
		if boundary == "" {
			// A multipart without a boundary cannot be split: read it as text.
			t = "text/plain"
		} else {
			b.walkMultipart(raw, boundary, depth)
			return
		}
	}
	if isBody(h, t, params) {
		if t == "text/plain" {
			b.plain = append(b.plain, decodeText(h, raw, params))
		} else {
			b.html = append(b.html, rawPart{h, raw})
		}
		return
	}
	_, dparams, _ := h.ContentDisposition()
	data := decodeTransfer(h, raw)
	b.atts = append(b.atts, domain.Attachment{Filename: filename(dparams, params), ContentType: t, Size: len(data), Data: data})
}

// walkMultipart splits a multipart body (RFC 2046 section 5.1) with go-message's textproto
// reader and walks each part.
func (b *body) walkMultipart(raw []byte, boundary string, depth int) {
	mr := textproto.NewMultipartReader(bytes.NewReader(raw), boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			return
		}
		ph := message.Header{Header: p.Header}
		for _, k := range []string{"Content-Type", "Content-Transfer-Encoding", "Content-Disposition"} {
			if n := len(p.Header.Values(k)); n > 1 && b.problem == "" {
				b.problem = fmt.Sprintf("a part of the message has %d %s fields, so mail programs differ on what it holds", n, k)
			}
		}
		t, params := partType(ph)
		if t == "text/html" && len(b.plain) > 0 && isBody(ph, t, params) {
			// An HTML body after a text/plain one is never read: skip it undecoded.
			if _, err := io.Copy(io.Discard, p); err != nil {
				return
			}
			continue
		}
		data, rerr := readAll(p, min(len(raw), 8<<10))
		b.walkTyped(ph, t, params, data, depth+1)
		if rerr != nil {
			return
		}
	}
}

// isBody reports whether a leaf part is body text rather than an attachment: text/plain or
// text/html with no file name and not marked as an attachment (RFC 2183).
func isBody(h message.Header, t string, params map[string]string) bool {
	if t != "text/plain" && t != "text/html" {
		return false
	}
	disp, dparams, _ := h.ContentDisposition()
	return filename(dparams, params) == "" && !strings.EqualFold(disp, "attachment")
}

// readAll reads r whole into a buffer of sizeHint bytes to start with.
func readAll(r io.Reader, sizeHint int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(sizeHint + bytes.MinRead)
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// filename is the part's file name: Content-Disposition's filename (RFC 2183, with RFC 2231
// continuations as mime.ParseMediaType reads them), else Content-Type's older name parameter,
// with RFC 2047 words decoded as Outlook writes them.
func filename(dparams, params map[string]string) string {
	n := dparams["filename"]
	if n == "" {
		n = params["name"]
	}
	if n == "" {
		return ""
	}
	return strings.TrimSpace(decodeWords(n))
}

// isCSV reports whether an attachment is a CSV file, by media type or by file name: Outlook
// sends CSV as text/csv, application/vnd.ms-excel or application/octet-stream.
func isCSV(a domain.Attachment) bool {
	switch a.ContentType {
	case "text/csv", "application/csv", "text/comma-separated-values", "text/x-csv", "application/x-csv":
		return true
	}
	return strings.EqualFold(path.Ext(a.Filename), ".csv")
}

// decodeTransfer undoes the Content-Transfer-Encoding (RFC 2045 section 6). Base64 and the
// identity encodings go through go-message. Quoted-printable is decoded here: the standard
// library's reader, which go-message uses, stops at the first malformed escape (common in real
// mail) and, decoding a byte at a time, took a quarter of a typical parse. An unknown encoding
// leaves the bytes as they are; a broken base64 body is decoded leniently.
func decodeTransfer(h message.Header, raw []byte) []byte {
	enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	if enc == "quoted-printable" {
		return decodeQP(raw)
	}
	var eh message.Header
	eh.Set("Content-Transfer-Encoding", enc)
	e, err := message.New(eh, bytes.NewReader(raw))
	if err != nil {
		return raw // unknown encoding: the body as it stands
	}
	data, err := readAll(e.Body, len(raw))
	if err == nil {
		return data
	}
	if enc == "base64" {
		return lenientBase64(raw)
	}
	return data
}

// decodeText decodes a text part to UTF-8: transfer encoding, then charset with go-message's
// charset package. A charset it does not know, or text that is not what its label says (8-bit
// bytes labelled us-ascii, say), is read as UTF-8 when valid and as Windows-1252 otherwise.
func decodeText(h message.Header, raw []byte, params map[string]string) string {
	data := decodeTransfer(h, raw)
	cs := strings.ToLower(strings.TrimSpace(params["charset"]))
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819", "ibm819":
		// Labelled Latin-1, written by Windows: read as Windows-1252, as browsers do (WHATWG
		// Encoding), so 0x92 is a right quote and not a control character. Text that is valid
		// UTF-8 was mislabelled, and is kept.
		if utf8.Valid(data) {
			break
		}
		return finishText(decodeWindows1252(data), params)
	default:
		if r, err := charset.Reader(cs, bytes.NewReader(data)); err == nil {
			if out, err := io.ReadAll(r); err == nil && utf8.Valid(out) {
				data = out
			}
		}
	}
	return finishText(textString(data), params)
}

// finishText undoes format=flowed when the part says so.
func finishText(s string, params map[string]string) string {
	if strings.EqualFold(params["format"], "flowed") {
		s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
	}
	return s
}

// textString returns data as a string, reading it as Windows-1252 when it is not UTF-8, and
// drops a leading byte-order mark.
func textString(data []byte) string {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if utf8.Valid(data) {
		return string(data)
	}
	return decodeWindows1252(data)
}

func decodeWindows1252(b []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\ufffd")
	}
	return string(out)
}

// unflow joins the soft line breaks of format=flowed text (RFC 3676 section 4): a line ending
// in a space continues on the next, space-stuffing is removed, and "-- " stays a signature line.
func unflow(s string, delsp bool) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var b strings.Builder
	b.Grow(len(s))
	for i, l := range lines {
		l = strings.TrimPrefix(l, " ")
		if l != "-- " && strings.HasSuffix(l, " ") && i < len(lines)-1 {
			if delsp {
				l = l[:len(l)-1]
			}
			b.WriteString(l)
			continue
		}
		b.WriteString(l)
		if i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// decodeQP decodes quoted-printable (RFC 2045 section 6.7): "=XX" escapes, "=" before a line
// end as a soft line break, and blanks at the end of an encoded line dropped (rule 3). Like
// most mail readers, and unlike the standard library, it keeps an "=" that starts no valid
// escape instead of failing.
func decodeQP(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	keep := 0 // out[:keep] holds decoded escapes that trailing-blank removal must not touch
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '\n':
			out = endQPLine(out, keep)
			keep = len(out)
		case '=':
			if end := softBreakEnd(raw, i); end >= 0 {
				i = end
				continue
			}
			if i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
				out = append(out, unhex(raw[i+1])<<4|unhex(raw[i+2]))
				i += 2
				keep = len(out)
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

// endQPLine ends a decoded line at an encoded line break: the blanks at the end of the encoded
// line are dropped (rule 3), but not those that escapes produced (out[:keep]), and a CR before
// the break stays.
func endQPLine(out []byte, keep int) []byte {
	n := len(out)
	if n > 0 && out[n-1] == '\r' {
		n--
	}
	m := n
	for m > keep && (out[m-1] == ' ' || out[m-1] == '\t') {
		m--
	}
	if m < n {
		out = append(out[:m], out[n:]...)
	}
	return append(out, '\n')
}

// softBreakEnd reads the "=" at raw[i] as a soft line break (rule 5): "=", optional blanks, then
// LF, CRLF or the end of the input. It returns the index of the break's last byte, or -1 when
// the "=" starts no soft break.
func softBreakEnd(raw []byte, i int) int {
	j := i + 1
	for j < len(raw) && (raw[j] == ' ' || raw[j] == '\t') {
		j++
	}
	switch {
	case j == len(raw):
		return len(raw) - 1
	case raw[j] == '\n':
		return j
	case j+1 < len(raw) && raw[j] == '\r' && raw[j+1] == '\n':
		return j + 1
	}
	return -1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// lenientBase64 decodes base64 skipping anything outside the alphabet and stopping at padding
// or at a trailing partial quantum.
func lenientBase64(raw []byte) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	out := make([]byte, 0, len(raw)*3/4)
	var acc uint32
	n := 0
	for _, c := range raw {
		if c == '=' {
			break
		}
		v := strings.IndexByte(alphabet, c)
		if v < 0 {
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

// text turns the walk's findings into Message.Text: the text/plain parts joined when the
// message has any, even blank ones; the HTML parts reduced to text only when it has none
// (docs/spec/requests.md "Readings decided": one body is read, never a mix). Line ends become "\n".
func (b *body) text() string {
	var s string
	if len(b.plain) > 0 {
		s = strings.Join(b.plain, "\n")
	} else if len(b.html) > 0 {
		parts := make([]string, 0, len(b.html))
		for _, p := range b.html {
			_, params, _ := p.h.ContentType()
			parts = append(parts, htmlToText(decodeText(p.h, p.raw, params)))
		}
		s = strings.Join(parts, "\n")
	} else {
		s = strings.Join(b.plain, "\n")
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// topHeader builds the go-message header the body walk needs from the fields readHeader found.
func topHeader(h *header) message.Header {
	var mh message.Header
	for _, k := range []string{"Content-Type", "Content-Transfer-Encoding", "Content-Disposition"} {
		if v, ok := h.get(k); ok {
			mh.Set(k, v)
		}
	}
	return mh
}
