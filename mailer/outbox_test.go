package mailer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	_ "github.com/emersion/go-message/charset"
	gomail "github.com/emersion/go-message/mail"

	"nasbot/domain"
	"nasbot/mailer/localmail"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func reply(n int, to string) domain.Outgoing {
	return domain.Outgoing{
		MessageID:  fmt.Sprintf("<reply-%d@nas.test>", n),
		From:       "NAS Bot <requests@nas.test>",
		To:         to,
		Subject:    fmt.Sprintf("Re: Request %d", n),
		InReplyTo:  fmt.Sprintf("<req-%d@nhs.net>", n),
		References: []string{fmt.Sprintf("<thread-%d@nhs.net>", n), fmt.Sprintf("<req-%d@nhs.net>", n)},
		Tag:        fmt.Sprintf("NAS-%06d", n),
		Text:       fmt.Sprintf("Done: request %d.\n", n),
	}
}

type senderEnv struct {
	srv    *localmail.Server
	outbox *memOutbox
	clock  *fakeClock
}

func newSenderEnv(t *testing.T) *senderEnv {
	t.Helper()
	srv, err := localmail.Start(testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &senderEnv{srv: srv, outbox: &memOutbox{}, clock: &fakeClock{t: t0}}
}

func (e *senderEnv) sender(t *testing.T, addr string) *OutboxSender {
	t.Helper()
	s, err := NewSender(SMTPConfig{URL: "smtp://" + addr + "?tls=none", HeloName: "nasbot.test"}, e.outbox, testLogger(t), e.clock.now)
	if err != nil {
		t.Fatal(err)
	}
	s.backoffBase = 10 * time.Millisecond
	return s
}

// parsed is what a test reads back from a delivered message.
type parsed struct {
	messageID, inReplyTo string
	references           []string
	header               gomail.Header
	text, html           string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	var p parsed
	p.header = r.Header
	if p.messageID, err = r.Header.MessageID(); err != nil {
		t.Errorf("Message-ID: %v", err)
	}
	irt, err := r.Header.MsgIDList("In-Reply-To")
	if err != nil || len(irt) != 1 {
		t.Errorf("In-Reply-To = %v, %v", irt, err)
	} else {
		p.inReplyTo = irt[0]
	}
	if p.references, err = r.Header.MsgIDList("References"); err != nil {
		t.Errorf("References: %v", err)
	}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		ct, _, _ := part.Header.(*gomail.InlineHeader).ContentType()
		b, _ := io.ReadAll(part.Body)
		switch ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		}
	}
	return p
}

func TestSendOnceDeliversWithThreadingHeaders(t *testing.T) {
	e := newSenderEnv(t)
	const alice = "alice.example@nhs.net"
	for i := 1; i <= 3; i++ {
		o := reply(i, alice)
		if i == 3 {
			o.HTML = "<p>Done: request 3.</p>"
		}
		e.outbox.add(o)
	}

	sent, err := e.sender(t, e.srv.SMTPAddr).SendOnce(context.Background())
	if err != nil || sent != 3 {
		t.Fatalf("SendOnce = %d, %v; want 3, nil", sent, err)
	}
	inbox := e.srv.Messages(alice, "INBOX")
	if len(inbox) != 3 {
		t.Fatalf("alice's INBOX has %d messages, want 3", len(inbox))
	}
	for i, raw := range inbox {
		n := i + 1
		p := parse(t, raw)
		if p.messageID != fmt.Sprintf("reply-%d@nas.test", n) {
			t.Errorf("msg %d Message-ID = %q", n, p.messageID)
		}
		if p.inReplyTo != fmt.Sprintf("req-%d@nhs.net", n) {
			t.Errorf("msg %d In-Reply-To = %q", n, p.inReplyTo)
		}
		wantRefs := []string{fmt.Sprintf("thread-%d@nhs.net", n), fmt.Sprintf("req-%d@nhs.net", n)}
		if strings.Join(p.references, " ") != strings.Join(wantRefs, " ") {
			t.Errorf("msg %d References = %q, want %q", n, p.references, wantRefs)
		}
		for k, want := range map[string]string{
			"Auto-Submitted":           "auto-replied",
			"X-Auto-Response-Suppress": "All",
			"X-NAS-Reference":          fmt.Sprintf("NAS-%06d", n),
			"Subject":                  fmt.Sprintf("Re: Request %d", n),
			"User-Agent":               "nasbot",
		} {
			if got := p.header.Get(k); got != want {
				t.Errorf("msg %d %s = %q, want %q", n, k, got, want)
			}
		}
		if d, err := p.header.Date(); err != nil || !d.Equal(t0) {
			t.Errorf("msg %d Date = %v, %v; want the sender's clock %v", n, d, err, t0)
		}
		if strings.Contains(string(raw), "go-mail") {
			t.Errorf("msg %d names go-mail", n)
		}
		if strings.TrimSpace(p.text) != fmt.Sprintf("Done: request %d.", n) {
			t.Errorf("msg %d text = %q", n, p.text)
		}
		if n == 3 && p.html != "<p>Done: request 3.</p>" {
			t.Errorf("msg 3 html = %q", p.html)
		}
		it := e.outbox.get(int64(n))
		if it.state != "sent" || it.sends != 1 || !strings.HasPrefix(it.answer, "250 ") {
			t.Errorf("outbox %d = state %s sends %d answer %q", n, it.state, it.sends, it.answer)
		}
	}

	if sent, err := e.sender(t, e.srv.SMTPAddr).SendOnce(context.Background()); err != nil || sent != 0 {
		t.Errorf("second SendOnce = %d, %v; want 0, nil", sent, err)
	}
}

