package main

import (
	"fmt"
	"os"
	"path/filepath"
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

// TestLogSplit reads a decision and its reply from the bot's text log, and leaves out a
// message decided before the window and one whose reply was not sent.
func TestLogSplit(t *testing.T) {
	dir := t.TempDir()
	log := `time=2026-12-04T16:32:15.900Z level=INFO msg="message decided" tag=NAS-000001 verdict=processed requests=1 sender_kind=shared_mailbox ods=FY634 took=5ms
time=2026-12-04T16:32:15.913Z level=INFO msg="smtp sender: reply sent" component=smtp_sender outbox_id=1 tag=NAS-000001
time=2026-12-04T16:32:15.917Z level=INFO msg="message decided" tag=NAS-000002 verdict=processed requests=1 sender_kind=shared_mailbox ods=FY634 took=7.5ms
time=2026-12-04T16:32:15.919Z level=INFO msg="smtp sender: reply sent" component=smtp_sender outbox_id=2 tag=NAS-000002
time=2026-12-04T16:32:15.930Z level=INFO msg="message decided" tag=NAS-000003 verdict=processed requests=1 sender_kind=shared_mailbox ods=FY634 took=1ms
`
	if err := os.WriteFile(filepath.Join(dir, "bot.log"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	from, _ := time.Parse(time.RFC3339Nano, "2026-12-04T16:32:15.910Z")
	decide, send, err := logSplit(dir, from)
	if err != nil {
		t.Fatal(err)
	}
	if len(decide) != 1 || decide[0].latency != 7500*time.Microsecond || send[0].latency != 2*time.Millisecond {
		t.Errorf("decide %v, send %v; want one message: 7.5 ms, then 2 ms", decide, send)
	}
}

// TestPlotStages draws one panel per relay mode from steady requests' stage times.
func TestPlotStages(t *testing.T) {
	t0 := time.Now()
	r := &results{n: 1, steadyN: 2, steadyRate: 20, stages: map[int]stage{}}
	for k := range 2 {
		arrived := t0.Add(time.Duration(k) * 50 * time.Millisecond)
		r.arrived = append(r.arrived, arrived)
		r.stages[r.n+k] = stage{decided: arrived.Add(300 * time.Millisecond), sent: arrived.Add(310 * time.Millisecond)}
		r.delivered = append(r.delivered, arrived.Add(340*time.Millisecond))
	}
	path := filepath.Join(t.TempDir(), "stages.png")
	if err := plotStages(path, []summary{{Mode: "sink", res: r}, {Mode: "exim", res: r}}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() < 10000 {
		t.Fatalf("stages.png: %v, %v", st, err)
	}
}
