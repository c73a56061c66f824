package verify

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-msgauth/authres"

	"nasbot/domain"
)

// arResult is one method result of an Authentication-Results field that verification reads.
type arResult struct {
	method string // "dkim", "dmarc", …, lower case
	value  string // "pass", "fail", …, lower case
	d, i   string // dkim header.d, header.i
	from   string // dmarc header.from
}

// arField is one Authentication-Results header field and where it stands.
type arField struct {
	id      string // authserv-id; "" when the field has none (Exchange's own)
	above   bool   // above the topmost Received field
	trusted bool   // id is in Config.TrustedAuthServIDs
	results []arResult
}

// arVerdict is what the Authentication-Results fields, taken together, say about the From domain.
type arVerdict struct {
	pass     string // evidence of the pass; "" when none
	veto     string // failure that overrides any pass; "" when none
	failure  string // failure when there is neither pass nor veto
	evidence string // what was looked at
}

// evaluateAuthResults reads every Authentication-Results field (RFC 8601) of hs. Only fields whose
// authserv-id is trusted and that stand above the topmost Received field count: the trusted MTA
// prepends both as it accepts the message (RFC 5321 §4.4, RFC 8601 §5), so anything below was in
// the message before it arrived. With no Received field at all, nothing counts. Each field is
// parsed on its own, so one that cannot be parsed hides nothing.
func evaluateAuthResults(hs []domain.HeaderField, trusted []string, want string) arVerdict {
	fields, topReceived := readAuthResults(hs, trusted)
	var v arVerdict
	var t arTally
	for _, f := range fields {
		if t.skip(f) {
			continue
		}
		v.count(f, want)
	}
	v.evidence = t.evidence(len(fields), topReceived)
	v.failure = t.failure(len(fields), topReceived, trusted, want)
	return v
}

// readAuthResults parses each Authentication-Results field and says where it stands; topReceived
// is the index of the topmost Received field, or -1.
func readAuthResults(hs []domain.HeaderField, trusted []string) (fields []arField, topReceived int) {
	topReceived = -1
	for i, h := range hs {
		if h.Key == "Received" {
			topReceived = i
			break
		}
	}
	for i, h := range hs {
		if h.Key != "Authentication-Results" {
			continue
		}
		f := parseAuthResults(h.Value)
		f.above = i < topReceived
		f.trusted = f.id != "" && isTrusted(f.id, trusted)
		fields = append(fields, f)
	}
	return fields, topReceived
}

// arTally counts the fields that do not count, and why, for Evidence and Failure.
type arTally struct {
	counted, below, untrusted, noID int
	seen                            []string
}

// skip reports whether f does not count, and notes f either way.
func (t *arTally) skip(f arField) bool {
	switch {
	case f.id == "":
		t.noID++
	case !f.trusted:
		t.untrusted++
		t.seen = append(t.seen, "untrusted "+clip(f.id))
	case !f.above:
		t.below++
		t.seen = append(t.seen, f.id+" below the topmost Received, ignored")
	default:
		t.counted++
		t.seen = append(t.seen, f.id+": "+summarise(f.results))
		return false
	}
	return true
}

// count applies the results of a field that counts: the first aligned pass, and the first veto
// (a dmarc=fail, or DMARC evaluated for another domain than ours).
func (v *arVerdict) count(f arField, want string) {
	for _, r := range f.results {
		switch r.method {
		case "dmarc":
			hf, ok := resultDomain(r.from)
			switch {
			case v.veto != "":
			case r.value == "fail":
				v.veto = fmt.Sprintf("the trusted server %s reported dmarc=fail for %s", f.id, orUnknown(r.from))
			case r.from != "" && (!ok || hf != want):
				v.veto = fmt.Sprintf("the trusted server %s evaluated DMARC for %s, not for the From domain %s",
					f.id, r.from, want)
			}
			if r.value == "pass" && ok && hf == want && v.pass == "" {
				v.pass = fmt.Sprintf("Authentication-Results by %s above the topmost Received: dmarc=pass header.from=%s",
					f.id, hf)
			}
		case "dkim":
			if sd, ok := dkimDomain(r); r.value == "pass" && v.pass == "" && ok && aligned(sd, want) {
				v.pass = fmt.Sprintf("Authentication-Results by %s above the topmost Received: dkim=pass header.d=%s",
					f.id, sd)
			}
		}
	}
}

