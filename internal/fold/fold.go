// Package fold turns people's names into plain ASCII letters, for the two places that need the
// same answer: the address a new account gets (handlers: Zoë Brontë → zoe.bronte) and the words a
// temporary password must not contain (password). One table, so the two never drift apart.
package fold

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// special maps the lower-case letters that Unicode decomposition leaves without an ASCII form
// (they are letters of their own, not letters with accents) to the letters people write for
// them (docs/spec/requests.md "Readings decided": Łukasz → lukasz, Søren → soren, Straße → strasse).
var special = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th",
	'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŀ': "l", 'ĸ': "k", 'ŋ': "ng", 'ə': "e", 'ɨ': "i",
	'ƒ': "f", 'ʼ': "", 'ĳ': "ij",
}

// stripMarks decomposes compatibility forms (ﬁ → fi, ｆ → f) and accents (é → e + ́) and drops
// the combining marks the decomposition leaves.
var stripMarks = transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)))

// ASCII returns s in lower case with every letter that has an ASCII form folded to it (é → e,
// ß → ss, Ø → o). Everything else (spaces, hyphens, apostrophes, digits, letters of scripts
// without an ASCII form) is left as it is, for the caller to keep, drop or split on.
func ASCII(s string) string {
	out, _, err := transform.String(stripMarks, strings.ToLower(s))
	if err != nil {
		out = strings.ToLower(s) // a transform of a string never fails; keep the input if it does
	}
	if !strings.ContainsFunc(out, isSpecial) {
		return out
	}
	var b strings.Builder
	for _, c := range out {
		if f, ok := special[c]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func isSpecial(c rune) bool { _, ok := special[c]; return ok }

// Letters returns the ASCII letters of s after folding, in lower case: "O'Neill" → "oneill",
// "Hassan-Reid" → "hassanreid", "Zoë" → "zoe"; "" when s holds no letter with an ASCII form.
func Letters(s string) string {
	var b strings.Builder
	for _, c := range ASCII(s) {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
