// Package testenv connects integration tests to the real PostgreSQL, Dovecot and Exim that
// scripts/services.sh runs on 127.0.0.1, and gives each test its own database and mailboxes so
// tests can run in parallel against one set of servers.
//
// The servers are found through environment variables, which `make test` sets from
// .services/env after `scripts/services.sh up`:
//
//	NASBOT_TEST_SERVICES=1          a missing service fails the test instead of skipping it
//	NASBOT_TEST_PG_URL              admin DSN, e.g. postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable
//	NASBOT_TEST_IMAP_ADDR           Dovecot IMAP, e.g. 127.0.0.1:51143
//	NASBOT_TEST_SMTP_ADDR           Exim SMTP, e.g. 127.0.0.1:52525
//	NASBOT_TEST_MAIL_PASSWORD       the one password of every mail user (nasbot-test)
//
// Without NASBOT_TEST_SERVICES=1 a test whose service is not configured or not reachable is
// skipped with a message naming `make test`, so plain `go test ./...` stays green on a machine
// without the services; under `make test` (and CI) it fails, so a broken service is never
// mistaken for a passing suite.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/lib/pq"
)

// The environment variables read by this package; scripts/services.sh writes them.
const (
	EnvServices     = "NASBOT_TEST_SERVICES"
	EnvPGURL        = "NASBOT_TEST_PG_URL"
	EnvIMAPAddr     = "NASBOT_TEST_IMAP_ADDR"
	EnvSMTPAddr     = "NASBOT_TEST_SMTP_ADDR"
	EnvMailPassword = "NASBOT_TEST_MAIL_PASSWORD"
)

// DefaultDomain is the domain NewAddress uses when given none.
const DefaultDomain = "nas.test"

// defaultPassword is what scripts/services.sh configures for every mail user; used when
// NASBOT_TEST_MAIL_PASSWORD is unset so a hand-written environment needs only the addresses.
const defaultPassword = "nasbot-test"

// dialTimeout bounds every reachability check: the services are on loopback, so a slow answer
// means a wedged server, and the test should say so rather than hang.
const dialTimeout = 5 * time.Second

// required reports whether missing services must fail tests (under `make test` and CI).
func required() bool { return os.Getenv(EnvServices) == "1" }

// unavailable fails or skips t, depending on NASBOT_TEST_SERVICES, with a message that says
// how to get the service.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if required() {
		t.Fatalf("testenv: %s (%s=1, so this service is required: start it with `bash scripts/services.sh up`, or run `make test`)", msg, EnvServices)
	}
	t.Skipf("testenv: %s; skipping: run `make test` to run this test against the real services", msg)
}

// env returns the variable's value, or skips/fails t when it is unset.
func env(t testing.TB, key, what string) string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(key))
	if v == "" {
		unavailable(t, "%s is not set (%s)", key, what)
	}
	return v
}

// Postgres returns the DSN of a fresh, empty database created for this test (unique name),
// dropped in t.Cleanup. Every test gets its own database so tests can run in parallel and
// migrations always start from nothing, while sharing one server that starts once per machine.
func Postgres(t testing.TB) string {
	t.Helper()
	return newDatabase(t, env(t, EnvPGURL, "the PostgreSQL admin DSN"))
}

// newDatabase creates the test's database on the server of the admin DSN.
func newDatabase(t testing.TB, admin string) string {
	t.Helper()
	db, err := adminDB(admin)
	if err != nil {
		unavailable(t, "PostgreSQL at %s: %v", redact(admin), err)
	}
	ping, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	if err := db.PingContext(ping); err != nil {
		unavailable(t, "PostgreSQL at %s is not reachable: %v", redact(admin), err)
	}

	name := "nasbot_t_" + slug(t.Name(), 24, '_') + "_" + randomHex(5)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := adminDB(admin) // a fault test may have restarted the server since
		if err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
			return
		}
		// FORCE ends connections the test left open (PostgreSQL 13+).
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return dsn
}

var (
	adminMu  sync.Mutex
	adminDBs = map[string]*sql.DB{}
)

// adminDB returns one shared pool per admin DSN for the whole test binary, so a package with
// many database tests does not open and close a server connection for each.
func adminDB(dsn string) (*sql.DB, error) {
	adminMu.Lock()
	defer adminMu.Unlock()
	if db, ok := adminDBs[dsn]; ok {
		return db, nil
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxIdleConns(2)
	adminDBs[dsn] = db
	return db, nil
}

// forgetAdminDB closes the pool of an admin DSN whose server stopped: its connections are dead.
func forgetAdminDB(dsn string) {
	adminMu.Lock()
	defer adminMu.Unlock()
	if db, ok := adminDBs[dsn]; ok {
		db.Close()
		delete(adminDBs, dsn)
	}
}

// withDatabase returns dsn pointing at database name, for both URL and key=value DSNs.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", EnvPGURL, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil
}

