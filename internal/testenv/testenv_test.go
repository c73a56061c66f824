package testenv

import (
	"bufio"
	"database/sql"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	_ "github.com/lib/pq"
)

// TestPostgres proves the DSN reaches a live, empty database of its own.
func TestPostgres(t *testing.T) {
	t.Parallel()
	dsn := Postgres(t)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var one int
	if err := db.QueryRow(`SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	var name string
	if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if want := databaseName(t, dsn); name != want || !strings.HasPrefix(name, "nasbot_t_testpostgres_") {
		t.Errorf("current_database() = %q, want %q (prefixed nasbot_t_testpostgres_)", name, want)
	}
	var tables int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("fresh database has %d tables", tables)
	}
	if _, err := db.Exec(`CREATE TABLE probe (id bigint PRIMARY KEY)`); err != nil {
		t.Errorf("create table in fresh database: %v", err)
	}
}

// TestPostgresDropped proves each call gets its own database and Cleanup drops it, even with a
// connection still open (the test forgot to close its pool).
func TestPostgresDropped(t *testing.T) {
	t.Parallel()
	var names []string
	t.Run("inner", func(t *testing.T) {
		a, b := Postgres(t), Postgres(t)
		names = []string{databaseName(t, a), databaseName(t, b)}
		if names[0] == names[1] {
			t.Fatalf("two calls gave the same database %q", names[0])
		}
		db, err := sql.Open("postgres", a)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Ping(); err != nil { // left open on purpose
			t.Fatal(err)
		}
	})
	if len(names) != 2 {
		t.Skip("the inner test did not get its databases (skipped or failed above)")
	}
	admin, err := adminDB(env(t, EnvPGURL, "admin DSN"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		var n int
		if err := admin.QueryRow(`SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("database %s still exists after the test's cleanup", name)
		}
	}
}

// TestMailRoundTrip sends through Exim with AUTH PLAIN and reads the message back from the
// recipient's own Dovecot INBOX, as the bot's integration tests do with its replies.
func TestMailRoundTrip(t *testing.T) {
	t.Parallel()
	m := MailServers(t)
	from := m.NewAddress(t, "")
	to := m.NewAddress(t, "NHS.net")
	if !strings.HasSuffix(to, "@nhs.net") || !strings.HasSuffix(from, "@"+DefaultDomain) {
		t.Fatalf("addresses %q, %q: wrong domains", from, to)
	}
	token := randomHex(8)
	host, _, _ := net.SplitHostPort(m.SMTPAddr)
	auth := smtp.PlainAuth("", from, m.Password, host)
	if err := smtp.SendMail(m.SMTPAddr, auth, from, []string{to}, message(from, to, "round trip", token)); err != nil {
		t.Fatalf("send with AUTH PLAIN: %v", err)
	}

	body := fetchOnly(t, m, to)
	for _, want := range []string{"Subject: round trip", token, "Delivered-To: " + to} {
		if !strings.Contains(body, want) {
			t.Errorf("message read back lacks %q:\n%s", want, body)
		}
	}
	// The sender's own INBOX is another user's: still empty.
	if n := inboxCount(t, m, from); n != 0 {
		t.Errorf("sender's INBOX has %d messages, want 0", n)
	}
}

// TestSMTPAuth covers what the bot may do: AUTH LOGIN, no AUTH at all from loopback, several
// recipients in one transaction, and a wrong password refused.
func TestSMTPAuth(t *testing.T) {
	t.Parallel()
	m := MailServers(t)
	a, b := m.NewAddress(t, "nhs.net"), m.NewAddress(t, "nhs.net")

	if err := smtp.SendMail(m.SMTPAddr, loginAuth{"bot@nas.test", m.Password}, "bot@nas.test", []string{a, b},
		message("bot@nas.test", a, "login", "via-login")); err != nil {
		t.Fatalf("send with AUTH LOGIN: %v", err)
	}
	if err := smtp.SendMail(m.SMTPAddr, nil, "bot@nas.test", []string{a},
		message("bot@nas.test", a, "noauth", "via-noauth")); err != nil {
		t.Fatalf("send without AUTH from loopback: %v", err)
	}
	waitCount(t, m, a, 2)
	waitCount(t, m, b, 1)

	host, _, _ := net.SplitHostPort(m.SMTPAddr)
	err := smtp.SendMail(m.SMTPAddr, smtp.PlainAuth("", a, "wrong", host), a, []string{b}, message(a, b, "x", "x"))
	if err == nil || !strings.Contains(err.Error(), "535") {
		t.Errorf("AUTH PLAIN with a wrong password: err = %v, want 535", err)
	}
}

// TestIMAPRaw speaks IMAP over a plain TCP connection, as a person would with telnet: LOGIN with
// the shared password, SELECT of the auto-created INBOX, and a refused wrong password.
func TestIMAPRaw(t *testing.T) {
	t.Parallel()
	m := MailServers(t)
	addr := m.NewAddress(t, "")
	conn, err := net.DialTimeout("tcp", m.IMAPAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	send := func(tag, cmd string) string {
		t.Helper()
		if tag != "" {
			fmt.Fprintf(conn, "%s %s\r\n", tag, cmd)
		}
		var all strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v (read so far %q)", cmd, err, all.String())
			}
			all.WriteString(line)
			if tag == "" || strings.HasPrefix(line, tag+" ") {
				return all.String()
			}
		}
	}
	if g := send("", ""); !strings.HasPrefix(g, "* OK") {
		t.Fatalf("greeting %q", g)
	}
	if got := send("a1", `LOGIN "`+addr+`" "wrong"`); !strings.Contains(got, "a1 NO") {
		t.Errorf("LOGIN with a wrong password: %q", got)
	}
	if got := send("a2", `LOGIN "`+addr+`" "`+m.Password+`"`); !strings.Contains(got, "a2 OK") {
		t.Fatalf("LOGIN: %q", got)
	}
	if got := send("a3", "SELECT INBOX"); !strings.Contains(got, "* 0 EXISTS") || !strings.Contains(got, "a3 OK") {
		t.Errorf("SELECT INBOX of a fresh address: %q", got)
	}
	send("a4", "LOGOUT")
}

