package pipeline

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"nasbot/domain"
	"nasbot/templates"
)

// The echo rules: what a mail from the NAS may carry of what a sender wrote. Every mail passes
// them on its way to a template (Pipeline.render), so no template or caller can forget them:
//   - a mobile number, valid or not, shows only its last three digits (07*** ***123);
//   - a quoted line that names a secret (password, passcode, PIN…) is dropped, and so is the
//     line after a secret's name written alone, where its value would be;
//   - line breaks, other control characters and bidirectional controls are taken out, so a
//     value cannot start a line of its own or reorder the words around it;
//   - a value is cut at maxEcho characters, a summary at maxSummary, a quoted line at maxQuoted.

const (
	maxEcho    = 300
	maxQuoted  = 120
	maxSummary = 900 // our own sentences, with the sender's values in them
)

// mobileLike matches what people write for a UK mobile (07…, +44 7…, 0044 7…, 447…), valid or
// not, with spaces, dashes, dots or brackets between the digits.
var mobileLike = regexp.MustCompile(`(?:\+\s*44|\b0044|\b44|\b0)[\s.\-]*(?:\(0\)[\s.\-]*)?7(?:[\s.\-()]*\d){8,9}\b`)

// secretWord finds a word that names a secret. "pin" only as a word of its own (not Pinner).
var secretWord = regexp.MustCompile(`(?i)pass\s*(?:word|code|phrase)|\bpwd\b|\bpins?\b|\bsecret\b|memorable\s+(?:word|answer)|security\s+(?:answer|question)|\bone[\s-]*time\s+code\b|\botp\b`)

// secretValue is a secret's name used as a field name, and the value after it.
var secretValue = regexp.MustCompile(`(?i)(?:` + secretWord.String() + `)\s*(?:[:=\-–]|\bis\b)\s*\S.*$`)

// requestWords name the password request itself, which is no secret.
var requestWords = regexp.MustCompile(`(?i)password\s+reset|reset\s+password`)

// MaskMobiles hides every mobile-looking number in s but for its last three digits.
func MaskMobiles(s string) string {
	if !mayHoldMobile(s) {
		return s
	}
	return mobileLike.ReplaceAllStringFunc(s, func(m string) string {
		if n, ok := domain.NormaliseMobile(m); ok {
			return domain.MaskMobile(n)
		}
		var digits []rune
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits = append(digits, r)
			}
		}
		return "07*** ***" + string(digits[len(digits)-3:])
	})
}

// safeText is one value as a mail may show it: one line, no control or bidirectional
// characters, mobiles masked, at most limit characters.
func safeText(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\n' || r == '\t' || r == '\u2028' || r == '\u2029':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u200b' || r == '\ufeff':
			return -1
		}
		return r
	}, s)
	if mayHoldSecretValue(s) {
		s = secretValue.ReplaceAllString(s, "(removed)")
	}
	s = MaskMobiles(s)
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit-1]) + "…"
	}
	return s
}

// mayHoldMobile is false when s cannot hold what mobileLike matches, which needs at least ten
// ASCII digits (0 or 44, the 7, eight more). Every value of every mail passes safeText, most of
// them short and without a number, and the regexp costs more than this count.
func mayHoldMobile(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if n++; n == 10 {
				return true
			}
		}
	}
	return false
}

// secretStems are the letters one of which every secretWord match holds (ASCII, any case).
var secretStems = []string{"pass", "pwd", "pin", "secret", "memorable", "security", "code", "otp"}

// mayNameSecret is false when s cannot hold a secretWord match: ASCII text with none of its
// stems. Text with other characters always may: (?i) also folds some of them (ſ, K) to ASCII.
func mayNameSecret(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	lower := strings.ToLower(s)
	for _, stem := range secretStems {
		if strings.Contains(lower, stem) {
			return true
		}
	}
	return false
}

