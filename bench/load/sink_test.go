package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestSinkCountsReplies sends a reply to a request, a floor mail and an unrelated mail to the
// sink over one session, as the bot and the floor do, and checks the watcher counts each once.
func TestSinkCountsReplies(t *testing.T) {
	s, err := startSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	w := newWatcher(t.TempDir(), nil, "<floor-run1-")
	w.sink = s
	w.expect("<req-7@nas.test>", 7)

	c, err := smtp.Dial(s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mails := []string{
		"In-Reply-To: <req-7@nas.test>\r\nMessage-ID: <r1@nas.test>\r\n",
		"Message-ID: <floor-run1-0@nas.test>\r\n",
		"In-Reply-To: <other@nas.test>\r\nMessage-ID: <x@nas.test>\r\n",
		"In-Reply-To: <req-7@nas.test>\r\nMessage-ID: <r2@nas.test>\r\n", // a second reply
	}
	before := time.Now()
	for i, h := range mails {
		body := h + "Subject: test\r\n\r\n" + strings.Repeat("line\r\n", 500)
		if err := c.SendMail("nas@nas.test", []string{"site@nhs.net"}, strings.NewReader(body)); err != nil {
			t.Fatalf("mail %d: %v", i, err)
		}
	}
	w.poll()
	got, ok := w.replies[7]
	if !ok || len(w.replies) != 1 {
		t.Fatalf("replies = %v, want only request 7's", w.replies)
	}
	if got.at.Before(before) || got.size < 3000 {
		t.Errorf("reply recorded at %v (sent after %v), %d bytes", got.at, before, got.size)
	}
	if len(w.floor) != 1 || w.extra != 1 {
		t.Errorf("floor mails %d, extra replies %d; want 1 and 1", len(w.floor), w.extra)
	}
	if a := s.take(); len(a) != 0 {
		t.Errorf("arrivals left after the poll: %s", fmt.Sprint(a))
	}
}
