package parser

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Where the sender's own words end. A hard cut starts text the sender did not write for this
// mail: quoted or forwarded history, the NHSmail confidentiality footer. A soft cut starts the
// sign-off and signature: no requests are read past it, though a `Requested by:` line there
// still counts when the mail has none before it.

// hardCut reports whether line i starts quoted/forwarded history or the footer. norm holds the
// normalised lines (normLine).
func hardCut(norm []string, i int) bool {
	l := norm[i]
	if l == "" {
		return false
	}
	switch l[0] {
	case '-', '_':
		// -----Original Message----- / ---------- Forwarded message ---------
		t := strings.ToLower(strings.Trim(l, "-_ "))
		if t != l && (t == "original message" || t == "forwarded message" || t == "original" || t == "forwarded") {
			return true
		}
	case '*':
		// The NHSmail footer's rule of asterisks.
		if len(l) >= 5 && strings.Trim(l, "*") == "" {
			return true
		}
	case 'O':
		if onWrote(norm, i) {
			return true
		}
	case 'B':
		if strings.EqualFold(l, "begin forwarded message:") {
			return true
		}
	}
	if outlookHeader(norm, i) {
		return true
	}
	return len(l) > 40 && containsFold(l, "this message may contain confidential information")
}

// onWrote matches a reply header "On Mon, 2 Mar 2026 at 09:00, Jane <jane@x> wrote:", which
// Gmail and Apple Mail may wrap over two or three lines.
func onWrote(norm []string, i int) bool {
	if !strings.HasPrefix(norm[i], "On ") {
		return false
	}
	joined := norm[i]
	for j := i; j < len(norm) && j < i+3; j++ {
		if j > i {
			if norm[j] == "" {
				return false
			}
			joined += " " + norm[j]
		}
		if strings.HasSuffix(joined, "wrote:") || strings.HasSuffix(joined, "wrote :") {
			return len(joined) < 400
		}
	}
	return false
}

// outlookHeader matches the header block Outlook (and Gmail's forward) puts above quoted or
// forwarded mail, as docs/spec/requests.md "Readings decided" says: a "From:" line followed within
// outlookSpan lines by "Sent:" (or "Date:") and by "Subject:", whatever lies between (long To
// and Cc lists wrap over many lines), with or without a rule above.
func outlookHeader(norm []string, i int) bool {
	if !hasLabel(norm[i], "from") {
		return false
	}
	sent, subject := false, false
	for j := i + 1; j < len(norm) && j <= i+outlookSpan; j++ {
		switch {
		case hasLabel(norm[j], "sent") || hasLabel(norm[j], "date"):
			sent = true
		case hasLabel(norm[j], "subject"):
			subject = true
		}
		if sent && subject {
			return true
		}
	}
	return false
}

// outlookSpan is how many lines below "From:" the "Sent:" and "Subject:" of an Outlook header
// block may stand.
const outlookSpan = 10

// hasLabel reports whether l starts with "label:" in any case, bold marks allowed ("*From:*").
func hasLabel(l, label string) bool {
	l = strings.TrimLeft(l, "*")
	if len(l) <= len(label) || !strings.EqualFold(l[:len(label)], label) {
		return false
	}
	rest := strings.TrimLeft(l[len(label):], "* ")
	return strings.HasPrefix(rest, ":")
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), sub)
}

// signOffs are closing lines after which a mail holds only its signature.
var signOffs = map[string]bool{
	"regards": true, "kind regards": true, "kindest regards": true, "best regards": true,
	"warm regards": true, "warmest regards": true, "many regards": true, "with regards": true,
	"with kind regards": true, "with best regards": true, "yours sincerely": true,
	"yours faithfully": true, "sincerely": true, "thanks": true, "thank you": true,
	"many thanks": true, "thanks very much": true, "thank you very much": true,
	"thanks so much": true, "thanks in advance": true, "many thanks in advance": true,
	"thank you in advance": true, "thanks again": true, "with thanks": true, "with many thanks": true,
	"thanks for your help": true, "many thanks for your help": true, "best wishes": true,
	"with best wishes": true, "all the best": true, "best": true, "cheers": true, "ta": true,
	"thx": true, "speak soon": true,
}

// softCut reports whether line i starts the sign-off or signature: the "-- " delimiter
// (RFC 3676 section 4.3), a sign-off on its own line ("Kind regards", "Thanks, Priya"), or a
// mobile mail program's "Sent from my …".
func softCut(norm []string, i int) bool {
	l := norm[i]
	if l == "" || len(l) > 60 {
		return false
	}
	if l == "--" || l == "-- " {
		return true
	}
	if strings.HasPrefix(l, "Sent from my ") || strings.HasPrefix(l, "Get Outlook for ") {
		return true
	}
	return isSignOff(l)
}

func isSignOff(l string) bool {
	t := strings.TrimRight(l, ",.!; ")
	if t == "" {
		return false
	}
	switch t[0] | 0x20 { // the first letters of the sign-offs, for a quick no
	case 'a', 'b', 'c', 'k', 'm', 'r', 's', 't', 'w', 'y':
	default:
		return false
	}
	lower := strings.ToLower(t)
	if signOffs[lower] {
		return true
	}
	words := strings.Fields(lower)
	// A sign-off followed by a name on the same line: "Thanks, Priya", "Regards Martin Shaw".
	for n := 3; n >= 1; n-- {
		if len(words) <= n {
			continue
		}
		head := strings.TrimRight(strings.Join(words[:n], " "), ",")
		if !signOffs[head] {
			continue
		}
		// The rest, as written, must be one to three capitalised words.
		orig := strings.Fields(t)
		rest := orig[n:]
		if len(rest) == 0 || len(rest) > 3 {
			return false
		}
		for _, w := range rest {
			w = strings.TrimLeft(w, ",")
			r, _ := utf8.DecodeRuneInString(w)
			if !unicode.IsUpper(r) {
				return false
			}
			for _, c := range w {
				if !unicode.IsLetter(c) && c != '-' && c != '\'' && c != '’' && c != '.' {
					return false
				}
			}
		}
		return true
	}
	return false
}
