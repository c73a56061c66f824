package verify

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"nasbot/domain"
	"nasbot/parser"
)

// envelopeFromRaw reads a raw message's header with the parser's strict reader: verification
// works from what it read, and from nothing else.
func envelopeFromRaw(tb testing.TB, raw []byte) *domain.Envelope {
	tb.Helper()
	env := parser.ParseEnvelope(raw)
	return &env
}

// fakeDir is a Directory over a fixed set of (account, mailbox) links.
type fakeDir struct {
	links map[string]bool // "account mailbox"
	err   error
	calls int
}

func (d *fakeDir) LinkedToMailbox(account, mailbox string) (bool, error) {
	d.calls++
	if d.err != nil {
		return false, d.err
	}
	return d.links[account+" "+mailbox], nil
}

func newDir(links ...string) *fakeDir {
	d := &fakeDir{links: map[string]bool{}}
	for _, l := range links {
		d.links[l] = true
	}
	return d
}

// corpusConfig is the configuration the corpus assumes (corpus/README.md, Conventions).
var corpusConfig = Config{Domain: "nhs.net", TrustedAuthServIDs: []string{"mx.nas.test"}}

// stack is a message as a list of raw header fields (folding kept, no trailing CRLF) and a body,
// so tests can move, forge and remove fields of a genuine Exchange header stack.
type stack struct {
	fields []string
	body   string
}

// genuine loads testdata/genuine-exchange.eml: Outlook / Exchange Online mail as the NAS's MTA
// delivers it, with the trusted Authentication-Results directly above `Received: … by mx.nas.test`.
func genuine(tb testing.TB) *stack {
	tb.Helper()
	raw, err := os.ReadFile("testdata/genuine-exchange.eml")
	if err != nil {
		tb.Fatal(err)
	}
	return parseStack(tb, string(raw))
}

func parseStack(tb testing.TB, raw string) *stack {
	tb.Helper()
	head, body, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		tb.Fatal("no end of header")
	}
	s := &stack{body: body}
	for _, line := range strings.Split(head, "\r\n") {
		if (line[0] == ' ' || line[0] == '\t') && len(s.fields) > 0 {
			s.fields[len(s.fields)-1] += "\r\n" + line
			continue
		}
		s.fields = append(s.fields, line)
	}
	return s
}

func (s *stack) raw() []byte {
	return []byte(strings.Join(s.fields, "\r\n") + "\r\n\r\n" + s.body)
}

// find returns the index of the first field starting with prefix (case-sensitive, so Exchange's
// lower-case authentication-results is told from the MTA's), or -1.
func (s *stack) find(prefix string) int {
	for i, f := range s.fields {
		if strings.HasPrefix(f, prefix) {
			return i
		}
	}
	return -1
}

// del removes every field starting with prefix.
func (s *stack) del(prefix string) *stack {
	out := s.fields[:0]
	for _, f := range s.fields {
		if !strings.HasPrefix(f, prefix) {
			out = append(out, f)
		}
	}
	s.fields = out
	return s
}

// insert puts field at index at (negative: from the end, -1 is after the last field).
func (s *stack) insert(at int, field string) *stack {
	if at < 0 {
		at = len(s.fields) + at + 1
	}
	s.fields = append(s.fields[:at], append([]string{field}, s.fields[at:]...)...)
	return s
}

// set replaces the first field starting with prefix.
func (s *stack) set(prefix, field string) *stack {
	i := s.find(prefix)
	if i < 0 {
		panic(fmt.Sprintf("no field %q", prefix))
	}
	s.fields[i] = field
	return s
}

// trustedAR is the trusted MTA's Authentication-Results of the genuine stack.
const trustedAR = "Authentication-Results: mx.nas.test;"

// mtaReceived is the prefix of the trusted MTA's own Received field.
const mtaReceived = "Received: from GBR01-LO0-obe"

// withAR replaces the trusted A-R with the given field values (in order, above the MTA's
// Received), or removes it when none are given.
func (s *stack) withAR(values ...string) *stack {
	s.del(trustedAR)
	at := s.find(mtaReceived)
	for i, v := range values {
		s.insert(at+i, "Authentication-Results: "+v)
	}
	return s
}

// verify runs Verify on the stack with the corpus configuration.
func (s *stack) verify(tb testing.TB, dir Directory, cfg Config) domain.Verification {
	tb.Helper()
	raw := s.raw()
	v, err := Verify(envelopeFromRaw(tb, raw), raw, dir, cfg)
	if err != nil {
		tb.Fatalf("Verify: %v", err)
	}
	return v
}
