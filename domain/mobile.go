package domain

import "strings"

// NormaliseMobile reads a UK mobile number as people write it and returns it as the 11 digits
// the directory stores ("07700900123"), as docs/spec/requests.md "Readings decided" says: spaces (tabs and
// non-breaking spaces too), dashes, dots and brackets are separators; a comment in brackets after
// the number ("07700 900123 (personal)") is ignored; the international forms "+44 7…", "0044 7…",
// "44 7…" and "+44 (0) 7…" become "07…". The result must be 07 followed by 9 digits in Ofcom's
// mobile ranges (docs/spec/rules.md): 071–075, 077–079 and 07624. 070 (personal numbers) and the rest of
// 076 (pagers) are not mobiles. Anything else in the value (a word, a slash, a second number)
// makes it no number: ok is false, and the string empty.
func NormaliseMobile(s string) (string, bool) {
	s = dropComment(s)
	var d [16]byte
	n := 0
	plus := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = byte(r)
			n++
		case r == '+':
			// Only before the first digit.
			if n > 0 || plus {
				return "", false
			}
			plus = true
		case isMobileFiller(r):
		default:
			return "", false
		}
	}
	digits := string(d[:n])
	switch {
	case plus:
		if !strings.HasPrefix(digits, "44") {
			return "", false
		}
		digits = nationalFrom(digits[2:])
	case strings.HasPrefix(digits, "0044"):
		digits = nationalFrom(digits[4:])
	case strings.HasPrefix(digits, "44") && len(digits) >= 12:
		digits = nationalFrom(digits[2:])
	}
	if !isUKMobile(digits) {
		return "", false
	}
	return digits, true
}

// nationalFrom turns the digits after the +44 country code into the national form: the trunk
// "0" is added, or kept when written as "+44 (0) 7…".
func nationalFrom(rest string) string {
	if strings.HasPrefix(rest, "0") {
		return rest
	}
	return "0" + rest
}

func isUKMobile(d string) bool {
	if len(d) != 11 || d[0] != '0' || d[1] != '7' {
		return false
	}
	switch d[2] {
	case '1', '2', '3', '4', '5', '7', '8', '9':
		return true
	case '6':
		return strings.HasPrefix(d, "07624")
	}
	return false
}

// dropComment removes bracketed comments that follow the number: "(personal)", "[work phone]".
// A bracket holding a digit is part of the number ("+44 (0) 7700…") and stays.
func dropComment(s string) string {
	for {
		t := strings.TrimRightFunc(s, isSpace)
		if t == "" {
			return s
		}
		closer := t[len(t)-1]
		opener := byte('(')
		switch closer {
		case ')':
		case ']':
			opener = '['
		default:
			return s
		}
		i := strings.LastIndexByte(t, opener)
		if i <= 0 || strings.ContainsAny(t[i:], "0123456789") || strings.TrimFunc(t[:i], isSpace) == "" {
			return s
		}
		s = t[:i]
	}
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\u00a0', '\u2007', '\u202f', '\u2009':
		return true
	}
	return false
}

func isMobileFiller(r rune) bool {
	switch r {
	case ' ', '\t', '-', '.', '(', ')', '[', ']',
		'\u00a0', '\u2007', '\u202f', '\u2009', '\u200b', '\ufeff', // non-breaking, thin and zero-width spaces
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212': // hyphens, dashes, minus
		return true
	}
	return false
}

// MaskMobile hides most of a mobile number for logs and replies: "07700 900123" → "07*** ***123".
// A number that is not a valid UK mobile keeps at most its last three digits.
func MaskMobile(s string) string {
	if m, ok := NormaliseMobile(s); ok {
		return m[:2] + "*** ***" + m[8:]
	}
	var digits []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
		}
	}
	if len(digits) < 7 {
		return "***"
	}
	return "*** ***" + string(digits[len(digits)-3:])
}
