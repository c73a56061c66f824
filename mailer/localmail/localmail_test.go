package localmail

import (
	"bytes"
	"net/smtp"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSMTPDeliversToRecipientsINBOX(t *testing.T) {
	s := start(t)
	msg := []byte("From: a@x.test\r\nTo: B@Y.test\r\nSubject: hi\r\n\r\nhello\r\n")
	if err := smtp.SendMail(s.SMTPAddr, nil, "a@x.test", []string{"B@Y.test", "c@y.test"}, msg); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"b@y.test", "c@y.test"} {
		got := s.Messages(who, "INBOX")
		if len(got) != 1 || !bytes.Equal(got[0], msg) {
			t.Errorf("%s INBOX = %q", who, got)
		}
	}
	if got := s.Messages("nobody@y.test", "INBOX"); len(got) != 0 {
		t.Errorf("a user nobody wrote to has %d messages", len(got))
	}
}

func TestSMTPTestHooksRefuse(t *testing.T) {
	s := start(t)
	for rcpt, code := range map[string]string{"reject-x@y.test": "550", "tempfail-x@y.test": "451"} {
		err := smtp.SendMail(s.SMTPAddr, nil, "a@x.test", []string{rcpt}, []byte("Subject: x\r\n\r\nx\r\n"))
		if err == nil || !strings.HasPrefix(err.Error(), code) {
			t.Errorf("RCPT %s: %v, want %s", rcpt, err, code)
		}
	}
}

func TestIMAPLoginPasswords(t *testing.T) {
	s := start(t)
	s.AddUser("nas@x.test", "pw")
	login := func(user, pass string) error {
		c, err := imapclient.DialInsecure(s.IMAPAddr, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		return c.Login(user, pass).Wait()
	}
	if err := login("nas@x.test", "pw"); err != nil {
		t.Errorf("AddUser's password: %v", err)
	}
	if err := login("nas@x.test", DefaultPassword); err == nil {
		t.Error("DefaultPassword accepted for a user with its own password")
	}
	if err := login("new@x.test", DefaultPassword); err != nil {
		t.Errorf("on-demand user with DefaultPassword: %v", err)
	}
}

func TestAppendAndRecreate(t *testing.T) {
	s := start(t)
	if err := s.Append("nas@x.test", "INBOX", []byte("Subject: 1\r\n\r\n1\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.Append("nas@x.test", "Other", []byte("Subject: 2\r\n\r\n2\r\n")); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages("nas@x.test", "Other")); n != 1 {
		t.Errorf("Other has %d", n)
	}
	c, err := imapclient.DialInsecure(s.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := c.Login("nas@x.test", DefaultPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	before, err := c.Status("INBOX", &imap.StatusOptions{UIDValidity: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecreateMailbox("nas@x.test", "INBOX"); err != nil {
		t.Fatal(err)
	}
	after, err := c.Status("INBOX", &imap.StatusOptions{UIDValidity: true, NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if after.UIDValidity == before.UIDValidity || *after.NumMessages != 0 {
		t.Errorf("after recreate: uidvalidity %d (was %d), %d messages", after.UIDValidity, before.UIDValidity, *after.NumMessages)
	}
	caps := c.Caps()
	for _, want := range []imap.Cap{imap.CapIdle, imap.CapMove, imap.CapUIDPlus} {
		if !caps.Has(want) {
			t.Errorf("capability %s not advertised", want)
		}
	}
	if err := s.RecreateMailbox("nas@x.test", "Missing"); err == nil {
		t.Errorf("recreating a missing mailbox: %v", err)
	}
}
