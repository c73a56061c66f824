package domain

import "strings"

// NormaliseODS reads an ODS code as docs/spec/requests.md decides: letters, digits and "-",
// 3 to 12 characters, any case (a social care provider's "1-2000000001" is one), returned upper
// case. Spaces inside, or any other character, make it no code. The parser, the handlers and
// the desk's edit form all read codes through it.
func NormaliseODS(v string) (string, bool) {
	s := strings.TrimSpace(v)
	if len(s) < 3 || len(s) > 12 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "", false
		}
	}
	return strings.ToUpper(s), true
}
