package testenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Services is a private set of the real servers, started by scripts/services.sh for one test
// on free ports and with its own state, so that the test may stop and restart them (a fault
// test) without disturbing the tests that share the machine's set.
type Services struct {
	Mail
	adminDSN string
	dir      string
	env      []string // NASBOT_SERVICES_* for this set
}

// Service names, as scripts/services.sh knows them.
const (
	ServicePostgres = "postgres"
	ServiceDovecot  = "dovecot"
	ServiceExim     = "exim"
)

// OwnServices starts a private set of PostgreSQL, Dovecot and Exim for t and stops it (by the
// PIDs the script recorded) when t ends. It needs what `make test` needs: root and the
// packages scripts/services.sh installs. Without NASBOT_TEST_SERVICES=1 it skips, like the
// other helpers, since starting servers is what plain `go test` must not do.
func OwnServices(t testing.TB) *Services {
	t.Helper()
	if !required() {
		t.Skipf("testenv: a private set of servers is started only under `make test` (%s=1)", EnvServices)
	}
	// A short folder: the script moves longer ones to /tmp, where t.TempDir's clean-up would miss them.
	dir, err := os.MkdirTemp("", "nasbot-own-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // the servers' own users work below it
		t.Fatal(err)
	}
	s := &Services{dir: dir, env: []string{"NASBOT_SERVICES_DIR=" + dir}}
	for _, name := range []string{"PG", "IMAP", "SMTP", "OAUTH"} {
		s.env = append(s.env, fmt.Sprintf("NASBOT_SERVICES_%s_PORT=%d", name, freePort(t)))
	}
	t.Cleanup(func() {
		if out, err := s.script("down"); err != nil {
			t.Errorf("testenv: stopping the private services: %v\n%s", err, out)
		}
		os.RemoveAll(dir)
	})
	s.Start(t)
	vars, err := readEnvFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.adminDSN = vars[EnvPGURL]
	s.Mail = Mail{IMAPAddr: vars[EnvIMAPAddr], SMTPAddr: vars[EnvSMTPAddr], Password: vars[EnvMailPassword]}
	if s.Password == "" {
		s.Password = defaultPassword
	}
	return s
}

// Postgres returns the DSN of a fresh database on this set's PostgreSQL.
func (s *Services) Postgres(t testing.TB) string {
	t.Helper()
	return newDatabase(t, s.adminDSN)
}

// Stop stops one service (ServicePostgres, ServiceDovecot or ServiceExim) as an operator's
// restart does: SIGTERM (PostgreSQL: SIGINT, its fast shutdown), waiting until it is gone.
func (s *Services) Stop(t testing.TB, name string) {
	t.Helper()
	if out, err := s.script("stop", name); err != nil {
		t.Fatalf("testenv: stop %s: %v\n%s", name, err, out)
	}
	if name == ServicePostgres {
		forgetAdminDB(s.adminDSN)
	}
}

// Start starts whatever of the set is stopped, waiting until it answers.
func (s *Services) Start(t testing.TB) {
	t.Helper()
	if out, err := s.script("up"); err != nil {
		t.Fatalf("testenv: private services: %v\n%s", err, out)
	}
}

func (s *Services) script(args ...string) ([]byte, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("bash", append([]string{filepath.Join(root, "scripts", "services.sh")}, args...)...)
	cmd.Env = append(os.Environ(), s.env...)
	done := make(chan struct{})
	defer close(done)
	go func() { // a wedged server must fail the test, not hang it
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			cmd.Process.Kill()
		}
	}()
	return cmd.CombinedOutput()
}

// moduleRoot is the folder of go.mod above the test's working directory (its package).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// readEnvFile reads the KEY=VALUE lines scripts/services.sh writes.
func readEnvFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vars[k] = v
		}
	}
	return vars, sc.Err()
}

// freePort is a loopback port nothing listened on a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	return int(netip.MustParseAddrPort(FreeAddr(t)).Port())
}