func TestSendOnceServerDownThenUp(t *testing.T) {
	e := newSenderEnv(t)
	p := startProxy(t, e.srv.SMTPAddr) // down
	e.outbox.add(reply(1, "bob@nhs.net"))
	s := e.sender(t, p.addr())

	sent, err := s.SendOnce(context.Background())
	if err == nil || sent != 0 {
		t.Fatalf("SendOnce with SMTP down = %d, %v; want 0 and an error", sent, err)
	}
	it := e.outbox.get(1)
	if it.fails != 1 || it.permanent || it.state != "pending" || !it.retryAt.Equal(t0.Add(DefaultRetry.AfterOutage)) {
		t.Fatalf("after failure: fails %d permanent %v state %s retryAt %v", it.fails, it.permanent, it.state, it.retryAt)
	}

	p.up.Store(true)
	if sent, err := s.SendOnce(context.Background()); err != nil || sent != 0 {
		t.Fatalf("SendOnce before retryAt = %d, %v; want 0 (not due)", sent, err)
	}
	e.clock.advance(DefaultRetry.AfterOutage)
	if sent, err := s.SendOnce(context.Background()); err != nil || sent != 1 {
		t.Fatalf("SendOnce when up = %d, %v; want 1", sent, err)
	}
	if sent, err := s.SendOnce(context.Background()); err != nil || sent != 0 {
		t.Fatalf("SendOnce again = %d, %v; want 0", sent, err)
	}
	if got := len(e.srv.Messages("bob@nhs.net", "INBOX")); got != 1 {
		t.Errorf("bob got %d messages, want exactly 1", got)
	}
	if it := e.outbox.get(1); it.sends != 1 || it.state != "sent" {
		t.Errorf("outbox: sends %d state %s", it.sends, it.state)
	}
}

func TestSendOnceRefusedRecipients(t *testing.T) {
	e := newSenderEnv(t)
	e.outbox.add(reply(1, "reject-carol@nhs.net"))
	tmp := reply(2, "tempfail-dave@nhs.net")
	tmp.Attempts = 3
	e.outbox.add(tmp)
	e.outbox.add(reply(3, "erin@nhs.net"))
	e.outbox.add(domain.Outgoing{MessageID: "<bad>", From: "requests@nas.test", To: "frank@nhs.net", Text: "x"})

	sent, err := e.sender(t, e.srv.SMTPAddr).SendOnce(context.Background())
	if err != nil || sent != 1 {
		t.Fatalf("SendOnce = %d, %v; want 1 sent, nil (refusals are outcomes, not errors)", sent, err)
	}
	if it := e.outbox.get(1); !it.permanent || it.state != "parked" || !strings.Contains(it.cause, "550") {
		t.Errorf("5xx: permanent %v state %s cause %q", it.permanent, it.state, it.cause)
	}
	if it := e.outbox.get(2); it.permanent || !it.retryAt.Equal(t0.Add(DefaultRetry.Delay(3))) || !strings.Contains(it.cause, "451") {
		t.Errorf("4xx: permanent %v retryAt %v cause %q", it.permanent, it.retryAt, it.cause)
	}
	if it := e.outbox.get(3); it.state != "sent" {
		t.Errorf("good reply in the same batch: state %s", it.state)
	}
	if it := e.outbox.get(4); !it.permanent {
		t.Errorf("unbuildable reply: permanent %v cause %q", it.permanent, it.cause)
	}
	if got := len(e.srv.Messages("erin@nhs.net", "INBOX")); got != 1 {
		t.Errorf("erin got %d, want 1", got)
	}
}

