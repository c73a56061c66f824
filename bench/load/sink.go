package main

import (
	"bufio"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is the relay of `-smtp sink`: an SMTP server inside the load program that accepts every
// mail, notes when it arrived and its In-Reply-To and Message-ID, and discards it. With it the
// run measures the bot, PostgreSQL and Dovecot's IMAP side only: no Exim, no delivery.
type sink struct {
	srv  *smtp.Server
	addr string

	mu      sync.Mutex
	arrived []arrival // not yet taken by the watcher
}

// arrival is one mail the sink accepted: at is when its DATA ended, just before the 250.
type arrival struct {
	at                   time.Time
	inReplyTo, messageID string
	size                 int64
}

// startSink listens on a free loopback port.
func startSink() (*sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{addr: l.Addr().String()}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s}, nil }))
	s.srv.Domain = "sink.bench.test"
	s.srv.MaxMessageBytes = 32 << 20
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	go s.srv.Serve(l) //nolint:errcheck // returns when closed
	return s, nil
}

func (s *sink) close() { s.srv.Close() }

// take returns the arrivals since the last take.
func (s *sink) take() []arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.arrived
	s.arrived = nil
	return a
}

// sinkSession accepts any sender and recipient: the bot under test is the only client.
type sinkSession struct{ s *sink }

func (*sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (*sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (*sinkSession) Reset()                               {}
func (*sinkSession) Logout() error                        { return nil }

// Data reads the header, then the rest of the mail into nothing.
func (ss *sinkSession) Data(r io.Reader) error {
	cr := &countingReader{r: r}
	h, err := textproto.NewReader(bufio.NewReader(cr)).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return err
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return err
	}
	a := arrival{at: time.Now(), size: cr.n,
		inReplyTo: strings.TrimSpace(h.Get("In-Reply-To")), messageID: strings.TrimSpace(h.Get("Message-Id"))}
	ss.s.mu.Lock()
	ss.s.arrived = append(ss.s.arrived, a)
	ss.s.mu.Unlock()
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}
