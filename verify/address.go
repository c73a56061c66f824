package verify

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"nasbot/domain"
)

// domainProfile maps a domain as UTS #46 lookup does (lower case, width folding, NFC; RFC 5891
// §5) and checks its labels, hyphens, joiners, the Bidi rule and DNS lengths (so an empty label
// is an error). Non-transitional: ß and ς stay themselves rather than becoming ss and σ.
var domainProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
	idna.Transitional(false),
)

// normaliseDomain returns the ASCII (A-label) form of a domain, lower case, so that domains that
// look alike but are written with other scripts compare unequal: "nhs.nеt" with a Cyrillic е
// becomes "nhs.xn--nt-nlc".
func normaliseDomain(d string) (string, error) {
	if d == "" {
		return "", errors.New("empty domain")
	}
	if strings.HasSuffix(d, ".") {
		return "", errors.New("domain ends with a dot")
	}
	a, err := domainProfile.ToASCII(d)
	if err != nil {
		return "", err
	}
	return a, nil
}

// normaliseAddress splits an addr-spec at its last @, lower-cases the local part and normalises
// the domain. RFC 5322 §3.4.1; the local part must be ASCII (no NHSmail address is not).
func normaliseAddress(addr string) (local, dom string, err error) {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", errors.New("not an addr-spec (local-part@domain)")
	}
	local = strings.ToLower(addr[:at])
	for i := 0; i < len(local); i++ {
		if local[i] >= utf8.RuneSelf {
			return "", "", errors.New("the local part has non-ASCII characters")
		}
		if local[i] <= ' ' || local[i] == 0x7f {
			return "", "", errors.New("the local part has spaces or control characters")
		}
	}
	dom, err = normaliseDomain(addr[at+1:])
	if err != nil {
		return "", "", fmt.Errorf("the domain is not a valid domain name (%v)", err)
	}
	return local, dom, nil
}

// fromAddress applies the address rules to From and returns the normalised addr-spec. failure is
// "" when From is usable; from may be set even then (one mailbox, wrong domain) so that later
// stages can see which mailbox was claimed. That From is one field naming one mailbox is the
// header reader's to say (Envelope.HeaderProblem, checked first).
func fromAddress(env *domain.Envelope, want string) (from, failure string) {
	if len(env.From) != 1 {
		return "", "From names no single mailbox"
	}
	addr := strings.TrimSpace(env.From[0].Address)
	if addr == "" {
		return "", "From has a display name but no address"
	}
	local, dom, err := normaliseAddress(addr)
	if err != nil {
		return "", fmt.Sprintf("the From address %q is not usable: %v", clip(addr), err)
	}
	from = local + "@" + dom
	if dom != want {
		written := addr[strings.LastIndexByte(addr, '@')+1:]
		shown := dom
		if !strings.EqualFold(written, dom) {
			shown = fmt.Sprintf("%s (%s)", written, dom)
		}
		return from, fmt.Sprintf("the From domain %s is not %s", shown, want)
	}
	return from, ""
}

// senderAddress returns the normalised Sender when it is present and differs from From (send on
// behalf): it must then be an account linked to the From shared mailbox. A Sender field that the
// header reader could not read as one mailbox is its HeaderProblem, refused before this.
func senderAddress(env *domain.Envelope, from, want string) (sender, failure string) {
	if env.Sender == nil {
		return "", ""
	}
	addr := strings.TrimSpace(env.Sender.Address)
	if addr == "" {
		return "", "the Sender header has no address"
	}
	local, dom, err := normaliseAddress(addr)
	if err != nil {
		return "", fmt.Sprintf("the Sender address %q is not usable: %v", clip(addr), err)
	}
	sender = local + "@" + dom
	if sender == from {
		return "", ""
	}
	if dom != want {
		return "", fmt.Sprintf("the Sender %s is not an account in %s", sender, want)
	}
	return sender, ""
}

// describeFrom says what the From header held, for Evidence.
func describeFrom(env *domain.Envelope) string {
	if len(env.From) == 0 {
		return "no mailbox"
	}
	var parts []string
	named := false
	for _, a := range env.From[:min(len(env.From), maxEvidenceItems)] {
		p := "<" + clip(a.Address) + ">"
		if a.Name != "" {
			p = fmt.Sprintf("%q %s", clip(a.Name), p)
			named = true
		}
		parts = append(parts, p)
	}
	if len(env.From) > maxEvidenceItems {
		parts = append(parts, fmt.Sprintf("%d more", len(env.From)-maxEvidenceItems))
	}
	s := strings.Join(parts, ", ")
	if named {
		s += " (a display name proves nothing)"
	}
	return s
}

func describeSender(env *domain.Envelope) string {
	if env.Sender == nil {
		return "unreadable"
	}
	return "<" + clip(env.Sender.Address) + ">"
}
