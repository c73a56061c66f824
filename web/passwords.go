package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/sync/semaphore"
)

// Staff passwords are hashed with argon2id (RFC 9106) and kept as a PHC string,
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (unpadded standard base64), so the parameters
// can be raised later without invalidating stored hashes. The defaults are OWASP's minimum for
// argon2id (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
	// MinPasswordLength is the shortest staff password accepted.
	MinPasswordLength = 12
)

// ErrWeakPassword is returned for a staff password shorter than MinPasswordLength.
var ErrWeakPassword = fmt.Errorf("web: a staff password needs at least %d characters", MinPasswordLength)

// HashPassword returns the argon2id PHC string of a staff password.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLength {
		return "", ErrWeakPassword
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("web: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC string, comparing in constant time.
// A malformed or empty hash never matches.
func CheckPassword(encoded, password string) bool {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// dummyHash is checked against when the address is unknown, so that a wrong address takes as
// long to refuse as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("not-a-password-anyone-has")
	if err != nil {
		panic(err)
	}
	return h
})

type argonParams struct {
	memory, time uint32
	threads      uint8
}

func decodeHash(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, errors.New("bad argon2 parameters")
	}
	// Bounds keep a tampered row from making sign-in eat the machine.
	if p.memory < 8 || p.memory > 1<<21 || p.time < 1 || p.time > 20 || p.threads < 1 {
		return p, nil, nil, errors.New("argon2 parameters out of range")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("bad salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New("bad key")
	}
	return p, salt, key, nil
}

// errPasswordsBusy is returned when no password slot came free in time.
var errPasswordsBusy = errors.New("web: every password slot is busy")

// passwordSlots bounds how many argon2id hashes run at once: each holds argonMemory (19 MiB)
// while it runs, so without a bound the number of clients, not the desk, sets the memory used.
// A check waits up to wait for a slot, then gives up.
type passwordSlots struct {
	sem  *semaphore.Weighted
	wait time.Duration
}

func newPasswordSlots(n int, wait time.Duration) *passwordSlots {
	return &passwordSlots{sem: semaphore.NewWeighted(int64(n)), wait: wait}
}

// do runs fn in a slot, or returns errPasswordsBusy.
func (p *passwordSlots) do(ctx context.Context, fn func()) error {
	ctx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	if err := p.sem.Acquire(ctx, 1); err != nil {
		return errPasswordsBusy
	}
	defer p.sem.Release(1)
	fn()
	return nil
}
