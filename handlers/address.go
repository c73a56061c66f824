package handlers

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"nasbot/domain"
	"nasbot/internal/fold"
)

// maxAddressNumber bounds the search for a free numbered address (jane.smith2, jane.smith3 …).
const maxAddressNumber = 10000

// Why a name gives no address; both are invalid_field, field name (docs/spec/requests.md "Readings decided").
var (
	errOneWord   = errors.New("name has only one word")
	errNoLetters = errors.New("name has a first or last word with no letters")
)

// addressLocal is the local part of a new address, "first.last", from the first and last words of
// the name folded to ASCII letters (docs/spec/rules.md "Accounts"; Zoë Brontë gives zoe.bronte, O'Neill
// oneill). An address needs both: a one-word name, or a first or last word with no letter that
// folds to ASCII, gives none.
func addressLocal(name string) (string, error) {
	words := strings.Fields(name)
	if len(words) < 2 {
		return "", errOneWord
	}
	first, last := fold.Letters(words[0]), fold.Letters(words[len(words)-1])
	if first == "" || last == "" {
		return "", errNoLetters
	}
	return first + "." + last, nil
}

// reservedAddress matches the shared-mailbox form: a sector, a dot and an ODS-shaped code
// (letters, digits and '-', 3 to 12 characters, as docs/spec/requests.md reads ODS codes).
var reservedAddress = regexp.MustCompile(`^(` + sectorPrefixes() + `)\.[a-z0-9-]{3,12}@`)

func sectorPrefixes() string {
	names := make([]string, len(domain.Sectors))
	for i, s := range domain.Sectors {
		names[i] = string(s)
	}
	return strings.Join(names, "|")
}

// reserved reports whether an address has the shared-mailbox form, which is never given to a
// person (docs/spec/rules.md "Safety rules added after review": a personal account must not take
// pharmacy.<code>@nhs.net before that site registers it).
func reserved(address string) bool { return reservedAddress.MatchString(strings.ToLower(address)) }

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