// TestNewAddressUnique guards the promise that parallel tests never share a mailbox.
func TestNewAddressUnique(t *testing.T) {
	t.Parallel()
	m := MailServers(t)
	seen := map[string]bool{}
	for range 5 {
		a := m.NewAddress(t, "nas.test")
		if seen[a] {
			t.Fatalf("NewAddress returned %s twice", a)
		}
		if a != strings.ToLower(a) || len(a) > 64 {
			t.Errorf("address %q: want lower case and short", a)
		}
		seen[a] = true
	}
}

// TestMissingServices checks the skip/fail contract without touching any server: with the
// variables unset (or pointing at a closed port), tests skip and name `make test`; under
// NASBOT_TEST_SERVICES=1 they fail instead.
func TestMissingServices(t *testing.T) {
	calls := map[string]func(testing.TB){
		"Postgres":    func(tb testing.TB) { Postgres(tb) },
		"MailServers": func(tb testing.TB) { MailServers(tb) },
	}
	for _, unset := range []bool{true, false} {
		for _, required := range []bool{false, true} {
			for name, call := range calls {
				t.Run(fmt.Sprintf("%s/unset=%v/required=%v", name, unset, required), func(t *testing.T) {
					if unset {
						t.Setenv(EnvPGURL, "")
						t.Setenv(EnvIMAPAddr, "")
						t.Setenv(EnvSMTPAddr, "")
					} else {
						// Port 1 on loopback: nothing listens there.
						t.Setenv(EnvPGURL, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
						t.Setenv(EnvIMAPAddr, "127.0.0.1:1")
						t.Setenv(EnvSMTPAddr, "127.0.0.1:1")
					}
					t.Setenv(EnvServices, map[bool]string{true: "1", false: ""}[required])

					r := &recorder{TB: t}
					r.run(call)
					switch {
					case required && r.failed == "":
						t.Errorf("under %s=1: not failed (skipped: %q)", EnvServices, r.skipped)
					case required && !strings.Contains(r.failed, "scripts/services.sh up"):
						t.Errorf("failure message does not say how to start the services: %q", r.failed)
					case !required && r.skipped == "":
						t.Errorf("without %s: not skipped (failed: %q)", EnvServices, r.failed)
					case !required && !strings.Contains(r.skipped, "make test"):
						t.Errorf("skip message does not name `make test`: %q", r.skipped)
					}
					t.Logf("skipped=%q failed=%q", r.skipped, r.failed)
				})
			}
		}
	}
}

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"url", "postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:55432/db1?sslmode=disable"},
		{"url without path", "postgresql://u:p@h:5/?sslmode=disable", "postgresql://u:p@h:5/db1?sslmode=disable"},
		{"key value", "host=127.0.0.1 port=55432 user=postgres sslmode=disable", "host=127.0.0.1 port=55432 user=postgres sslmode=disable dbname=db1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := withDatabase(tc.in, "db1")
			if err != nil || got != tc.want {
				t.Errorf("withDatabase(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	if got := redact("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Errorf("redact kept the password: %q", got)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"TestPostgres":                  "testpostgres",
		"TestX/sub case#01":             "testx_sub_case_01",
		"///":                           "test",
		"TestAVeryLongNameIndeedThatGo": "testaverylongnameindeedt",
	} {
		if got := slug(in, 24, '_'); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// recorder stands in for a test so TestMissingServices can watch Skipf and Fatalf; like the
// real ones they end the calling goroutine.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

func databaseName(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func message(from, to, subject, body string) []byte {
	return []byte("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject +
		"\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <" + randomHex(8) + "@nas.test>\r\n\r\n" + body + "\r\n")
}

// loginAuth is SMTP AUTH LOGIN, which net/smtp lacks; some mail clients still prefer it.
type loginAuth struct{ user, pass string }

func (a loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }
func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch c := strings.ToLower(string(challenge)); {
	case strings.Contains(c, "username"):
		return []byte(a.user), nil
	case strings.Contains(c, "password"):
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected AUTH LOGIN challenge %q", challenge)
}

func inboxCount(t *testing.T, m Mail, user string) uint32 {
	t.Helper()
	c := m.Login(t, user)
	st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return *st.NumMessages
}

// waitCount waits until user's INBOX holds want messages: Exim hands mail to Dovecot just after
// it answers the SMTP DATA, so delivery is a few milliseconds behind the send.
func waitCount(t *testing.T, m Mail, user string, want uint32) {
	t.Helper()
	c := m.Login(t, user)
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if *st.NumMessages == want {
			return
		}
		if *st.NumMessages > want || time.Now().After(deadline) {
			t.Fatalf("INBOX of %s has %d messages, want %d", user, *st.NumMessages, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fetchOnly waits for the single message of user's INBOX and returns it whole.
func fetchOnly(t *testing.T, m Mail, user string) string {
	t.Helper()
	waitCount(t, m, user, 1)
	c := m.Login(t, user)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	section := &imap.FetchItemBodySection{}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH 1 BODY[]: %d messages, %v", len(msgs), err)
	}
	return string(msgs[0].FindBodySection(section))
}
