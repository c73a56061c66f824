package parser

import (
	"strings"

	"nasbot/domain"
)

// lineKind is what one body line is, for the block scanner.
type lineKind uint8

const (
	lineBlank lineKind = iota
	lineText
	lineField
	lineQuoted
)

type lineInfo struct {
	kind  lineKind
	name  string // field name as written
	value string
	id    field
}

// scan is the result of reading the body text for request blocks.
type scan struct {
	requests     []domain.Request
	requestedBy  *domain.Person
	unrecognised []string
	// requestedByConflict: two `Requested by:` lines name different addresses.
	requestedByConflict bool
}

// block is a request block being read.
type block struct {
	first, last int // line indexes of the Request line and of the block's last line
	word        string
	fields      []kv
	requestedBy *domain.Person
}

// scanText finds the request blocks in the body text (spec/requests.md "Shape").
//
// The sender's own text ends at the first hard cut (quoted or forwarded history, the NHSmail
// footer); blocks are read only before the first soft cut (sign-off, "-- " signature) and never
// from "> " lines. A block starts at a `Request:` line and ends at a blank line followed by a line
// that is not a field, at the next `Request:` line, at a `Requested by:` line after a blank line,
// at a quoted line, or at the cut. A line that is not a field inside a block (no blank line
// before it) is kept in the block's Source and otherwise ignored.
//
// `Requested by:` decisions the spec leaves open:
//   - A `Requested by:` line among a block's fields or right under them (no blank line between)
//     belongs to that block (Request.RequestedBy); the block goes on, since it is a field line
//     like the others. Anywhere else it is the mail's.
//   - The mail's `Requested by:` is the first one outside the blocks; when there is none, the one
//     belonging to the last block that has one; when there is none of those either, one in the
//     signature (after the sign-off, before any quoted history) still counts. A line that names
//     an address is taken before one that gives only a name, wherever they stand.
//   - Every request without its own gets the mail's.
//   - Every `Requested by:` line before the quoted history counts (requests.md "Readings
//     decided"), in a block, outside one or in the signature: when two name different
//     addresses, requestedByConflict is set.
func scanText(lines []string) scan {
	// Lines are normalised as the cut search reaches them (it looks a few lines ahead), so the
	// footer and quoted history below the cut cost nothing.
	norm := make([]string, len(lines))
	normalised := 0
	hard := len(lines)
	for i := range lines {
		for ; normalised <= i+cutLookahead && normalised < len(lines); normalised++ {
			norm[normalised] = normLine(lines[normalised])
		}
		if hardCut(norm, i) {
			hard = i
			break
		}
	}
	soft := hard
	for i := 0; i < hard; i++ {
		if softCut(norm, i) {
			soft = i
			break
		}
	}

	info := make([]lineInfo, hard)
	for i := 0; i < hard; i++ {
		l := norm[i]
		switch {
		case l == "":
			info[i].kind = lineBlank
		case isQuoted(l):
			info[i].kind = lineQuoted
		default:
			if name, value, id, ok := splitField(l); ok {
				info[i] = lineInfo{kind: lineField, name: name, value: value, id: id}
			} else {
				info[i].kind = lineText
			}
		}
	}

	var (
		out      scan
		blocks   []*block
		cur      *block
		blankGap bool             // a blank line since the current block's last line
		outside  []*domain.Person // the mail's Requested by lines outside blocks, in order
	)
	closeBlock := func() {
		if cur != nil {
			blocks = append(blocks, cur)
			cur = nil
		}
	}
	for i := 0; i < soft; i++ {
		li := info[i]
		switch li.kind {
		case lineBlank:
			if cur != nil {
				blankGap = true
			}
		case lineQuoted:
			closeBlock()
		case lineText:
			if cur == nil {
				continue
			}
			if blankGap {
				closeBlock()
				continue
			}
			cur.last = i
		case lineField:
			switch li.id {
			case fieldRequest:
				closeBlock()
				// An empty "Request:" is a block of unknown type (requests.md "Readings decided").
				cur = &block{first: i, last: i, word: li.value}
				blankGap = false
			case fieldRequestedBy:
				p := parsePerson(li.value)
				if cur != nil && !blankGap {
					// Among the block's fields: the block's own, and the block goes on.
					cur.requestedBy = p
					cur.last = i
					continue
				}
				if p != nil {
					outside = append(outside, p)
				}
				closeBlock()
			default:
				if cur != nil {
					cur.fields = append(cur.fields, kv{name: li.name, value: li.value, id: li.id})
					cur.last = i
					blankGap = false
				}
			}
		}
	}
	closeBlock()

	candidates := outside
	for j := len(blocks) - 1; j >= 0; j-- {
		if blocks[j].requestedBy != nil {
			candidates = append(candidates, blocks[j].requestedBy)
		}
	}
	for i := soft; i < hard; i++ {
		if info[i].kind == lineField && info[i].id == fieldRequestedBy {
			if p := parsePerson(info[i].value); p != nil {
				candidates = append(candidates, p)
			}
		}
	}
	out.requestedBy = mailRequester(candidates)
	out.requestedByConflict = requestedByConflict(info)

	for _, b := range blocks {
		r := buildRequest(b.word, b.fields)
		r.Line = b.first + 1
		r.Source = append([]string(nil), lines[b.first:b.last+1]...)
		r.RequestedBy = b.requestedBy
		if r.RequestedBy == nil {
			r.RequestedBy = out.requestedBy
		}
		out.requests = append(out.requests, r)
	}

	if len(out.requests) == 0 {
		for i := 0; i < soft && len(out.unrecognised) < maxUnrecognised; i++ {
			li := info[i]
			if li.kind == lineField && li.id == fieldRequestedBy {
				continue
			}
			if li.kind == lineField || li.kind == lineText && strings.Contains(norm[i], ":") {
				out.unrecognised = append(out.unrecognised, clipLine(strings.TrimSpace(lines[i])))
			}
		}
	}
	return out
}

// mailRequester picks the mail's Requested by from the candidates in order of precedence: the
// first that names an address, else the first.
func mailRequester(candidates []*domain.Person) *domain.Person {
	for _, p := range candidates {
		if p.Address != "" {
			return p
		}
	}
	if len(candidates) > 0 {
		return candidates[0]
	}
	return nil
}

// requestedByConflict reports whether the `Requested by:` lines of the sender's own text (info
// stops at the quoted history; quoted lines are not fields) name more than one address.
func requestedByConflict(info []lineInfo) bool {
	first := ""
	for _, li := range info {
		if li.kind != lineField || li.id != fieldRequestedBy {
			continue
		}
		p := parsePerson(li.value)
		if p == nil || p.Address == "" {
			continue
		}
		if first == "" {
			first = p.Address
		} else if p.Address != first {
			return true
		}
	}
	return false
}

// cutLookahead is how far past a line hardCut may look (onWrote, outlookHeader).
const cutLookahead = outlookSpan

// maxUnrecognised bounds the lines quoted back in a reply that teaches the format.
const maxUnrecognised = 30

func clipLine(s string) string {
	r := []rune(s)
	if len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}
