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
// stages can see which mailbox was claimed.
func fromAddress(env *domain.Envelope, want string) (from, failure string) {
	fields := headerValues(env.Headers, "From")
	if len(fields) > 1 {
		return "", fmt.Sprintf("the message has %d From header fields; exactly one is allowed", len(fields))
	}
	written := 0
	if len(fields) == 1 {
		n, group := scanAddressField(fields[0])
		if group {
			return "", "From uses group syntax; it must name exactly one mailbox"
		}
		written = n
	}
	switch len(env.From) {
	case 0:
		if len(fields) == 1 && strings.TrimSpace(fields[0]) != "" {
			return "", fmt.Sprintf("From %q could not be read as a mailbox", clip(fields[0]))
		}
		return "", "From names no mailbox"
	case 1:
		if written > 1 {
			return "", fmt.Sprintf("From names %d mailboxes; a request must come from exactly one", written)
		}
	default:
		var addrs []string
		for _, a := range env.From[:min(len(env.From), 3)] {
			addrs = append(addrs, clip(a.Address))
		}
		if len(env.From) > 3 {
			addrs = append(addrs, "…")
		}
		return "", fmt.Sprintf("From names %d mailboxes (%s); a request must come from exactly one",
			len(env.From), strings.Join(addrs, ", "))
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
// parser could not read, or more than one, is refused rather than ignored.
func senderAddress(env *domain.Envelope, from, want string) (sender, failure string) {
	fields := headerValues(env.Headers, "Sender")
	if len(fields) > 1 {
		return "", fmt.Sprintf("the message has %d Sender header fields; at most one is allowed", len(fields))
	}
	if len(fields) == 1 {
		if n, group := scanAddressField(fields[0]); group || n > 1 {
			return "", "the Sender header must name exactly one mailbox"
		}
	}
	if env.Sender == nil {
		if len(fields) == 1 {
			return "", "the Sender header could not be read as one mailbox"
		}
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

// headerValues returns the values of every field named key, top to bottom.
func headerValues(hs []domain.HeaderField, key string) []string {
	var vs []string
	for _, h := range hs {
		if strings.EqualFold(strings.TrimSpace(h.Key), key) {
			vs = append(vs, h.Value)
		}
	}
	return vs
}

// scanAddressField reads an address header value as RFC 5322 §3.4 lays it out, outside quoted
// strings, comments, angle brackets (obsolete routes hold ':') and domain literals. group reports
// group syntax (display-name ":" [group-list] ";"). mailboxes counts the comma-separated items that
// hold an '@': a parser that drops an item it cannot read must not turn two mailboxes into one,
// while an item with no '@' (an unquoted "Hart, Amelia <…>" display name) names no mailbox.
func scanAddressField(v string) (mailboxes int, group bool) {
	depth := 0 // comment nesting
	inQuote, inAngle, inLiteral := false, false, false
	at := false // the current item holds an '@'
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (inQuote || depth > 0 || inLiteral):
			i++
		case inQuote:
			if c == '"' {
				inQuote = false
			}
		case depth > 0:
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
			}
		case inLiteral:
			if c == ']' {
				inLiteral = false
			}
		case c == '"':
			inQuote = true
		case c == '(':
			depth = 1
		case c == '[':
			inLiteral = true
		case inAngle:
			if c == '@' {
				at = true
			} else if c == '>' {
				inAngle = false
			}
		case c == '<':
			inAngle = true
		case c == '@':
			at = true
		case c == ':' || c == ';':
			group = true
		case c == ',':
			if at {
				mailboxes++
			}
			at = false
		}
	}
	if at {
		mailboxes++
	}
	return mailboxes, group
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
