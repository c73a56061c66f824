package web

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// procStatusKB reads a "VmHWM:" style line of /proc/self/status, in KiB.
func procStatusKB(t *testing.T, field string) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatalf("%s: %q", field, v)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// 48 sign-ins at once, each from its own client to its own address, all reaching a password
// check: the password slots keep the process's peak RSS under 200 MB. Without them it went to
// 944 MB (issue 13): each argon2id check holds 19 MiB.
func TestConcurrentSignInsKeepMemoryBounded(t *testing.T) {
	const clients, limitMB = 48, 200
	// A long wait, so that every attempt is checked rather than turned away with 503.
	td, counts, _ := clockDesk(t, func(c *Config) { c.PasswordWait = time.Minute })
	dummyHash() // made once, before measuring, as in a running desk

	debug.FreeOSMemory()
	// Writing 5 to clear_refs resets VmHWM to the current RSS (proc(5)), so earlier tests in
	// this process do not count.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset VmHWM (%v): the peak includes earlier tests", err)
	}
	before := procStatusKB(t, "VmHWM")

	start := make(chan struct{})
	codes := make([]int, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			<-start
			codes[i] = td.signInFrom(fmt.Sprintf("198.51.100.%d", i+1), fmt.Sprintf("staff%02d@nas.test", i), "wrong password").Code
		})
	}
	close(start)
	wg.Wait()
	peak := procStatusKB(t, "VmHWM")

	for i, code := range codes {
		if code != http.StatusUnauthorized {
			t.Errorf("attempt %d: %d, want 401 (checked and refused)", i+1, code)
		}
	}
	if got := counts.get("password refused"); got != clients {
		t.Errorf("%d passwords checked, want %d", got, clients)
	}
	t.Logf("%d concurrent sign-ins, %d password slots: peak RSS %d MB (%d MB before)", clients,
		td.srv.cfg.PasswordChecks, peak/1024, before/1024)
	if peak/1024 >= limitMB {
		t.Errorf("peak RSS %d MB, want under %d MB", peak/1024, limitMB)
	}
}
