package mailer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"nasbot/domain"
)

// memLedger is an in-memory Ledger keyed like the store: (mailbox, UIDVALIDITY, UID).
type memLedger struct {
	mu      sync.Mutex
	rows    []domain.Inbound
	ids     map[ledgerKey]int64
	failUID map[uint32]int // SaveInbound of this UID fails this many more times
	calls   int
	// lastValidity is the UIDVALIDITY of the latest LastUID call.
	lastValidity uint32
	// met is the first MeetMailbox of each mailbox: its UIDVALIDITY and UIDNEXT.
	met map[string][2]uint32
}

type ledgerKey struct {
	mailbox     string
	uidValidity uint32
	uid         uint32
}

func newMemLedger() *memLedger {
	return &memLedger{ids: make(map[ledgerKey]int64), failUID: make(map[uint32]int), met: make(map[string][2]uint32)}
}

func (l *memLedger) MeetMailbox(_ context.Context, mailbox string, uidValidity, uidNext uint32, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.met[mailbox]; !ok {
		l.met[mailbox] = [2]uint32{uidValidity, uidNext}
	}
	return nil
}

func (l *memLedger) LastUID(_ context.Context, mailbox string, uidValidity uint32) (uint32, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastValidity = uidValidity
	var last uint32
	for k := range l.ids {
		if k.mailbox == mailbox && k.uidValidity == uidValidity {
			last = max(last, k.uid)
		}
	}
	return last, nil
}

func (l *memLedger) SaveInbound(_ context.Context, in domain.Inbound) (int64, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if n := l.failUID[in.UID]; n > 0 {
		l.failUID[in.UID] = n - 1
		return 0, false, errors.New("disk full")
	}
	k := ledgerKey{in.Mailbox, in.UIDValidity, in.UID}
	if id, ok := l.ids[k]; ok {
		return id, false, nil
	}
	l.rows = append(l.rows, in)
	id := int64(len(l.rows))
	l.ids[k] = id
	return id, true, nil
}

func (l *memLedger) snapshot() []domain.Inbound {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.rows)
}

// memOutbox is an in-memory Outbox that honours retry times the way the store does.
type memOutbox struct {
	mu    sync.Mutex
	items []*outItem
}

type outItem struct {
	o         domain.Outgoing
	due       time.Time
	state     string // pending, sent, parked
	answer    string
	cause     string
	permanent bool
	sends     int
	fails     int
	retryAt   time.Time
}

func (b *memOutbox) add(o domain.Outgoing) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o.ID = int64(len(b.items) + 1)
	b.items = append(b.items, &outItem{o: o, state: "pending"})
}

func (b *memOutbox) get(id int64) outItem {
	b.mu.Lock()
	defer b.mu.Unlock()
	return *b.items[id-1]
}

func (b *memOutbox) PendingReplies(_ context.Context, limit int, now time.Time) ([]domain.Outgoing, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []domain.Outgoing
	for _, it := range b.items {
		if it.state == "pending" && !it.due.After(now) && len(out) < limit {
			out = append(out, it.o)
		}
	}
	return out, nil
}

func (b *memOutbox) MarkSent(_ context.Context, id int64, answer string, _ time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	it := b.items[id-1]
	it.state, it.answer = "sent", answer
	it.sends++
	it.o.Attempts++
	return nil
}

func (b *memOutbox) MarkFailed(_ context.Context, id int64, cause string, permanent bool, retryAt time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	it := b.items[id-1]
	it.cause, it.permanent, it.retryAt = cause, permanent, retryAt
	it.fails++
	it.o.Attempts++
	if permanent {
		it.state = "parked"
	} else {
		it.due = retryAt
	}
	return nil
}

// fakeClock is a settable clock for the sender.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// switchProxy forwards TCP to target while up; while down it accepts and hangs up at once,
// which the client sees as a failed connection.
type switchProxy struct {
	ln       net.Listener
	target   string
	up       atomic.Bool
	accepted atomic.Int32 // connections forwarded

	mu    sync.Mutex
	conns map[net.Conn]bool // open client sides, for cut
}

func startProxy(t *testing.T, target string) *switchProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &switchProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !p.up.Load() {
				_ = c.Close()
				continue
			}
			p.accepted.Add(1)
			go p.pipe(c)
		}
	}()
	return p
}

func (p *switchProxy) pipe(c net.Conn) {
	p.mu.Lock()
	p.conns[c] = true
	p.mu.Unlock()
	defer func() {
		_ = c.Close()
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
	}()
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer func() { _ = u.Close() }()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(u, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, u); done <- struct{}{} }()
	<-done
}

func (p *switchProxy) addr() string { return p.ln.Addr().String() }

// cut closes the open connections, as a server that times idle clients out does.
func (p *switchProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}

// testLogger sends logs to t.Log, so a failing test shows them; what goroutines log after the
// test ended is dropped.
func testLogger(t *testing.T) *slog.Logger {
	w := &tWriter{t: t}
	t.Cleanup(func() { w.done.Store(true) })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct {
	t    *testing.T
	done atomic.Bool
}

func (w *tWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// request builds a small raw request message.
func request(n int) []byte {
	return fmt.Appendf(nil, "From: Alice Example <alice.example@nhs.net>\r\n"+
		"To: requests@nas.test\r\n"+
		"Subject: Request %d\r\n"+
		"Date: Mon, 02 Mar 2026 10:00:0%d +0000\r\n"+
		"Message-ID: <req-%d@nhs.net>\r\n"+
		"\r\n"+
		"Please add user %d.\r\n", n, n%10, n, n)
}
