package mailer

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/mailer/localmail"
)

const nasAddr = "requests@nas.test"

// intakeEnv is a localmail server with the NAS user, a memory ledger and an intake on them.
type intakeEnv struct {
	srv    *localmail.Server
	ledger *memLedger
	intake *Intake

	mu       sync.Mutex
	storedCh chan int64
	storedID []int64
}

func newIntakeEnv(t *testing.T) *intakeEnv {
	t.Helper()
	log := testLogger(t)
	srv, err := localmail.Start(log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	srv.AddUser(nasAddr, "s3cret")
	e := &intakeEnv{srv: srv, ledger: newMemLedger(), storedCh: make(chan int64, 100)}
	cfg := IMAPConfig{URL: imapURL(nasAddr, "s3cret", srv.IMAPAddr, "INBOX"), BatchSize: 2}
	e.intake, err = NewIntake(cfg, e.ledger, log, func(id int64) {
		e.mu.Lock()
		e.storedID = append(e.storedID, id)
		e.mu.Unlock()
		e.storedCh <- id
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func imapURL(user, pass, addr, mailbox string) string {
	u := url.URL{Scheme: "imap", User: url.UserPassword(user, pass), Host: addr, Path: "/" + mailbox}
	return u.String()
}

func (e *intakeEnv) append(t *testing.T, raws ...[]byte) {
	t.Helper()
	for _, raw := range raws {
		if err := e.srv.Append(nasAddr, "INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *intakeEnv) count(mailbox string) int { return len(e.srv.Messages(nasAddr, mailbox)) }

func TestPollOnceStoresInUIDOrderAndMoves(t *testing.T) {
	e := newIntakeEnv(t)
	e.append(t, request(1), request(2), request(3))

	n, err := e.intake.PollOnce(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("PollOnce = %d, %v; want 3, nil", n, err)
	}
	rows := e.ledger.snapshot()
	if len(rows) != 3 {
		t.Fatalf("ledger has %d rows, want 3", len(rows))
	}
	for i, r := range rows {
		if r.UID != uint32(i+1) || r.Mailbox != "INBOX" || r.UIDValidity == 0 || r.ReceivedAt.IsZero() {
			t.Errorf("row %d = uid %d mailbox %q uidvalidity %d received %v", i, r.UID, r.Mailbox, r.UIDValidity, r.ReceivedAt)
		}
		if !bytes.Equal(r.Raw, request(i+1)) {
			t.Errorf("row %d raw differs:\n%s", i, r.Raw)
		}
	}
	if got := e.storedID; len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Errorf("onStored ids = %v, want [1 2 3]", got)
	}
	if got := e.count("INBOX"); got != 0 {
		t.Errorf("INBOX has %d messages after the pass, want 0", got)
	}
	processed := e.srv.Messages(nasAddr, "Processed")
	if len(processed) != 3 || !bytes.Equal(processed[0], request(1)) {
		t.Errorf("Processed has %d messages, want the 3 requests", len(processed))
	}

	n, err = e.intake.PollOnce(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("second PollOnce = %d, %v; want 0, nil", n, err)
	}
	if got := len(e.ledger.snapshot()); got != 3 {
		t.Errorf("ledger has %d rows after the second pass, want 3", got)
	}
}

func TestPollOnceRecordsWhatWasInTheMailboxAtTheFirstMeeting(t *testing.T) {
	e := newIntakeEnv(t)
	e.append(t, request(1), request(2))
	if _, err := e.intake.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := e.ledger.met["INBOX"]
	if first[0] == 0 || first[1] != 3 {
		t.Fatalf("first meeting recorded UIDVALIDITY %d, UIDNEXT %d; want UIDNEXT 3 (UIDs 1 and 2 were there)", first[0], first[1])
	}
	e.append(t, request(3))
	if _, err := e.intake.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.ledger.met["INBOX"]; got != first {
		t.Errorf("a later pass changed the first meeting: %v, want %v", got, first)
	}
}

func TestPollOnceStoreFailureLeavesMessage(t *testing.T) {
	e := newIntakeEnv(t)
	e.append(t, request(1), request(2), request(3))
	e.ledger.failUID[2] = 1

	n, err := e.intake.PollOnce(context.Background())
	if err == nil || n != 2 {
		t.Fatalf("PollOnce = %d, %v; want 2 and the store error", n, err)
	}
	inbox := e.srv.Messages(nasAddr, "INBOX")
	if len(inbox) != 1 || !bytes.Equal(inbox[0], request(2)) {
		t.Fatalf("INBOX = %d messages, want only request 2 (its save failed)", len(inbox))
	}
	if got := e.count("Processed"); got != 2 {
		t.Errorf("Processed has %d, want 2", got)
	}

	n, err = e.intake.PollOnce(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("retry PollOnce = %d, %v; want 1, nil", n, err)
	}
	rows := e.ledger.snapshot()
	if len(rows) != 3 || rows[2].UID != 2 || !bytes.Equal(rows[2].Raw, request(2)) {
		t.Errorf("ledger after retry: %d rows, last uid %d; want request 2 stored last", len(rows), rows[len(rows)-1].UID)
	}
	if got := e.count("INBOX"); got != 0 {
		t.Errorf("INBOX has %d after retry, want 0", got)
	}
}

// A crash after SaveInbound but before the move leaves a stored message in the mailbox: the
// next pass must move it without announcing it again.
func TestPollOnceMovesMessageStoredEarlier(t *testing.T) {
	e := newIntakeEnv(t)
	if _, err := e.intake.PollOnce(context.Background()); err != nil { // learns UIDVALIDITY
		t.Fatal(err)
	}
	e.append(t, request(1)) // UID 1
	e.ledger.mu.Lock()
	validity := e.ledger.lastValidity
	e.ledger.mu.Unlock()
	if _, _, err := e.ledger.SaveInbound(context.Background(), domain.Inbound{
		Mailbox: "INBOX", UIDValidity: validity, UID: 1, Raw: request(1),
	}); err != nil {
		t.Fatal(err)
	}

	n, err := e.intake.PollOnce(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("PollOnce = %d, %v; want 0 new, nil", n, err)
	}
	if len(e.storedID) != 0 {
		t.Errorf("onStored called for a message stored before")
	}
	if got := e.count("INBOX"); got != 0 {
		t.Errorf("INBOX has %d, want 0 (moved)", got)
	}
	if got := len(e.ledger.snapshot()); got != 1 {
		t.Errorf("ledger has %d rows, want 1", got)
	}
}

func TestPollOnceUIDValidityChange(t *testing.T) {
	e := newIntakeEnv(t)
	e.append(t, request(1), request(2))
	if n, err := e.intake.PollOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("PollOnce = %d, %v", n, err)
	}
	oldValidity := e.ledger.snapshot()[0].UIDValidity

	if err := e.srv.RecreateMailbox(nasAddr, "INBOX"); err != nil {
		t.Fatal(err)
	}
	e.append(t, request(3)) // UID 1 again, under a new UIDVALIDITY
	n, err := e.intake.PollOnce(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("PollOnce after UIDVALIDITY change = %d, %v; want 1, nil", n, err)
	}
	rows := e.ledger.snapshot()
	last := rows[len(rows)-1]
	if last.UID != 1 || last.UIDValidity == oldValidity || !bytes.Equal(last.Raw, request(3)) {
		t.Errorf("stored uid %d uidvalidity %d (old %d); want uid 1 under a new UIDVALIDITY", last.UID, last.UIDValidity, oldValidity)
	}
}

func TestRunIdleStoresNewMailQuickly(t *testing.T) {
	e := newIntakeEnv(t)
	e.append(t, request(1))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.intake.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after cancel, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}()

	waitStored(t, e, 5*time.Second)    // the message already there
	time.Sleep(200 * time.Millisecond) // let it enter IDLE

	for i := 2; i <= 3; i++ {
		start := time.Now()
		e.append(t, request(i))
		waitStored(t, e, 2*time.Second)
		if d := time.Since(start); d > time.Second {
			t.Errorf("message %d stored after %v, want within ~1s", i, d)
		}
	}
	rows := e.ledger.snapshot()
	if len(rows) != 3 || rows[2].UID != 3 {
		t.Errorf("ledger has %d rows, want 3", len(rows))
	}
}

func TestRunPollsWithoutIdle(t *testing.T) {
	e := newIntakeEnv(t)
	e.intake.noIdle = true
	e.intake.cfg.PollInterval = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = e.intake.Run(ctx) }()
	time.Sleep(150 * time.Millisecond)
	e.append(t, request(1))
	waitStored(t, e, 2*time.Second)
}

func waitStored(t *testing.T, e *intakeEnv, timeout time.Duration) {
	t.Helper()
	select {
	case <-e.storedCh:
	case <-time.After(timeout):
		t.Fatalf("nothing stored within %v", timeout)
	}
}

func TestRunKeepsRetryingAndStopsOnCancel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now

	in, err := NewIntake(IMAPConfig{URL: imapURL(nasAddr, "x", addr, "INBOX")}, newMemLedger(), testLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	in.backoffBase = 10 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := in.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil at cancel", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %v to notice the cancel", d)
	}
}

func TestRunReconnectsAfterServerComesBack(t *testing.T) {
	e := newIntakeEnv(t)
	p := startProxy(t, e.srv.IMAPAddr)
	in, err := NewIntake(IMAPConfig{URL: imapURL(nasAddr, "s3cret", p.addr(), "INBOX")}, e.ledger, testLogger(t),
		func(id int64) { e.storedCh <- id })
	if err != nil {
		t.Fatal(err)
	}
	in.backoffBase = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = in.Run(ctx) }()

	e.append(t, request(1))
	time.Sleep(200 * time.Millisecond) // a few failed connections
	p.up.Store(true)
	waitStored(t, e, 5*time.Second)
}
