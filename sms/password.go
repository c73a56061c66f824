// Temporary passwords: the ones the NAS sends by text message after a new account or a password
// reset (docs/spec/rules.md "Password reset and unlock"). A temporary password
// follows the NHSmail policy: at least 10 characters (we make 14), no spaces, and never the
// user's first or last name. It is used once, at the first login, so it is also easy to type
// from a phone: no characters that look alike (0/O, 1/l/I).
//
// The password is made at the moment it is sent and never stored, logged or mailed.

package sms

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"nasbot/internal/fold"
)

// Length is the length of a temporary password.
const Length = 14

// The character classes; a password holds at least one of each.
const (
	upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ" // no I, O
	lower  = "abcdefghijkmnpqrstuvwxyz" // no l, o
	digits = "23456789"                 // no 0, 1
)

const alphabet = upper + lower + digits

// maxAttempts bounds the regeneration when a draw lacks a class or holds a name. With a
// 14-character draw both are rare (a draw lacks a digit about one time in nine), so reaching the
// bound means the random source is broken.
const maxAttempts = 1000

// random is the source of randomness; tests replace it.
var random io.Reader = rand.Reader

// ErrExhausted means no acceptable password came out of maxAttempts draws.
var ErrExhausted = errors.New("password: no acceptable password drawn")

// Temporary returns a new temporary password for the person with the name: Length characters
// from crypto/rand, with upper case and lower case letters and digits, no spaces, and containing
// none of the words of the name (case-insensitively, accents folded).
func TemporaryPassword(name string) (string, error) {
	words := nameWords(name)
	buf := make([]byte, Length)
	for range maxAttempts {
		if err := draw(buf); err != nil {
			return "", err
		}
		if acceptable(string(buf), words) {
			return string(buf), nil
		}
	}
	return "", ErrExhausted
}

// draw fills buf with characters of the alphabet, each equally likely: random bytes at or above
// the largest multiple of len(alphabet) are thrown away, so the modulo is unbiased.
func draw(buf []byte) error {
	const limit = 256 - 256%len(alphabet)
	var b [32]byte
	for i := 0; i < len(buf); {
		if _, err := io.ReadFull(random, b[:]); err != nil {
			return fmt.Errorf("password: read random: %w", err)
		}
		for _, c := range b {
			if int(c) >= limit {
				continue
			}
			buf[i] = alphabet[int(c)%len(alphabet)]
			if i++; i == len(buf) {
				break
			}
		}
	}
	return nil
}

// acceptable reports whether p holds every class and none of the name's words.
func acceptable(p string, words []string) bool {
	if !strings.ContainsAny(p, upper) || !strings.ContainsAny(p, lower) || !strings.ContainsAny(p, digits) {
		return false
	}
	lp := strings.ToLower(p)
	for _, w := range words {
		if strings.Contains(lp, w) {
			return false
		}
	}
	return true
}

// nameWords returns the words of the name in lower-case ASCII letters (folded by package fold,
// as new addresses are; other characters dropped, so O'Neill gives oneill), leaving out single
// letters: an initial is not a name, and refusing every password with a "j" in it would protect
// nothing. Each part of a
// hyphenated or apostrophised name is kept too (Hassan-Reid: hassanreid, hassan, reid).
func nameWords(name string) []string {
	var words []string
	add := func(w string) {
		if len(w) >= 2 && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	for _, field := range strings.Fields(fold.ASCII(name)) {
		var whole, part strings.Builder
		for _, c := range field {
			if c >= 'a' && c <= 'z' {
				whole.WriteRune(c)
				part.WriteRune(c)
				continue
			}
			add(part.String())
			part.Reset()
		}
		add(part.String())
		add(whole.String())
	}
	return words
}
