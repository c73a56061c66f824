package parser

import (
	"strings"

	"nasbot/domain"
)

// oneMailbox reads a From or Sender value as exactly one mailbox (RFC 5322 section 3.6.2), or
// says, for staff, why it cannot. It is strict where parseAddressList is lenient: a value that
// could be read as two mailboxes, or as one of two, is no mailbox at all, since the MTA that
// checked the sender may have read the other (docs/spec/verification.md, "One reading of the
// header"). The address must also be one that can be written back into a reply as it is: a
// quoted local part may hold "@" and ",", and would send the reply to someone else.
func oneMailbox(v string) (domain.Address, string) {
	if strings.TrimSpace(v) == "" {
		return domain.Address{}, "is empty"
	}
	n, group := scanAddressField(v)
	switch {
	case group:
		return domain.Address{}, "uses group syntax; it must name exactly one mailbox"
	case n > 1:
		return domain.Address{}, "names more than one mailbox; it must name exactly one"
	}
	a, err := addressParser.Parse(v)
	if err != nil {
		return domain.Address{}, "cannot be read as exactly one mailbox"
	}
	if !plainAddress(a.Address) {
		return domain.Address{}, "has an address with a quoted or unusual local part, which no NHSmail address has"
	}
	return domain.Address{Name: a.Name, Address: strings.ToLower(a.Address)}, ""
}

// plainAddress reports whether addr is a dot-atom local part (RFC 5322 section 3.4.1, atext
// and single dots) at a domain of letters, digits, dots and hyphens or of non-ASCII letters
// (verification maps those with IDNA and compares the result).
func plainAddress(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return false
	}
	local, dom := addr[:at], addr[at+1:]
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		if !isAtext(local[i]) && local[i] != '.' {
			return false
		}
	}
	for _, r := range dom {
		if r < 0x80 && !(r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// isAtext reports an RFC 5322 atext character (section 3.2.3).
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// scanAddressField reads an address header value as RFC 5322 section 3.4 lays it out, outside
// quoted strings, comments, angle brackets (obsolete routes hold ':') and domain literals. group
// reports group syntax (display-name ":" [group-list] ";"), which net/mail reads as its one
// member. mailboxes counts the comma-separated items that hold an '@'.
func scanAddressField(v string) (mailboxes int, group bool) {
	inAngle, at := false, false // at: the current item holds an '@'
	for i := 0; i < len(v); i++ {
		if end, ok := skipDelimited(v, i); ok {
			i = end
			continue
		}
		switch c := v[i]; {
		case c == '<':
			inAngle = true
		case c == '>':
			inAngle = false
		case c == '@':
			at = true
		case inAngle: // an obsolete route holds ':' and ','
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

// skipDelimited returns, when v[i] opens a quoted string, a comment (which nest) or a domain
// literal, the index of the character that closes it (the end of v when none does), honouring
// backslash quoting (RFC 5322 sections 3.2.1 to 3.2.4).
func skipDelimited(v string, i int) (end int, ok bool) {
	var closer byte
	switch v[i] {
	case '"':
		closer = '"'
	case '(':
		closer = ')'
	case '[':
		closer = ']'
	default:
		return i, false
	}
	nests := closer == ')'
	depth := 1
	for j := i + 1; j < len(v); j++ {
		switch v[j] {
		case '\\':
			j++
		case closer:
			if depth--; depth == 0 {
				return j, true
			}
		case '(':
			if nests {
				depth++
			}
		}
	}
	return len(v), true
}