// evidence lists what was looked at, bounded, since a sender can write any number of fields.
func (t *arTally) evidence(fields, topReceived int) string {
	seen := t.seen
	if len(seen) > maxEvidenceItems {
		seen = append(seen[:maxEvidenceItems:maxEvidenceItems], fmt.Sprintf("%d more", len(seen)-maxEvidenceItems))
	}
	if t.noID > 0 {
		seen = append(seen, fmt.Sprintf("%d without authserv-id, ignored", t.noID))
	}
	e := "Authentication-Results: none"
	if fields > 0 {
		e = "Authentication-Results: " + strings.Join(seen, "; ")
	}
	if topReceived < 0 {
		e += " (no Received header)"
	}
	return e
}

// failure says why nothing proved the sender, in the words staff read.
func (t *arTally) failure(fields, topReceived int, trusted []string, want string) string {
	trustedNames := strings.Join(trusted, ", ")
	if trustedNames == "" {
		trustedNames = "none configured"
	}
	switch {
	case topReceived < 0 && fields > 0:
		return "the message has no Received header, so no Authentication-Results can be told from ones the sender wrote"
	case t.counted > 0:
		return fmt.Sprintf("the trusted server's Authentication-Results show neither dmarc=pass for %s nor a dkim=pass aligned with it", want)
	case t.below > 0:
		return fmt.Sprintf("the only Authentication-Results from a trusted server (%s) stand below the topmost Received header, where the sender can write them", trustedNames)
	case t.untrusted > 0:
		return fmt.Sprintf("no Authentication-Results from a trusted server (%s) above the topmost Received header; the ones present come from servers that are not trusted", trustedNames)
	}
	return fmt.Sprintf("no Authentication-Results from a trusted server (%s) above the topmost Received header", trustedNames)
}

// maxEvidenceItems bounds what Evidence lists, since a sender can write any number of fields.
const maxEvidenceItems = 8

// clip shortens sender-written text quoted in Evidence or Failure.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func isTrusted(id string, trusted []string) bool {
	for _, t := range trusted {
		if strings.EqualFold(id, strings.TrimSpace(t)) {
			return true
		}
	}
	return false
}

// aligned reports DKIM strict alignment (RFC 7489 §3.1.1) of a signing domain with the From
// domain: the same domain. Relaxed alignment would let a signature by any subdomain (run, maybe,
// by someone else: docs/spec/verification.md) prove an @nhs.net From.
func aligned(sd, from string) bool {
	return sd == from
}

// dkimDomain is header.d, or header.i's domain when header.d is absent, normalised.
func dkimDomain(r arResult) (string, bool) {
	if r.d != "" {
		return resultDomain(r.d)
	}
	if r.i != "" {
		return resultDomain(r.i[strings.LastIndexByte(r.i, '@')+1:])
	}
	return "", false
}

// resultDomain normalises a domain from a property value. A trailing dot (an absolute DNS name) is
// accepted here: the trusted server wrote it, not the sender. Anything that is not a domain name
// (an '@' included) is not ok.
func resultDomain(s string) (string, bool) {
	d, err := normaliseDomain(strings.TrimSuffix(s, "."))
	return d, err == nil
}

func orUnknown(s string) string {
	if s == "" {
		return "an unnamed domain"
	}
	return s
}

