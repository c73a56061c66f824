package testenv

import (
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// FreeAddr is a loopback host:port nothing listened on a moment ago, for a server the test
// starts (the bot's desk and metrics addresses).
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Login connects to Dovecot as user, as a mail client would; the connection closes when t ends.
func (m Mail) Login(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(m.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, m.Password).Wait(); err != nil {
		t.Fatalf("testenv: IMAP LOGIN %s: %v", user, err)
	}
	return c
}

// AppendMail puts raw into the mailbox, as an MTA's delivery would.
func AppendMail(t testing.TB, c *imapclient.Client, mailbox string, raw []byte) {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// InReplyTos returns the In-Reply-To of every message in user's INBOX: which requests the
// mailbox got replies to.
func (m Mail) InReplyTos(t testing.TB, user string) []string {
	t.Helper()
	c := m.Login(t, user)
	data, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if data.NumMessages == 0 {
		return nil
	}
	var all imap.SeqSet
	all.AddRange(1, data.NumMessages)
	msgs, err := c.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{
		{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"In-Reply-To"}, Peek: true}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, msg := range msgs {
		for _, sec := range msg.BodySection {
			_, v, _ := strings.Cut(string(sec.Bytes), ":")
			ids = append(ids, strings.TrimSpace(v))
		}
	}
	return ids
}
