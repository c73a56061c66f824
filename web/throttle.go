package web

import (
	"crypto/sha256"
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// Password sign-in is throttled in three layers, each of which answers 429 with Retry-After
// before any password is checked (OWASP Authentication Cheat Sheet, "Protect against automated
// attacks"; NIST SP 800-63B section 5.2.2):
//
//   - per staff address, a progressive lockout: addressFreeFailures failures are free, each one
//     after locks the address for twice as long as the one before (1, 2, 4… minutes, at most
//     addressLockMax). Addresses are counted whether or not a staff member has them, so the
//     answers and their timing say nothing about which addresses exist;
//   - per client (an IPv4 address, or an IPv6 /64, which one host usually has whole), a token
//     bucket: clientBurst attempts, then one every clientEvery;
//   - for the whole desk, globalPerMinute failed attempts a minute, whoever makes them.
//
// A successful sign-in gives its client and global tokens back and clears its address, so only
// failures count. The tables are LRUs of throttleEntries each, keyed by fixed-size hashes, so an
// attacker rotating addresses or clients moves entries out but cannot grow memory.
const (
	addressFreeFailures = 5
	addressLockBase     = time.Minute
	addressLockMax      = 30 * time.Minute
	addressForget       = 24 * time.Hour // failures older than this are forgotten
	clientBurst         = 10
	clientEvery         = 30 * time.Second
	globalPerMinute     = 60
	throttleEntries     = 10000
)

// Throttle layers, as logged, audited and counted.
const (
	layerAddress = "address"
	layerClient  = "client"
	layerGlobal  = "global"
)

type throttle struct {
	mu        sync.Mutex
	addresses *simplelru.LRU[[32]byte, *addressFailures]
	clients   *simplelru.LRU[netip.Prefix, *rate.Limiter]
	global    *rate.Limiter
}

// addressFailures is one address's recent failed (or still running) attempts.
type addressFailures struct {
	count int
	last  time.Time
}

// lockedUntil is when the address may be tried again.
func (a *addressFailures) lockedUntil() time.Time {
	if a.count < addressFreeFailures {
		return time.Time{}
	}
	shift := min(a.count-addressFreeFailures, 16)
	lock := min(addressLockBase<<shift, addressLockMax)
	return a.last.Add(lock)
}

func newThrottle() *throttle {
	addresses, _ := simplelru.NewLRU[[32]byte, *addressFailures](throttleEntries, nil)
	clients, _ := simplelru.NewLRU[netip.Prefix, *rate.Limiter](throttleEntries, nil)
	return &throttle{addresses: addresses, clients: clients,
		global: rate.NewLimiter(rate.Every(time.Minute/globalPerMinute), globalPerMinute)}
}

// throttled says which layer refused an attempt and when to come back.
type throttled struct {
	layer string
	retry time.Duration
}

// retryAfter is the Retry-After header's value: whole seconds, at least 1 (RFC 9110 10.2.3).
func (t throttled) retryAfter() int { return max(1, int(math.Ceil(t.retry.Seconds()))) }

// attempt is a sign-in the throttle let through. It is counted as a failure until it succeeds,
// so attempts running at once cannot slip past the lockout together.
type attempt struct {
	t              *throttle
	key            [32]byte
	client, global *rate.Reservation
}

// admit decides whether a sign-in for address from client may be checked now.
func (t *throttle) admit(client netip.Prefix, address string, now time.Time) (*attempt, *throttled) {
	key := sha256.Sum256([]byte(address))
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.addresses.Get(key)
	if ok && now.Sub(f.last) > addressForget {
		f.count = 0
	}
	if ok {
		if until := f.lockedUntil(); now.Before(until) {
			return nil, &throttled{layerAddress, until.Sub(now)}
		}
	}
	lim, ok := t.clients.Get(client)
	if !ok {
		lim = rate.NewLimiter(rate.Every(clientEvery), clientBurst)
		t.clients.Add(client, lim)
	}
	cr := lim.ReserveN(now, 1)
	if d := cr.DelayFrom(now); d > 0 {
		cr.CancelAt(now)
		return nil, &throttled{layerClient, d}
	}
	gr := t.global.ReserveN(now, 1)
	if d := gr.DelayFrom(now); d > 0 {
		gr.CancelAt(now)
		cr.CancelAt(now)
		return nil, &throttled{layerGlobal, d}
	}
	if f == nil {
		f = &addressFailures{}
		t.addresses.Add(key, f)
	}
	f.count++
	f.last = now
	return &attempt{t: t, key: key, client: cr, global: gr}, nil
}

// succeeded clears the address and gives the client and global tokens back.
func (a *attempt) succeeded(now time.Time) {
	a.t.mu.Lock()
	defer a.t.mu.Unlock()
	a.t.addresses.Remove(a.key)
	a.client.CancelAt(now)
	a.global.CancelAt(now)
}

// abandon undoes an attempt that was never checked (the desk was too busy, or failed): it
// neither counts against the address nor uses tokens.
func (a *attempt) abandon(now time.Time) {
	a.t.mu.Lock()
	defer a.t.mu.Unlock()
	if f, ok := a.t.addresses.Peek(a.key); ok && f.count > 0 {
		f.count--
	}
	a.client.CancelAt(now)
	a.global.CancelAt(now)
}

// clientKey is the throttle's key for a client address: the address itself for IPv4, its /64
// for IPv6.
func clientKey(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return netip.Prefix{}
	}
	return p
}