// redact hides a password in a DSN before it goes into a test log.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}

// Mail describes the real Dovecot + Exim pair: IMAPAddr is Dovecot's plain-text IMAP listener,
// SMTPAddr Exim's SMTP listener (AUTH PLAIN/LOGIN without TLS, or no AUTH from loopback), and
// Password the password of every mail user. Exim delivers mail for any address to Dovecot, where
// each full address is its own user with its own INBOX.
type Mail struct {
	IMAPAddr, SMTPAddr, Password string
}

var (
	probeMu sync.Mutex
	probed  = map[string]error{}
)

// MailServers returns the mail servers, after checking once per test binary that both answer
// with their greeting, so a test fails (or skips) at its start with a clear message instead of
// timing out half-way.
func MailServers(t testing.TB) Mail {
	t.Helper()
	m := Mail{
		IMAPAddr: env(t, EnvIMAPAddr, "Dovecot's IMAP address"),
		SMTPAddr: env(t, EnvSMTPAddr, "Exim's SMTP address"),
		Password: os.Getenv(EnvMailPassword),
	}
	if m.Password == "" {
		m.Password = defaultPassword
	}
	if err := probe(m.IMAPAddr, "* OK"); err != nil {
		unavailable(t, "Dovecot IMAP at %s: %v", m.IMAPAddr, err)
	}
	if err := probe(m.SMTPAddr, "220"); err != nil {
		unavailable(t, "Exim SMTP at %s: %v", m.SMTPAddr, err)
	}
	return m
}

// probe checks that addr greets with prefix, remembering success for the rest of the run.
func probe(addr, prefix string) error {
	probeMu.Lock()
	defer probeMu.Unlock()
	if err, ok := probed[addr]; ok && err == nil {
		return nil
	}
	err := greets(addr, prefix)
	probed[addr] = err
	return err
}

func greets(addr, prefix string) error {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(dialTimeout)); err != nil {
		return err
	}
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil {
		return fmt.Errorf("no greeting: %w", err)
	}
	if line := string(buf[:n]); !strings.HasPrefix(line, prefix) {
		return fmt.Errorf("unexpected greeting %q", strings.TrimSpace(line))
	}
	return nil
}

// NewAddress returns a fresh unique address at domain (DefaultDomain when empty), such as
// "t1712345678-3f9a0c21@nas.test", whose Dovecot INBOX exists and starts empty, so parallel tests
// never share a mailbox and a poller can select INBOX before the first mail arrives. The local
// part is lower case: Dovecot lowercases user names.
func (m Mail) NewAddress(t testing.TB, domain string) string {
	t.Helper()
	if domain == "" {
		domain = DefaultDomain
	}
	addr := fmt.Sprintf("t%d-%s@%s", time.Now().Unix(), randomHex(4), strings.ToLower(domain))

	c, err := dialIMAP(m.IMAPAddr)
	if err != nil {
		unavailable(t, "Dovecot IMAP at %s: %v", m.IMAPAddr, err)
	}
	defer c.Close()
	if err := c.Login(addr, m.Password).Wait(); err != nil {
		t.Fatalf("testenv: IMAP LOGIN %s at %s: %v", addr, m.IMAPAddr, err)
	}
	st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatalf("testenv: IMAP STATUS INBOX of %s: %v", addr, err)
	}
	if st.NumMessages == nil || *st.NumMessages != 0 {
		t.Fatalf("testenv: INBOX of fresh address %s is not empty: %v messages", addr, st.NumMessages)
	}
	_ = c.Logout().Wait()
	return addr
}

// dialIMAP connects to Dovecot without TLS (it listens on loopback with ssl=no).
func dialIMAP(addr string) (*imapclient.Client, error) {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, err
	}
	// NewAddress's session is a few commands long: a deadline turns a wedged server into an error.
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		conn.Close()
		return nil, err
	}
	c := imapclient.New(conn, nil)
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("no IMAP greeting: %w", err)
	}
	return c, nil
}

// slug turns a test name into at most n lower-case letters, digits and sep, so database names
// (and logs) show which test made them.
func slug(name string, n int, sep rune) string {
	var b strings.Builder
	lastSep := true
	for _, r := range strings.ToLower(name) {
		if b.Len() >= n {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			lastSep = false
		case !lastSep:
			b.WriteRune(sep)
			lastSep = true
		}
	}
	s := strings.TrimRight(b.String(), string(sep))
	if s == "" {
		return "test"
	}
	return s
}

// randomHex returns 2n random hex digits; uniqueness, not secrecy, is what matters here.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails: since Go 1.24 it crashes the program instead
	return hex.EncodeToString(b)
}
