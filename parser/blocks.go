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

// scanText finds the request blocks in the body text (docs/spec/requests.md "Shape").
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
//   - Every `Requested by:` line before the quoted history counts (docs/spec/requests.md "Readings
//     decided"), in a block, outside one or in the signature: when two name different
//     addresses, requestedByConflict is set.
func scanText(lines []string) scan {
	norm, hard := normaliseToHardCut(lines)
	soft := softCutBefore(norm, hard)
	info := classifyLines(norm[:hard])

	var br blockReader
	for i, li := range info[:soft] {
		br.line(i, li)
	}
	br.closeBlock()

	var out scan
	out.requestedBy = mailRequester(requesterCandidates(br.outside, br.blocks, info[soft:]))
	out.requestedByConflict = requestedByConflict(info)
	out.requests = blockRequests(br.blocks, lines, out.requestedBy)
	if len(out.requests) == 0 {
		out.unrecognised = unrecognisedLines(info[:soft], norm, lines)
	}
	return out
}

// normaliseToHardCut normalises the lines and finds the first hard cut (len(lines) when there is
// none). Lines are normalised as the cut search reaches them (it looks a few lines ahead), so the
// footer and quoted history below the cut cost nothing; norm is empty past that point.
func normaliseToHardCut(lines []string) (norm []string, hard int) {
	norm = make([]string, len(lines))
	normalised := 0
	for i := range lines {
		for ; normalised <= i+cutLookahead && normalised < len(lines); normalised++ {
			norm[normalised] = normLine(lines[normalised])
		}
		if hardCut(norm, i) {
			return norm, i
		}
	}
	return norm, len(lines)
}

// softCutBefore finds the first soft cut (sign-off, signature) above the hard cut; blocks are
// read only above it.
func softCutBefore(norm []string, hard int) int {
	for i := 0; i < hard; i++ {
		if softCut(norm, i) {
			return i
		}
	}
	return hard
}

// classifyLines tells each normalised line's kind once, so the block reader, the requester
// search and the unrecognised list all read the same fields.
func classifyLines(norm []string) []lineInfo {
	info := make([]lineInfo, len(norm))
	for i, l := range norm {
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
	return info
}

// blockReader reads the lines above the soft cut one at a time, gathering the request blocks
// and the `Requested by:` lines that stand outside them.
type blockReader struct {
	blocks   []*block
	cur      *block
	blankGap bool             // a blank line since the current block's last line
	outside  []*domain.Person // the mail's Requested by lines outside blocks, in order
}

// closeBlock ends the current block, if any.
func (br *blockReader) closeBlock() {
	if br.cur != nil {
		br.blocks = append(br.blocks, br.cur)
		br.cur = nil
	}
}

// line reads line i: a blank line may end the block at the next line that is not a field, a
// quoted line always ends it.
func (br *blockReader) line(i int, li lineInfo) {
	switch li.kind {
	case lineBlank:
		if br.cur != nil {
			br.blankGap = true
		}
	case lineQuoted:
		br.closeBlock()
	case lineText:
		br.text(i)
	case lineField:
		br.field(i, li)
	}
}

// text reads a line that is not a field: after a blank line it ends the block; right under the
// block's fields it is kept in the block's Source and otherwise ignored.
func (br *blockReader) text(i int) {
	if br.cur == nil {
		return
	}
	if br.blankGap {
		br.closeBlock()
		return
	}
	br.cur.last = i
}

// field reads a field line: `Request:` starts a block, `Requested by:` is the block's or the
// mail's, any other field belongs to the current block, if any.
func (br *blockReader) field(i int, li lineInfo) {
	switch li.id {
	case fieldRequest:
		br.closeBlock()
		// An empty "Request:" is a block of unknown type (docs/spec/requests.md "Readings decided").
		br.cur = &block{first: i, last: i, word: li.value}
		br.blankGap = false
	case fieldRequestedBy:
		br.requestedBy(i, parsePerson(li.value))
	default:
		if br.cur != nil {
			br.cur.fields = append(br.cur.fields, kv{name: li.name, value: li.value, id: li.id})
			br.cur.last = i
			br.blankGap = false
		}
	}
}

// requestedBy reads a `Requested by:` line: among the block's fields (no blank line between) it
// is the block's own and the block goes on; anywhere else it is the mail's and ends the block.
func (br *blockReader) requestedBy(i int, p *domain.Person) {
	if br.cur != nil && !br.blankGap {
		br.cur.requestedBy = p
		br.cur.last = i
		return
	}
	if p != nil {
		br.outside = append(br.outside, p)
	}
	br.closeBlock()
}

// requesterCandidates lists who may be the mail's Requested by, in order of precedence: the
// lines outside the blocks, then the blocks' own from the last block up, then the signature's
// (the lines between the soft and the hard cut).
func requesterCandidates(outside []*domain.Person, blocks []*block, signature []lineInfo) []*domain.Person {
	candidates := outside
	for j := len(blocks) - 1; j >= 0; j-- {
		if blocks[j].requestedBy != nil {
			candidates = append(candidates, blocks[j].requestedBy)
		}
	}
	for _, li := range signature {
		if li.kind == lineField && li.id == fieldRequestedBy {
			if p := parsePerson(li.value); p != nil {
				candidates = append(candidates, p)
			}
		}
	}
	return candidates
}

// blockRequests builds each block's request, with its place in the body and its Requested by
// (the mail's when the block has none of its own).
func blockRequests(blocks []*block, lines []string, mailsOwn *domain.Person) []domain.Request {
	var reqs []domain.Request
	for _, b := range blocks {
		r := buildRequest(b.word, b.fields)
		r.Line = b.first + 1
		r.Source = append([]string(nil), lines[b.first:b.last+1]...)
		r.RequestedBy = b.requestedBy
		if r.RequestedBy == nil {
			r.RequestedBy = mailsOwn
		}
		reqs = append(reqs, r)
	}
	return reqs
}

// unrecognisedLines picks, from the lines above the soft cut, those that look like an attempt at
// a field (a field nasbot does not take as a request, or text with a colon), for the reply that
// teaches the format. `Requested by:` lines are left out: they were understood.
func unrecognisedLines(info []lineInfo, norm, lines []string) []string {
	var out []string
	for i := 0; i < len(info) && len(out) < maxUnrecognised; i++ {
		li := info[i]
		if li.kind == lineField && li.id == fieldRequestedBy {
			continue
		}
		if li.kind == lineField || li.kind == lineText && strings.Contains(norm[i], ":") {
			out = append(out, clipLine(strings.TrimSpace(lines[i])))
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
