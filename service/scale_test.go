package service

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"nasbot/internal/testenv"
)

// TestScaleOutThreeReplicas runs three bots on one PostgreSQL database and one inbox: one
// polls, all three decide and send, and no request is decided twice nor answered twice. Each
// replica has its own store (its own database sessions), HTTP ports and log, as three
// processes would.
func TestScaleOutThreeReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test: long")
	}
	const requests, replicas = 600, 3
	servers := testenv.MailServers(t)
	dsn := testenv.Postgres(t)
	inbox := servers.NewAddress(t, "nas.test")
	w := testenv.NewWorkload(t, servers, requests, 8)
	st := testenv.OpenStore(t, dsn)
	w.Load(t, st, servers, inbox)

	logs := make([]*lockedBuffer, replicas)
	stops := make([]func(), replicas)
	for i := range stops {
		logs[i] = &lockedBuffer{}
		stops[i] = startReplica(t, servers, dsn, inbox, logs[i])
	}
	testenv.WaitDrained(t, st, requests, 3*time.Minute)
	// Count the pollers before the shutdown: when the poller stops, another replica
	// rightly takes the inbox over, and that failover is not a second poller.
	pollers := 0
	for _, l := range logs {
		if strings.Contains(l.String(), "this replica reads the inbox") {
			pollers++
		}
	}
	for _, stop := range stops {
		stop()
	}

	testenv.DecidedOnce(t, st, requests)
	if dups := w.RepliesDelivered(t, servers, requests); dups != 0 {
		t.Errorf("%d replies sent twice by three replicas", dups)
	}
	for i, l := range logs {
		out := l.String()
		decided := strings.Count(out, `msg="message decided"`)
		sent := strings.Count(out, `msg="smtp sender: reply sent"`)
		t.Logf("replica %d: decided %d, sent %d", i+1, decided, sent)
		if decided == 0 {
			t.Errorf("replica %d decided nothing: the work was not shared", i+1)
		}
	}
	if pollers != 1 {
		t.Errorf("%d replicas read the inbox, want one", pollers)
	}
}

// startReplica runs a bot on the database and inbox with its own store, logging at info in
// text to log, as `nasbot run` does; the returned stop (also run when t ends) stops it as
// SIGTERM would and waits until it has.
func startReplica(t *testing.T, servers testenv.Mail, dsn, inbox string, log *lockedBuffer) (stop func()) {
	t.Helper()
	cfg := botConfig(t, servers, dsn, inbox)
	cfg.RepliesPerMin = 100000
	st := testenv.OpenStore(t, dsn) // closed after the replica stops
	b, err := New(cfg, st, slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	stop = sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(stop)
	return stop
}

// lockedBuffer is a log a running replica writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
