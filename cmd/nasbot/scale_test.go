package main

import (
	"bytes"
	"os/exec"
	"strings"
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

	logs := make([]*bytes.Buffer, replicas)
	bots := make([]*exec.Cmd, replicas)
	for i := range bots {
		logs[i] = &bytes.Buffer{}
		bots[i] = startBotProcess(t, env, logs[i])
	}
	waitDrained(t, st, requests, 3*time.Minute)
	for _, b := range bots {
		b.Process.Signal(syscall.SIGTERM)
		b.Wait()
	}

	decidedOnce(t, st, requests)
	if dups := repliesDelivered(t, servers, w, requests); dups != 0 {
		t.Errorf("%d replies sent twice by three replicas", dups)
	}
	pollers := 0
	for i, l := range logs {
		out := l.String()
		decided := strings.Count(out, `msg="message decided"`)
		sent := strings.Count(out, `msg="smtp sender: reply sent"`)
		if strings.Contains(out, "this replica reads the inbox") {
			pollers++
		}
		t.Logf("replica %d: decided %d, sent %d", i+1, decided, sent)
		if decided == 0 {
			t.Errorf("replica %d decided nothing: the work was not shared", i+1)
		}
	}
	if pollers != 1 {
		t.Errorf("%d replicas read the inbox, want one", pollers)
	}
}