// mayHoldSecretValue is false when s cannot hold what secretValue matches: a secret's name,
// then (after spaces) a separator or the word "is". For ASCII text it looks, from each stem of
// secretStems, along the letters and spaces that follow, for "is" among them or a separator
// just after them; that is more than the regexp asks, never less. The summaries of password
// resets name a password on every mail, and the regexp costs more than this walk.
func mayHoldSecretValue(s string) bool {
	if !mayNameSecret(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	lower := strings.ToLower(s)
	for _, stem := range secretStems {
		for from := 0; ; {
			at := strings.Index(lower[from:], stem)
			if at < 0 {
				break
			}
			at += from
			if valueAfter(lower[at:]) {
				return true
			}
			from = at + 1
		}
	}
	return false
}

// valueAfter reports whether the run of letters and spaces that starts s holds the word "is",
// or ends at a separator (":", "=", "-").
func valueAfter(s string) bool {
	end := 0
	for end < len(s) && (s[end] >= 'a' && s[end] <= 'z' || strings.IndexByte(" \t\n\r\f\v", s[end]) >= 0) {
		end++
	}
	if end < len(s) && strings.IndexByte(":=-", s[end]) >= 0 {
		return true
	}
	return slices.Contains(strings.Fields(s[:end]), "is")
}

// quotable are the sender's lines a reply may quote back: secrets dropped, the rest made safe.
func quotable(lines []string) []string {
	var out []string
	skipNext := false
	for _, l := range lines {
		if skipNext {
			skipNext = false
			if strings.TrimSpace(l) != "" {
				continue
			}
		}
		plain := requestWords.ReplaceAllString(l, "")
		if loc := secretWord.FindStringIndex(plain); loc != nil {
			// A secret's name alone on its line ("Password", "PIN:") has its value below it.
			skipNext = strings.TrimSpace(strings.Trim(strings.TrimSpace(plain[loc[1]:]), ":=-–")) == ""
			continue
		}
		out = append(out, safeText(l, maxQuoted))
	}
	return out
}

// safeMessage applies the echo rules to every value of a mail's data.
func safeMessage(m templates.Message) templates.Message {
	s := func(v string) string { return safeText(v, maxEcho) }
	m.Subject, m.Organisation, m.Failure = s(m.Subject), s(m.Organisation), s(m.Failure)
	m.Arrived, m.Mailbox, m.StaffReason, m.Tag = s(m.Arrived), s(m.Mailbox), s(m.StaffReason), s(m.Tag)
	m.Unrecognised = quotable(m.Unrecognised)
	reqs := make([]templates.Request, len(m.Requests))
	for i, r := range m.Requests {
		r.What, r.Summary = s(r.What), safeText(r.Summary, maxSummary)
		r.Ignored = safeList(r.Ignored)
		if r.Listing != nil {
			r.Listing = safeListing(*r.Listing)
		}
		reqs[i] = r
	}
	m.Requests = reqs
	m.Deleted, m.Inactive = safeChanges(m.Deleted), safeChanges(m.Inactive)
	return m
}

// safeList makes field names safe to show, leaving out any that names a secret.
func safeList(names []string) []string {
	var out []string
	for _, n := range names {
		if !secretWord.MatchString(n) {
			out = append(out, safeText(n, maxQuoted))
		}
	}
	return out
}

func safeListing(l templates.Listing) *templates.Listing {
	out := templates.Listing{Accounts: make([]templates.ListedAccount, len(l.Accounts))}
	for i, a := range l.Accounts {
		a.Name, a.Address, a.Access = safeText(a.Name, maxEcho), safeText(a.Address, maxEcho), safeText(a.Access, maxEcho)
		a.Status, a.LastSignIn, a.Mobile = safeText(a.Status, maxEcho), safeText(a.LastSignIn, maxEcho), safeText(a.Mobile, maxEcho)
		old := make([]string, len(a.OldAddresses))
		for j, o := range a.OldAddresses {
			old[j] = safeText(o, maxEcho)
		}
		a.OldAddresses = old
		out.Accounts[i] = a
	}
	return &out
}

func safeChanges(cs []templates.AccountChange) []templates.AccountChange {
	if cs == nil {
		return nil
	}
	out := make([]templates.AccountChange, len(cs))
	for i, c := range cs {
		out[i] = templates.AccountChange{Address: safeText(c.Address, maxEcho), Why: safeText(c.Why, maxEcho),
			Until: safeText(c.Until, maxEcho)}
	}
	return out
}