func TestRunSendsOnWake(t *testing.T) {
	e := newSenderEnv(t)
	s := e.sender(t, e.srv.SMTPAddr)
	s.cfg.Tick = time.Hour // only Wake can trigger a round
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(50 * time.Millisecond) // first (empty) round

	e.outbox.add(reply(1, "hal@nhs.net"))
	s.Wake()
	deadline := time.Now().Add(3 * time.Second)
	for e.outbox.get(1).state != "sent" {
		if time.Now().After(deadline) {
			t.Fatal("not sent within 3s of Wake")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v after cancel, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Error("Run did not return after cancel")
	}
}

func TestSMTPAuth(t *testing.T) {
	e := newSenderEnv(t)
	e.srv.AddUser("requests@nas.test", "pw")
	e.outbox.add(reply(1, "ivy@nhs.net"))
	mk := func(pass string) *OutboxSender {
		s, err := NewSender(SMTPConfig{URL: "smtp://requests%40nas.test:" + pass + "@" + e.srv.SMTPAddr}, e.outbox, testLogger(t), e.clock.now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if sent, err := mk("wrong").SendOnce(context.Background()); err == nil || sent != 0 {
		t.Fatalf("wrong password: %d, %v; want an error", sent, err)
	}
	e.clock.advance(time.Hour)
	if sent, err := mk("pw").SendOnce(context.Background()); err != nil || sent != 1 {
		t.Fatalf("right password: %d, %v; want 1, nil", sent, err)
	}
}

// runSenderBehindProxy runs a sender until the test ends, through a proxy that counts its
// connections; only Wake starts a round.
func runSenderBehindProxy(t *testing.T) (*senderEnv, *OutboxSender, *switchProxy) {
	e := newSenderEnv(t)
	proxy := startProxy(t, e.srv.SMTPAddr)
	proxy.up.Store(true)
	s := e.sender(t, proxy.addr())
	s.cfg.Tick = time.Hour
	runSender(t, s)
	return e, s, proxy
}

// runSender runs s until the test ends.
func runSender(t *testing.T, s *OutboxSender) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// waitSent waits until the outbox records reply id as sent.
func waitSent(t *testing.T, e *senderEnv, id int64) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for e.outbox.get(id).state != "sent" {
		if time.Now().After(deadline) {
			t.Fatalf("reply %d: %+v, not sent within 3s", id, e.outbox.get(id))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunKeepsTheConnectionBetweenRounds(t *testing.T) {
	e, s, proxy := runSenderBehindProxy(t)

	for id := int64(1); id <= 3; id++ {
		e.outbox.add(reply(int(id), "hal@nhs.net"))
		s.Wake()
		waitSent(t, e, id)
	}
	if n := proxy.accepted.Load(); n != 1 {
		t.Errorf("%d connections for 3 rounds, want 1", n)
	}
}

func TestRunRedialsWhenTheServerClosedTheKeptConnection(t *testing.T) {
	e, s, proxy := runSenderBehindProxy(t)

	e.outbox.add(reply(1, "hal@nhs.net"))
	s.Wake()
	waitSent(t, e, 1)
	proxy.cut()
	time.Sleep(50 * time.Millisecond)
	e.outbox.add(reply(2, "hal@nhs.net"))
	s.Wake()
	waitSent(t, e, 2)
	if got := e.outbox.get(2); got.fails != 0 {
		t.Errorf("reply 2: %+v; want sent at the first attempt, on a new connection", got)
	}
	if n := proxy.accepted.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
	if got := len(e.srv.Messages("hal@nhs.net", "INBOX")); got != 2 {
		t.Errorf("%d replies delivered, want 2", got)
	}
}
