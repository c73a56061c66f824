package main

import (
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/parser"
)

// TestGeneratedMailParses proves the load is what it claims: every generated mail carries one
// request of the intended type that the parser reads without problems, from the site's shared
// mailbox, with an owner's Requested by line, at a realistic size; no site passes its limit.
func TestGeneratedMailParses(t *testing.T) {
	g := newGenerator(1, 20)
	want := map[string]domain.RequestType{"add_user": domain.AddUser, "leaver": domain.Leaver,
		"give_access": domain.AddToMailbox, "remove_access": domain.RemoveFromMailbox,
		"change_role": domain.ChangeRole, "password_reset": domain.PasswordReset}
	kinds := map[string]int{}
	var total int
	const n = 300
	for i := range n {
		r := g.nextRequest()
		kinds[r.kind]++
		raw := renderMail("abc123", i, r, "nas-bench@nas.test", time.Now())
		total += len(raw)
		if len(raw) < 3000 || len(raw) > 8000 {
			t.Errorf("mail %d is %d bytes, want 3-8 KB", i, len(raw))
		}
		m := parser.Parse(raw, parser.Options{})
		if len(m.Requests) != 1 {
			t.Fatalf("mail %d (%s): %d requests, want 1:\n%s", i, r.kind, len(m.Requests), m.Text)
		}
		req := m.Requests[0]
		if req.Type != want[r.kind] || req.HasProblems() {
			t.Errorf("mail %d: %s with problems %v, want %s", i, req.Type, req.Problems, want[r.kind])
		}
		if m.RequestedBy == nil || m.RequestedBy.Address != r.site.owner.addr {
			t.Errorf("mail %d: requested by %+v, want %s", i, m.RequestedBy, r.site.owner.addr)
		}
		if from := m.Envelope.FromAddress(); from != r.site.mailbox {
			t.Errorf("mail %d: from %q, want %q", i, from, r.site.mailbox)
		}
		if id := m.Envelope.MessageID; id != messageID("abc123", i) {
			t.Errorf("mail %d: Message-ID %q", i, id)
		}
		if i%10 < 3 && !strings.Contains(string(raw), "multipart/alternative") {
			t.Errorf("mail %d should be multipart/alternative", i)
		}
	}
	for _, s := range g.sites {
		if s.counted() > siteLimit {
			t.Errorf("site %s has %d accounts", s.ods, s.counted())
		}
	}
	for k := range want {
		if kinds[k] == 0 {
			t.Errorf("no %s request in %d mails: %v", k, n, kinds)
		}
	}
	t.Logf("kinds %v, average %d bytes", kinds, total/n)
}
