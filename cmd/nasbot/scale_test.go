package main

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"nasbot/internal/testenv"
)

// TestScaleOutThreeReplicas runs three bots on one PostgreSQL database and one inbox: one
// polls, all three decide and send, and no request is decided twice nor answered twice.
func TestScaleOutThreeReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test: long")
	}
	const requests, replicas = 600, 3
	servers := testenv.MailServers(t)
	dsn := testenv.Postgres(t)
	inbox := servers.NewAddress(t, "nas.test")
	w := newCrashWorkload(t, servers, requests, 8)
	st, env := prepareBacklog(t, servers, dsn, inbox, w)

	logs := make([]*lockedBuffer, replicas)
	bots := make([]*exec.Cmd, replicas)
	for i := range bots {
		logs[i] = &lockedBuffer{}
		bots[i] = startBotProcess(t, env, logs[i])
	}
	waitDrained(t, st, requests, 3*time.Minute)
	// Count the pollers before the shutdown: when the poller stops, another replica
	// rightly takes the inbox over, and that failover is not a second poller.
	pollers := 0
	for _, l := range logs {
		if strings.Contains(l.String(), "this replica reads the inbox") {
			pollers++
		}
	}
	for _, b := range bots {
		b.Process.Signal(syscall.SIGTERM)
		b.Wait()
	}

	decidedOnce(t, st, requests)
	if dups := repliesDelivered(t, servers, w, requests); dups != 0 {
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

// lockedBuffer is a log a running child process writes while the test reads it.
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
