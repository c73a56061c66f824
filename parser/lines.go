package parser

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normLine prepares one body line for matching: non-breaking and other wide spaces become
// spaces, zero-width characters and soft hyphens go, the ends are trimmed, and bullets or
// numbering before a field (`- `, `* `, `• `, Word's `·`, `1. `, `1) `, `(1) `) are dropped.
// Tabs inside the line stay: a tab separates a field from its value.
func normLine(s string) string {
	if !isASCII(s) {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '\u00a0', '\u2007', '\u202f', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004',
				'\u2005', '\u2006', '\u2008', '\u2009', '\u200a', '\u3000':
				return ' '
			case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
				return -1
			}
			return r
		}, s)
	}
	s = strings.TrimSpace(s)
	for range 2 {
		t := stripBullet(s)
		if t == s {
			break
		}
		s = t
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// stripBullet removes one list marker from the start of s.
func stripBullet(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	switch r {
	case '-', '*', '+', '–', '—':
		// Only with a blank after it: "-Name" or "*Name:*" are not bullets.
		if len(s) > n && (s[n] == ' ' || s[n] == '\t') {
			return strings.TrimSpace(s[n:])
		}
		return s
	case '•', '·', '◦', '▪', '▫', '‣', '●', '○', '■', '□', '➢', '►', '▶', '§', '\uf0b7', '\uf0a7':
		return strings.TrimSpace(s[n:])
	case 'o':
		return stripOutlookBullet(s)
	case '(':
		return stripParenNumber(s)
	}
	if isDigit(s[0]) {
		return stripNumber(s)
	}
	return s
}

// stripOutlookBullet removes Outlook's plain-text rendering of a second-level bullet: "o" and a
// tab or spaces, then a capital letter as list items start with (a lone "o" in prose is left).
func stripOutlookBullet(s string) string {
	if len(s) > 2 && (s[1] == ' ' || s[1] == '\t') {
		rest := strings.TrimSpace(s[1:])
		if r2, _ := utf8.DecodeRuneInString(rest); unicode.IsUpper(r2) {
			return rest
		}
	}
	return s
}

// stripParenNumber removes "(1) " numbering, of up to three digits.
func stripParenNumber(s string) string {
	i := 1
	for i < len(s) && i <= 3 && isDigit(s[i]) {
		i++
	}
	if i > 1 && i < len(s) && s[i] == ')' {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}

// stripNumber removes "1. ", "1) " or "12.Name" numbering, of up to three digits: after the
// dot or bracket comes a blank or a letter, so "1.5 days" and "2)" alone stay.
func stripNumber(s string) string {
	i := 0
	for i < len(s) && i < 3 && isDigit(s[i]) {
		i++
	}
	if i == len(s) || s[i] != '.' && s[i] != ')' {
		return s
	}
	rest := s[i+1:]
	if rest == "" {
		return s
	}
	if rest[0] == ' ' || rest[0] == '\t' {
		return strings.TrimSpace(rest)
	}
	if r2, _ := utf8.DecodeRuneInString(rest); unicode.IsLetter(r2) {
		return rest
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// splitField reads "Name: value" from a normalised line. The separators are ":" (also the
// full-width "："), a tab, "=" and a dash with blanks around it ("Name - value", en and em dashes
// too); the first one in the line wins. A colon or tab makes a field of any name that looks like
// one (so unknown names can be listed as not used); "=" and dashes only of names nasbot knows,
// since prose is full of dashes. ok reports whether the line is a field; id is fieldUnknown when
// the name is not one of nasbot's.
func splitField(s string) (name, value string, id field, ok bool) {
	if sep, sepLen, loose := fieldSeparator(s); sep > 0 {
		name = cleanName(s[:sep])
		value = cleanValue(s[sep+sepLen:])
		id = fieldID(name)
		if id != fieldUnknown {
			return name, value, id, true
		}
		if !loose && looksLikeFieldName(name) && !strings.HasPrefix(value, "//") {
			return name, value, fieldUnknown, true
		}
	}
	return knownNameDash(s)
}

// fieldSeparator finds the first separator in s: its index (-1 when there is none), its length,
// and loose, true for "=" and spaced dashes, which only known names may use.
func fieldSeparator(s string) (sep, sepLen int, loose bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':', '\t':
			return i, 1, false
		case '=':
			return i, 1, true
		case 0xEF: // "：" U+FF1A is EF BC 9A
			if strings.HasPrefix(s[i:], "：") {
				return i, len("："), false
			}
		case ' ':
			rest := s[i+1:]
			for _, d := range []string{"- ", "– ", "— ", "-\t"} {
				if strings.HasPrefix(rest, d) {
					return i, 1 + len(d), true
				}
			}
		}
	}
	return -1, 0, false
}

// knownNameDash reads "Name- Jane", "Name -Jane", "Mobile–07700 900123": a dash next to a blank,
// right after a known name, where mail writers left out one of the dash's blanks.
func knownNameDash(s string) (name, value string, id field, ok bool) {
	for i := 1; i < len(s) && i <= maxFieldName+1; {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == '-' || r == '–' || r == '—') && (s[i-1] == ' ' || i+n < len(s) && s[i+n] == ' ') {
			if cand := cleanName(s[:i]); cand != "" {
				if id := fieldID(cand); id != fieldUnknown {
					return cand, cleanValue(s[i+n:]), id, true
				}
			}
		}
		i += n
	}
	return "", "", fieldUnknown, false
}

// cleanName trims a field name, with Markdown-style emphasis ("*Name:*", "_Name_") that some
// mail programs write for bold.
func cleanName(s string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "*_"))
}

// cleanValue trims a value, dropping separators repeated after the first ("Name :\t: Jane")
// and emphasis marks.
func cleanValue(s string) string {
	s = strings.TrimSpace(s)
	for {
		t := strings.TrimLeft(s, ":=\t ")
		t = strings.TrimPrefix(t, "：")
		if t == s {
			break
		}
		s = t
	}
	s = strings.TrimSpace(strings.Trim(s, "*"))
	return s
}

// maxFieldName is the longest field name read, in characters ("Linked to the shared mailbox"
// is 28).
const maxFieldName = 40

// looksLikeFieldName accepts short labels: one to five words starting with a letter, of
// letters, spaces and a little punctuation. Sentences ("Thanks. One more thing"), times
// ("starts at 9:30") and URLs are not field names.
func looksLikeFieldName(s string) bool {
	if s == "" || len(s) > 4*maxFieldName || utf8.RuneCountInString(s) > maxFieldName {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(r) {
		return false
	}
	words := 1
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
		case r == ' ':
			words++
		case r == '-', r == '\'', r == '’', r == '/', r == '(', r == ')', r == '&':
		default:
			return false
		}
	}
	if words > 5 {
		return false
	}
	switch strings.ToLower(s) {
	case "http", "https", "mailto", "ftp", "file":
		return false
	}
	return true
}

// key folds a label for matching: lower case letters and digits only, so "Mobile number",
// "mobile-number" and "MOBILE NUMBER:" are one key.
func key(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// isQuoted reports whether a line belongs to quoted history ("> …", RFC 3676 section 4.5).
func isQuoted(norm string) bool {
	return strings.HasPrefix(norm, ">")
}
