package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxAddressNumber bounds the search for a free numbered address (jane.smith2, jane.smith3 …).
const maxAddressNumber = 10000

// errNoLetters means a name has no first and last word made of letters to build an address from.
var errNoLetters = errors.New("name has no first and last word in letters")

// letters that Unicode decomposition does not fold to ASCII.
var foldSpecial = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i",
	'ħ': "h", 'ŧ': "t", 'ŀ': "l", 'ĸ': "k", 'ŉ': "n",
}

// addressWord reduces one word of a name to lower-case ASCII letters: accents are folded
// (é → e, ß → ss) and anything else (apostrophes, hyphens, digits) is dropped, so O'Neill
// gives oneill and Hassan-Reid gives hassanreid.
func addressWord(word string) string {
	var b strings.Builder
	for _, c := range norm.NFKD.String(strings.ToLower(word)) {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c)
		case unicode.Is(unicode.Mn, c):
			// a combining accent left by the decomposition
		default:
			if s, ok := foldSpecial[c]; ok {
				b.WriteString(s)
			}
		}
	}
	return b.String()
}

// addressLocal is the local part of a new address, "first.last", from the first and last words
// of the name that hold letters (rules.md "Accounts").
func addressLocal(name string) (string, error) {
	var words []string
	for _, w := range strings.Fields(name) {
		if a := addressWord(w); a != "" {
			words = append(words, a)
		}
	}
	if len(words) < 2 {
		return "", errNoLetters
	}
	return words[0] + "." + words[len(words)-1], nil
}

// newAddress finds the first free address for the name: first.last@domain, then first.last2,
// first.last3 … A clash with any account's address or any alias takes the next number.
func newAddress(dir Directory, name, domain string) (string, error) {
	local, err := addressLocal(name)
	if err != nil {
		return "", err
	}
	for n := 1; n <= maxAddressNumber; n++ {
		candidate := local + "@" + domain
		if n > 1 {
			candidate = local + strconv.Itoa(n) + "@" + domain
		}
		taken, err := dir.AddressTaken(candidate)
		if err != nil {
			return "", fmt.Errorf("handlers: address taken %s: %w", candidate, err)
		}
		if !taken {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("handlers: no free address for %s after %d tries", local, maxAddressNumber)
}

// sameLocal reports whether address is local@domain or a numbered form of it (local2@domain …):
// the address a name with the same first and last words would have been given.
func sameLocal(address, local, domain string) bool {
	at := strings.LastIndexByte(address, '@')
	if at < 0 || !strings.EqualFold(address[at+1:], domain) {
		return false
	}
	return strings.EqualFold(strings.TrimRight(address[:at], "0123456789"), local)
}
