package mailer

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"nasbot/internal/testenv"
)

// Integration tests against the real Dovecot (IMAP) and Exim (SMTP) that scripts/services.sh
// runs; testenv skips them when its environment variables are absent (and fails under make
// test).

func TestIntegrationIntakeDovecot(t *testing.T) {
	m := testenv.MailServers(t)
	nas := m.NewAddress(t, "nas.test")
	imapAppend(t, m, nas, "INBOX", request(1), request(2))

	ledger := newMemLedger()
	var ids []int64
	in, err := NewIntake(IMAPConfig{URL: imapURL(nas, m.Password, m.IMAPAddr, "INBOX")}, ledger, testLogger(t),
		func(id int64) { ids = append(ids, id) })
	if err != nil {
		t.Fatal(err)
	}
	n, err := in.PollOnce(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("PollOnce = %d, %v; want 2, nil", n, err)
	}
	rows := ledger.snapshot()
	for i, r := range rows {
		if r.UID != uint32(i+1) || r.UIDValidity == 0 || !bytes.Equal(r.Raw, request(i+1)) {
			t.Errorf("row %d: uid %d uidvalidity %d raw %q", i, r.UID, r.UIDValidity, r.Raw)
		}
	}
	if len(ids) != 2 {
		t.Errorf("onStored called %d times, want 2", len(ids))
	}
	if got := imapMessages(t, m, nas, "INBOX"); len(got) != 0 {
		t.Errorf("INBOX keeps %d messages, want 0", len(got))
	}
	processed := imapMessages(t, m, nas, "Processed")
	if len(processed) != 2 {
		t.Fatalf("Processed (auto-created) has %d messages, want 2", len(processed))
	}
	if bytes.Contains(processed[0].flags, []byte(imap.FlagSeen)) {
		t.Errorf("the intake set \\Seen: flags %s", processed[0].flags)
	}

	if n, err := in.PollOnce(context.Background()); err != nil || n != 0 {
		t.Errorf("second PollOnce = %d, %v; want 0, nil", n, err)
	}
}

func TestIntegrationIntakeIdleDovecot(t *testing.T) {
	m := testenv.MailServers(t)
	nas := m.NewAddress(t, "nas.test")
	stored := make(chan int64, 10)
	in, err := NewIntake(IMAPConfig{URL: imapURL(nas, m.Password, m.IMAPAddr, "INBOX")}, newMemLedger(), testLogger(t),
		func(id int64) { stored <- id })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()
	time.Sleep(500 * time.Millisecond) // connected and idling

	start := time.Now()
	imapAppend(t, m, nas, "INBOX", request(7))
	select {
	case <-stored:
		t.Logf("stored %v after APPEND", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("not stored within 5s of APPEND while idling")
	}
}

func TestIntegrationSenderExim(t *testing.T) {
	m := testenv.MailServers(t)
	from := m.NewAddress(t, "nas.test")
	to := m.NewAddress(t, "nhs.net")
	outbox := &memOutbox{}
	o := reply(1, to)
	o.From = "NAS Bot <" + from + ">"
	o.HTML = "<p>Done.</p>"
	outbox.add(o)

	clock := &fakeClock{t: t0}
	s, err := NewSender(SMTPConfig{URL: "smtp://" + m.SMTPAddr, HeloName: "nasbot.test"}, outbox, testLogger(t), clock.now)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := s.SendOnce(context.Background())
	if err != nil || sent != 1 {
		t.Fatalf("SendOnce = %d, %v; want 1, nil", sent, err)
	}
	if it := outbox.get(1); it.state != "sent" || !strings.HasPrefix(it.answer, "250 ") {
		t.Errorf("outbox: state %s answer %q", it.state, it.answer)
	} else {
		t.Logf("Exim answered %q", it.answer)
	}

	var got []fetched
	deadline := time.Now().Add(15 * time.Second)
	for len(got) == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		got = imapMessages(t, m, to, "INBOX")
	}
	if len(got) != 1 {
		t.Fatalf("%s's INBOX has %d messages, want 1", to, len(got))
	}
	p := parse(t, got[0].raw)
	if p.messageID != "reply-1@nas.test" || p.inReplyTo != "req-1@nhs.net" ||
		strings.Join(p.references, " ") != "thread-1@nhs.net req-1@nhs.net" {
		t.Errorf("threading: Message-ID %q In-Reply-To %q References %q", p.messageID, p.inReplyTo, p.references)
	}
	if p.header.Get("Auto-Submitted") != "auto-replied" || p.header.Get("X-NAS-Reference") != "NAS-000001" {
		t.Errorf("Auto-Submitted %q X-NAS-Reference %q", p.header.Get("Auto-Submitted"), p.header.Get("X-NAS-Reference"))
	}
	if strings.TrimSpace(p.text) != "Done: request 1." || p.html != "<p>Done.</p>" {
		t.Errorf("bodies: text %q html %q", p.text, p.html)
	}
}

func TestIntegrationSenderEximAuth(t *testing.T) {
	m := testenv.MailServers(t)
	from := m.NewAddress(t, "nas.test")
	to := m.NewAddress(t, "nhs.net")
	outbox := &memOutbox{}
	o := reply(2, to)
	o.From = from
	outbox.add(o)
	clock := &fakeClock{t: time.Now()}
	sender := func(password string) *OutboxSender {
		u := url.URL{Scheme: "smtp", User: url.UserPassword(from, password), Host: m.SMTPAddr}
		s, err := NewSender(SMTPConfig{URL: u.String()}, outbox, testLogger(t), clock.now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// A wrong password fails the connection: proof that AUTH is really used.
	if sent, err := sender("wrong").SendOnce(context.Background()); err == nil || sent != 0 {
		t.Fatalf("SendOnce with a wrong password = %d, %v; want an error", sent, err)
	}
	clock.advance(DefaultRetry.AfterOutage)
	if sent, err := sender(m.Password).SendOnce(context.Background()); err != nil || sent != 1 {
		t.Fatalf("SendOnce with AUTH = %d, %v; want 1, nil", sent, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for len(imapMessages(t, m, to, "INBOX")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("reply sent with AUTH did not arrive")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// imapAppend logs in as address and APPENDs raws to mailbox.
func imapAppend(t *testing.T, m testenv.Mail, address, mailbox string, raws ...[]byte) {
	t.Helper()
	c := m.Login(t, address)
	for _, raw := range raws {
		testenv.AppendMail(t, c, mailbox, raw)
	}
}

type fetched struct {
	raw   []byte
	flags []byte
}

// imapMessages reads mailbox of address read-only (nil when it does not exist).
func imapMessages(t *testing.T, m testenv.Mail, address, mailbox string) []fetched {
	t.Helper()
	c := m.Login(t, address)
	data, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil
	}
	if data.NumMessages == 0 {
		return nil
	}
	bufs, err := c.Fetch(imap.SeqSetNum(seqRange(data.NumMessages)...), &imap.FetchOptions{
		Flags:       true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatalf("FETCH: %v", err)
	}
	var out []fetched
	for _, b := range bufs {
		out = append(out, fetched{
			raw:   b.FindBodySection(&imap.FetchItemBodySection{Peek: true}),
			flags: fmt.Appendf(nil, "%v", b.Flags),
		})
	}
	return out
}

func seqRange(n uint32) []uint32 {
	s := make([]uint32, n)
	for i := range s {
		s[i] = uint32(i + 1)
	}
	return s
}
