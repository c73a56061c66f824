package service

import (
	"fmt"
	"net/smtp"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"nasbot/internal/testenv"
)

// TestMailLoopEndsByItself points an auto-responder at the bot through the real Dovecot and
// Exim: every mail the shared mailbox receives is answered back to the NAS inbox. A polite
// responder (RFC 3834's Auto-Submitted) is never answered; a rude one that marks nothing makes
// mail the bot cannot prove, whose notices the hourly cap bounds. Either way the exchange stops.
func TestMailLoopEndsByItself(t *testing.T) {
	for _, tc := range []struct {
		name    string
		header  string
		replies int
	}{
		{"polite responder", "Auto-Submitted: auto-replied\r\n", 1},
		{"rude responder", "", 3}, // the hourly cap set below
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := startTestBot(t, func(c *Config) { c.RepliesPerHour = 3 })
			c := tb.servers.Login(t, tb.inbox)
			testenv.AppendMail(t, c, "INBOX", requestMail(tb.shared, "<loop-start@ex.nhs.net>"))

			responder := tb.servers.Login(t, tb.shared)
			answered := map[imap.UID]bool{}
			quietSince := time.Now()
			deadline := time.Now().Add(40 * time.Second)
			for time.Since(quietSince) < 4*time.Second {
				if time.Now().After(deadline) {
					t.Fatalf("the exchange did not stop: %d mails answered", len(answered))
				}
				for _, uid := range inboxUIDs(t, responder) {
					if answered[uid] {
						continue
					}
					answered[uid] = true
					quietSince = time.Now()
					autoReply(t, tb, tc.header, len(answered))
				}
				time.Sleep(200 * time.Millisecond)
			}
			if n := len(answered); n != tc.replies {
				t.Fatalf("the bot sent %d mails to the responder, want %d", n, tc.replies)
			}
		})
	}
}

// inboxUIDs lists the UIDs in the client's INBOX.
func inboxUIDs(t *testing.T, c *imapclient.Client) []imap.UID {
	t.Helper()
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return data.AllUIDs()
}

// autoReply sends the responder's answer from the shared mailbox to the NAS inbox through Exim,
// with no Authentication-Results (Exim adds none): the bot cannot prove it.
func autoReply(t *testing.T, tb testBot, header string, n int) {
	t.Helper()
	msg := fmt.Sprintf("From: %[1]s\r\nTo: %[2]s\r\nSubject: Out of the office %[3]d\r\n"+
		"Message-ID: <auto-%[3]d-%[4]d@ex.nhs.net>\r\nDate: %[5]s\r\n%[6]s\r\nI am away until Monday.\r\n",
		tb.shared, tb.inbox, n, time.Now().UnixNano(), time.Now().Format(time.RFC1123Z), header)
	if err := smtp.SendMail(tb.servers.SMTPAddr, nil, tb.shared, []string{tb.inbox}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}
