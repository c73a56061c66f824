package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// signIns counts what Config.Observe is told, by "method result".
type signIns struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *signIns) observe(method, result string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[method+" "+result]++
}

func (c *signIns) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// clockDesk is a test desk whose clock the test moves, counting sign-ins.
func clockDesk(t *testing.T, mutate ...func(*Config)) (*testDesk, *signIns, *time.Time) {
	t.Helper()
	counts := &signIns{}
	now := testNow
	td := newTestDesk(t, append([]func(*Config){func(c *Config) {
		c.Now = func() time.Time { return now }
		c.Observe = counts.observe
	}}, mutate...)...)
	return td, counts, &now
}

// signInFrom posts the sign-in form from a client address.
func (td *testDesk) signInFrom(ip, email, password string) *httptest.ResponseRecorder {
	td.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(loginForm(email, password).Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = ip + ":40000"
	w := httptest.NewRecorder()
	td.h.ServeHTTP(w, r)
	return w
}

func retryAfter(t *testing.T, w *httptest.ResponseRecorder) int {
	t.Helper()
	n, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("status %d with Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	return n
}

// One client spraying a password over many addresses gets clientBurst checks, then 429s.
func TestPasswordSprayIsThrottled(t *testing.T) {
	td, counts, _ := clockDesk(t)
	addresses := []string{reviewerEmail, adminEmail}
	for i := len(addresses); i < 50; i++ {
		addresses = append(addresses, fmt.Sprintf("staff%02d@nas.test", i))
	}
	status := map[int]int{}
	for i := range 200 {
		w := td.signInFrom("203.0.113.5", addresses[i%len(addresses)], "Summer2026!")
		status[w.Code]++
		if w.Code == http.StatusTooManyRequests {
			if got := retryAfter(t, w); got != int(clientEvery.Seconds()) {
				t.Errorf("attempt %d: Retry-After %d, want %d", i, got, int(clientEvery.Seconds()))
			}
			wantBody(t, w, "Too many attempts")
		}
	}
	// The stated number: clientBurst (10) of the 200 reach a password check.
	if status[http.StatusUnauthorized] != clientBurst || status[http.StatusTooManyRequests] != 200-clientBurst || len(status) != 2 {
		t.Errorf("statuses %v, want %d checked (401) and %d throttled (429)", status, clientBurst, 200-clientBurst)
	}
	if got := counts.get("password refused"); got != clientBurst {
		t.Errorf("%d passwords checked, want %d", got, clientBurst)
	}
	if got := counts.get("password throttled_client"); got != 200-clientBurst {
		t.Errorf("throttled_client counted %d times", got)
	}
	// The throttle is audited, sampled: 20 rows at once, not 190.
	rows, err := td.st.AuditBy(t.Context(), auditActor, testNow.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 20 || rows[0].Action != "sign-in throttled" || !strings.Contains(rows[0].Detail, "limit client, client 203.0.113.5") {
		t.Errorf("audit rows: %d, first %+v", len(rows), rows[0])
	}
	// Even the right password waits at that client; from another, it works (no address was
	// tried often enough to lock).
	wantStatus(t, td.signInFrom("203.0.113.5", reviewerEmail, testPassword), http.StatusTooManyRequests)
	wantStatus(t, td.signInFrom("198.51.100.7", reviewerEmail, testPassword), http.StatusSeeOther)
}

// An address is locked for 1, 2, 4… minutes after its fifth failure, from whatever client, and
// an address no one has is locked exactly alike: nothing tells them apart.
func TestAddressLockoutIsProgressiveAndSaysNothing(t *testing.T) {
	type step struct {
		status, retry int
		body          string
	}
	run := func(t *testing.T, email string) []step {
		td, _, now := clockDesk(t)
		var steps []step
		client := 0
		try := func(password string) {
			client++
			w := td.signInFrom(fmt.Sprintf("198.51.100.%d", client), email, password) // a new client each time
			s := step{status: w.Code, body: strings.ReplaceAll(w.Body.String(), email, "EMAIL")}
			if w.Code == http.StatusTooManyRequests {
				s.retry = retryAfter(t, w)
			}
			steps = append(steps, s)
		}
		for range addressFreeFailures + 1 {
			try("wrong password")
		}
		try(testPassword) // locked: even the right one waits
		*now = now.Add(time.Minute)
		try("wrong password")
		try("wrong password")
		*now = now.Add(2 * time.Minute)
		try("wrong password")
		try("wrong password")
		*now = now.Add(4 * time.Minute)
		try(testPassword)
		try("wrong password")
		return steps
	}
	known := run(t, reviewerEmail)
	unknown := run(t, "nobody.here@nas.test")

	want := []int{401, 401, 401, 401, 401, 429, 429, 401, 429, 401, 429}
	wantRetry := map[int]int{5: 60, 6: 60, 8: 120, 10: 240}
	for i, code := range want {
		if known[i].status != code || known[i].retry != wantRetry[i] {
			t.Errorf("known address, attempt %d: %d (Retry-After %d), want %d (%d)", i+1, known[i].status, known[i].retry, code, wantRetry[i])
		}
		if i < len(unknown) && (unknown[i].status != known[i].status || unknown[i].retry != known[i].retry || unknown[i].body != known[i].body) {
			t.Errorf("attempt %d: an unknown address is answered otherwise: %d/%d vs %d/%d", i+1,
				unknown[i].status, unknown[i].retry, known[i].status, known[i].retry)
		}
	}
	// After the last lock, the right password signs the staff member in and clears the count.
	if known[11].status != http.StatusSeeOther || known[12].status != http.StatusUnauthorized {
		t.Errorf("after the lock: %d then %d, want 303 then 401", known[11].status, known[12].status)
	}
	if unknown[11].status != http.StatusUnauthorized || unknown[12].status != http.StatusTooManyRequests {
		t.Errorf("unknown after the lock: %d then %d", unknown[11].status, unknown[12].status)
	}
}

// Many clients and many addresses together still get globalPerMinute failed checks a minute.
func TestGlobalCeilingOfFailedSignIns(t *testing.T) {
	td, counts, now := clockDesk(t)
	for i := range globalPerMinute {
		wantStatus(t, td.signInFrom(fmt.Sprintf("10.1.%d.%d", i/200, i%200), fmt.Sprintf("s%d@nas.test", i), "wrong"), http.StatusUnauthorized)
	}
	w := td.signInFrom("10.9.9.9", "another@nas.test", "wrong")
	wantStatus(t, w, http.StatusTooManyRequests)
	if got := retryAfter(t, w); got != 1 {
		t.Errorf("Retry-After %d, want 1 (one token a second)", got)
	}
	if counts.get("password throttled_global") != 1 {
		t.Errorf("counts %v", counts.n)
	}
	*now = now.Add(time.Second)
	wantStatus(t, td.signInFrom("10.9.9.9", "another@nas.test", "wrong"), http.StatusUnauthorized)
}

// A successful sign-in gives its tokens back: a busy office behind one address is not slowed.
func TestSuccessfulSignInsAreNotCounted(t *testing.T) {
	td, _, _ := clockDesk(t)
	for i := range 3 * clientBurst {
		if w := td.signInFrom("192.0.2.44", reviewerEmail, testPassword); w.Code != http.StatusSeeOther {
			t.Fatalf("sign-in %d: %d", i+1, w.Code)
		}
	}
}

// No slot for a password check within PasswordWait: 503 with Retry-After, and the attempt does
// not count against the address or the client.
func TestBusyPasswordSlotsAnswer503(t *testing.T) {
	td, counts, _ := clockDesk(t, func(c *Config) { c.PasswordChecks, c.PasswordWait = 1, 20*time.Millisecond })
	if err := td.srv.passwords.sem.Acquire(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	for range addressFreeFailures + clientBurst {
		w := td.signInFrom("192.0.2.50", reviewerEmail, "wrong")
		wantStatus(t, w, http.StatusServiceUnavailable)
		if w.Header().Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
		}
	}
	if counts.get("password busy") != addressFreeFailures+clientBurst {
		t.Errorf("counts %v", counts.n)
	}
	td.srv.passwords.sem.Release(1)
	wantStatus(t, td.signInFrom("192.0.2.50", reviewerEmail, testPassword), http.StatusSeeOther)
}

// An attacker rotating addresses and clients moves entries out of the throttle's tables; they
// never hold more than throttleEntries each.
func TestThrottleMemoryIsBounded(t *testing.T) {
	th := newThrottle()
	th.global = rate.NewLimiter(rate.Inf, 0) // the global ceiling is not what this test is about
	for i := range 3 * throttleEntries {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if _, th := th.admit(clientKey(ip), fmt.Sprintf("user%d@nas.test", i), testNow); th != nil {
			t.Fatalf("attempt %d throttled: %+v", i, th)
		}
	}
	if th.addresses.Len() > throttleEntries || th.clients.Len() > throttleEntries {
		t.Errorf("tables hold %d addresses and %d clients, at most %d each", th.addresses.Len(), th.clients.Len(), throttleEntries)
	}
}

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"peer", "203.0.113.9:5555", "", nil, "203.0.113.9"},
		{"forwarded-for from an untrusted peer is ignored", "203.0.113.9:5555", "198.51.100.1", nil, "203.0.113.9"},
		{"also when proxies are configured", "203.0.113.9:5555", "198.51.100.1", proxies, "203.0.113.9"},
		{"trusted proxy", "10.0.0.2:5555", "198.51.100.1", proxies, "198.51.100.1"},
		{"client-written hops before the proxy's are not believed", "10.0.0.2:5555", "6.6.6.6, 198.51.100.1", proxies, "198.51.100.1"},
		{"two trusted proxies", "10.0.0.2:5555", "198.51.100.1, 10.0.0.3", proxies, "198.51.100.1"},
		{"malformed hop", "10.0.0.2:5555", "not-an-ip", proxies, "10.0.0.2"},
		{"ipv4 in ipv6", "[::ffff:203.0.113.9]:5555", "", nil, "203.0.113.9"},
		{"ipv6 proxy", "[fd00::1]:5555", "2001:db8::7", proxies, "2001:db8::7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &server{cfg: Config{TrustedProxies: tt.trusted}}
			r := httptest.NewRequest(http.MethodPost, "/login", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := s.clientIP(r).String(); got != tt.want {
				t.Errorf("client %s, want %s", got, tt.want)
			}
		})
	}
	// One IPv6 host has a /64 to itself: it is one client.
	a, b := clientKey(netip.MustParseAddr("2001:db8:1:2::1")), clientKey(netip.MustParseAddr("2001:db8:1:2:ffff::9"))
	if a != b || a.Bits() != 64 || clientKey(netip.MustParseAddr("192.0.2.1")).Bits() != 32 {
		t.Errorf("client keys %v %v", a, b)
	}
}