func summarise(rs []arResult) string {
	if len(rs) == 0 {
		return "no results"
	}
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		s := r.method + "=" + r.value
		switch {
		case r.method == "dmarc" && r.from != "":
			s += " header.from=" + r.from
		case r.method == "dkim" && r.d != "":
			s += " header.d=" + r.d
		case r.method == "dkim" && r.i != "":
			s += " header.i=" + r.i
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// parseAuthResults reads one Authentication-Results value. Comments are removed first (RFC 8601
// §2.2 allows CFWS almost anywhere, and go-msgauth's parser trips on "(2048-bit key;
// unprotected)"); then go-msgauth's authres.Parse is tried, and when it fails, or when the value
// holds quoted strings it does not understand, a lenient tokenizer of our own reads it.
func parseAuthResults(v string) arField {
	clean := stripComments(v)
	if !strings.ContainsRune(clean, '"') {
		if id, rs, err := authres.Parse(clean); err == nil && validAuthServID(id) {
			f := arField{id: id}
			for _, r := range rs {
				switch r := r.(type) {
				case *authres.DKIMResult:
					f.results = append(f.results, arResult{method: "dkim", value: lower(string(r.Value)), d: r.Domain, i: r.Identifier})
				case *authres.DMARCResult:
					f.results = append(f.results, arResult{method: "dmarc", value: lower(string(r.Value)), from: r.From})
				case *authres.SPFResult:
					f.results = append(f.results, arResult{method: "spf", value: lower(string(r.Value))})
				case *authres.GenericResult:
					// "dkim/1=pass" (method-version, RFC 8601 §2.2) lands here.
					method, _, _ := strings.Cut(lower(r.Method), "/")
					f.results = append(f.results, arResult{method: method, value: lower(string(r.Value)),
						d: r.Params["header.d"], i: r.Params["header.i"], from: r.Params["header.from"]})
				}
			}
			return f
		}
	}
	return lenientAuthResults(clean)
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validAuthServID: an authserv-id is a token or quoted-string (RFC 8601 §2.2), so it holds no
// '=', which is how Exchange's id-less "dkim=none …;" is told from one.
func validAuthServID(id string) bool {
	return id != "" && !strings.ContainsAny(id, "=;\"() \t\r\n")
}

// stripComments removes RFC 5322 §3.2.2 comments (nested, with quoted-pairs) outside quoted
// strings, leaving a space in their place. An unterminated comment runs to the end.
func stripComments(v string) string {
	if !strings.ContainsRune(v, '(') {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	depth, inQuote := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case depth > 0:
			switch c {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					b.WriteByte(' ')
				}
			}
		case inQuote:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
			b.WriteByte(c)
		case c == '(':
			depth = 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// token kinds of the lenient tokenizer.
const (
	tokWord = iota
	tokEq
	tokSemi
)

type token struct {
	kind int
	text string
}

// tokenize splits a comment-free value into words (quoted strings unquoted), '=' and ';'.
func tokenize(v string) []token {
	var ts []token
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '=':
			ts = append(ts, token{tokEq, "="})
			i++
		case c == ';':
			ts = append(ts, token{tokSemi, ";"})
			i++
		case c == '"':
			var b strings.Builder
			i++
			for i < len(v) && v[i] != '"' {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				b.WriteByte(v[i])
				i++
			}
			i++ // closing quote
			ts = append(ts, token{tokWord, b.String()})
		default:
			j := i
			for j < len(v) && !strings.ContainsRune(" \t\r\n=;\"", rune(v[j])) {
				j++
			}
			ts = append(ts, token{tokWord, v[i:j]})
			i = j
		}
	}
	return ts
}

// lenientAuthResults reads authserv-id [version] *(";" method=result *(property=value)) with
// optional spaces around '=' (RFC 8601 §2.2 allows CFWS there). A segment that does not start
// with method=result is skipped; a first segment that does not start with a bare word (Exchange's
// "dkim=none …") means the field has no authserv-id and is returned without one.
func lenientAuthResults(v string) arField {
	ts := tokenize(v)
	var segs [][]token
	start := 0
	for i, t := range ts {
		if t.kind == tokSemi {
			segs = append(segs, ts[start:i])
			start = i + 1
		}
	}
	segs = append(segs, ts[start:])

	var f arField
	first := segs[0]
	if len(first) == 0 || first[0].kind != tokWord || (len(first) > 1 && first[1].kind == tokEq) {
		return f
	}
	if !validAuthServID(first[0].text) {
		return f
	}
	f.id = first[0].text
	for _, seg := range segs[1:] {
		if len(seg) < 3 || seg[0].kind != tokWord || seg[1].kind != tokEq || seg[2].kind != tokWord {
			continue
		}
		method, _, _ := strings.Cut(lower(seg[0].text), "/") // method-version, RFC 8601 §2.2
		r := arResult{method: method, value: lower(seg[2].text)}
		for i := 3; i+2 < len(seg); {
			if seg[i].kind != tokWord || seg[i+1].kind != tokEq || seg[i+2].kind != tokWord {
				i++
				continue
			}
			switch lower(seg[i].text) {
			case "header.d":
				r.d = seg[i+2].text
			case "header.i":
				r.i = seg[i+2].text
			case "header.from":
				r.from = seg[i+2].text
			}
			i += 3
		}
		f.results = append(f.results, r)
	}
	return f
}
