// Command load is nasbot's end-to-end load run (issue 9): the real `nasbot run` binary against
// the real PostgreSQL, Dovecot and Exim of scripts/services.sh, on a generated directory and
// generated request mail, measured from the outside.
//
//	bash scripts/services.sh up && go run ./bench/load [-n 10000] [-rate 20] [-duration 30s] [-keep]
//
// One run: generate a directory and N+rate×duration genuine requests; create a fresh database
// and import the directory; APPEND N requests to a fresh NAS inbox (the backlog); measure the
// floor (the same N messages fetched, N replies sent, N transactions committed by bare
// clients); start the bot and time it until every reply is in its shared mailbox (drain);
// then, the bot idle in IDLE, APPEND at a fixed rate and time each request to its reply
// (steady). Figures go to stdout and out/bench/results.txt, the latency plot to
// out/bench/latency.png. See docs/performance.md.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/lib/pq"
)

type options struct {
	n        int
	sites    int
	rate     float64
	duration time.Duration
	timeout  time.Duration
	keep     bool
	out      string
	services string
	bot      string
	smtp     string
	profile  bool
	seed     uint64
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 10000, "backlog: requests in the inbox when the bot starts")
	flag.IntVar(&o.sites, "sites", 0, "sites in the directory (default n/10, at least 20)")
	flag.Float64Var(&o.rate, "rate", 20, "steady: requests per second")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "steady: how long requests arrive")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up when the backlog is not drained by then")
	flag.BoolVar(&o.keep, "keep", false, "keep the database and the delivered mail")
	flag.StringVar(&o.out, "out", "out/bench", "where figures, the plot, the log and the binary go")
	flag.StringVar(&o.services, "services", ".services", "scripts/services.sh's folder (for its env file and the maildirs)")
	flag.StringVar(&o.bot, "bot", "", "bot binary to run (default: build ./cmd/nasbot into -out)")
	flag.StringVar(&o.smtp, "smtp", "", "SMTP relay for the bot and the floor (default: services.sh's Exim)")
	flag.BoolVar(&o.profile, "profile", false, "run a pprof-enabled build of the bot; write cpu.pprof and trace.out of the drain")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated directory and mail")
	flag.Parse()
	if o.sites == 0 {
		o.sites = max(20, o.n/10)
	}
	if o.n <= 0 || o.rate < 0 || o.duration < 0 || o.timeout <= 0 {
		fmt.Fprintln(os.Stderr, "bench: -n and -timeout must be positive, -rate and -duration not negative")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// services are the servers of scripts/services.sh.
type services struct {
	pgURL, imapAddr, smtpAddr, password, mailRoot string
}

// findServices reads the NASBOT_TEST_* variables, or services.sh's env file when they are unset.
func findServices(dir string) (services, error) {
	vars := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(dir, "env")); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				vars[k] = v
			}
		}
	}
	get := func(k string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return vars[k]
	}
	s := services{pgURL: get("NASBOT_TEST_PG_URL"), imapAddr: get("NASBOT_TEST_IMAP_ADDR"),
		smtpAddr: get("NASBOT_TEST_SMTP_ADDR"), password: get("NASBOT_TEST_MAIL_PASSWORD")}
	if s.password == "" {
		s.password = "nasbot-test"
	}
	if s.pgURL == "" || s.imapAddr == "" || s.smtpAddr == "" {
		return s, errors.New("services not found: run `bash scripts/services.sh up` first (NASBOT_TEST_* unset, no .services/env)")
	}
	data := dir
	if target, err := os.Readlink(filepath.Join(dir, "data")); err == nil {
		data = target // services.sh keeps its state in /tmp when the repo's path is too long
	}
	s.mailRoot = filepath.Join(data, "mail")
	if _, err := os.Stat(s.mailRoot); err != nil {
		return s, fmt.Errorf("dovecot's mail folder: %w (the watcher reads replies from disk)", err)
	}
	return s, nil
}

func run(o options) error {
	svc, err := findServices(o.services)
	if err != nil {
		return err
	}
	if o.smtp != "" {
		svc.smtpAddr = o.smtp
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	ctx := context.Background()
	suffix := make([]byte, 3)
	rand.Read(suffix)
	runID := time.Now().UTC().Format("0102t1504") + hex.EncodeToString(suffix)
	inbox := "nas-bench-" + runID + "@nas.test"
	res := &results{when: time.Now(), runID: runID, n: o.n, sites: o.sites, smtp: svc.smtpAddr, loadBefore: loadAvg()}

	bot := o.bot
	if o.profile {
		step("build the bot with net/http/pprof")
		if bot, err = buildProfiled(o.out); err != nil {
			return err
		}
	} else if bot == "" {
		bot = filepath.Join(o.out, "nasbot")
		step("build %s", bot)
		if out, err := exec.Command("go", "build", "-o", bot, "./cmd/nasbot").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}

	// Requests for the backlog and the steady part, generated in the order they will be decided.
	steadyN := int(o.rate * o.duration.Seconds())
	res.steadyN = steadyN
	g := newGenerator(o.seed, o.sites)
	initial := snapshot(g.sites)
	reqs := make([]request, o.n+steadyN)
	for i := range reqs {
		reqs[i] = g.nextRequest()
	}
	dirPath := filepath.Join(o.out, "directory")
	if err := writeDirectory(dirPath, initial); err != nil {
		return err
	}
	for _, s := range initial {
		res.accounts += len(s.people)
	}
	step("directory: %d sites, %d accounts; %d requests", len(initial), res.accounts, len(reqs))

	dsn, drop, err := createDatabase(ctx, svc.pgURL, "nasbot_bench_"+runID)
	if err != nil {
		return err
	}
	if !o.keep {
		defer drop()
	}
	botEnv := append(os.Environ(), "NASBOT_DATABASE_URL="+dsn)
	imp := exec.Command(bot, "directory", "import", dirPath)
	imp.Env = botEnv
	if out, err := imp.CombinedOutput(); err != nil {
		return fmt.Errorf("nasbot directory import: %v\n%s", err, out)
	}

	step("append %d requests to %s", o.n, inbox)
	start := time.Now()
	bytes, err := appendBacklog(svc, inbox, runID, reqs[:o.n])
	if err != nil {
		return err
	}
	res.appendTook, res.avgMail = time.Since(start), int(bytes/int64(o.n))

	mailboxes := map[string]bool{}
	for _, s := range initial {
		mailboxes[s.mailbox] = true
	}
	w := newWatcher(svc.mailRoot, slices.Sorted(mapKeys(mailboxes)), "<floor-"+runID+"-")
	for i := range reqs {
		w.expect(messageID(runID, i), i)
	}
	if !o.keep {
		defer func() {
			w.removeOurs()
			os.RemoveAll(filepath.Join(svc.mailRoot, inbox))
		}()
	}

	if err := measureFloor(ctx, svc, w, inbox, runID, dsn, reqs[:o.n], res); err != nil {
		return fmt.Errorf("floor: %w", err)
	}

	// The bot.
	port, err := freePort()
	if err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(o.out, "bot.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(bot, "run")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(botEnv,
		"NASBOT_IMAP_URL=imap://"+url.UserPassword(inbox, svc.password).String()+"@"+svc.imapAddr+"/INBOX",
		"NASBOT_SMTP_URL=smtp://"+svc.smtpAddr+"?tls=none",
		"NASBOT_TRUST_AUTHSERV=mx.nas.test",
		"NASBOT_FROM_ADDRESS="+inbox,
		// The backlog guard and the reply circuit breaker would hold most replies for staff.
		"NASBOT_MAX_REPLY_AGE=0",
		"NASBOT_REPLIES_PER_MINUTE=1000000",
		"NASBOT_REPLIES_PER_HOUR=1000000",
		"NASBOT_HTTP_ADDR=127.0.0.1:"+port)
	var prof *profiler
	if o.profile {
		pport, err := freePort()
		if err != nil {
			return err
		}
		prof = &profiler{addr: "127.0.0.1:" + pport, out: o.out}
		cmd.Env = append(cmd.Env, "BENCH_PPROF_ADDR="+prof.addr)
	}
	step("start %s run; drain %d requests (timeout %s)", bot, o.n, o.timeout)
	busy0, total0 := cpuBusy()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	res.t0 = t0
	// The drain's first 20 s: CPU, and an execution trace of 5 s from the 3rd second
	// (`go tool trace -pprof=net|sync|sched trace-drain.out` tells what the goroutines wait for).
	prof.take(time.Second, "/debug/pprof/profile?seconds=20", "cpu-drain.pprof")
	prof.take(3*time.Second, "/debug/pprof/trace?seconds=5", "trace-drain.out")
	if o.n >= 5000 { // late in a long drain, when the tables have grown
		prof.take(90*time.Second, "/debug/pprof/profile?seconds=30", "cpu-drain-late.pprof")
		prof.take(100*time.Second, "/debug/pprof/trace?seconds=5", "trace-drain-late.out")
	}
	var botErr error
	exited := make(chan struct{}) // closed when the bot has exited; botErr says how
	go func() { botErr = cmd.Wait(); close(exited) }()
	defer stopBot(cmd, exited)
	pid := cmd.Process.Pid

	sample := func() {
		res.rss = append(res.rss, rssSample{time.Since(t0), procStatus(pid, "VmRSS")})
	}
	err = waitFor(w, exited, sample, time.Now().Add(o.timeout), func() bool { return w.countReplies(0, o.n) == o.n })
	if err != nil {
		select {
		case <-exited:
			err = fmt.Errorf("%w (%v)", err, botErr)
		default:
		}
		return fmt.Errorf("bot did not drain the backlog: %d of %d replies after %s: %w (log: %s)",
			w.countReplies(0, o.n), o.n, time.Since(t0).Round(time.Second), err, logFile.Name())
	}
	busy1, total1 := cpuBusy()
	res.machineBusy = float64(busy1-busy0) / float64(max(1, total1-total0))
	res.drainCPU = procCPU(pid)
	for i := range o.n {
		d := w.replies[i]
		res.backlog = append(res.backlog, point{at: d.at.Sub(t0), latency: d.at.Sub(t0)})
		res.drain = max(res.drain, d.at.Sub(t0))
		res.replyBytes += d.size
	}
	res.replyBytes /= int64(o.n)
	step("drained in %s", res.drain.Round(time.Millisecond))

	if steadyN > 0 {
		step("steady: %d requests at %g/s", steadyN, o.rate)
		prof.take(2*time.Second, "/debug/pprof/trace?seconds=5", "trace-steady.out")
		if err := steady(svc, w, exited, sample, inbox, runID, reqs, o, res); err != nil {
			return err
		}
	}
	prof.wait()
	res.loadAfter = loadAvg()
	res.hwmKB = procStatus(pid, "VmHWM")
	res.botCPU = procCPU(pid)
	res.extraReplies = w.extra
	res.outcomes, err = outcomes(ctx, dsn)
	if err != nil {
		return err
	}
	if err := stageTimes(ctx, dsn, runID, w, res); err != nil {
		return err
	}
	return report(res, o)
}

// step prints progress on stderr, so that stdout holds only the table.
func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// createDatabase makes an empty database on the admin DSN's server and returns its DSN and a
// function that drops it.
func createDatabase(ctx context.Context, admin, name string) (string, func(), error) {
	db, err := sql.Open("postgres", admin)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			step("drop database %s: %v", name, err)
		}
		db.Close()
	}
	return u.String(), drop, nil
}

func dialIMAP(svc services, user string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(svc.imapAddr, nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, svc.password).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func appendMail(c *imapclient.Client, raw []byte) error {
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}

// appendBacklog APPENDs the requests in order, on one connection, so UIDs follow their order.
func appendBacklog(svc services, inbox, runID string, reqs []request) (int64, error) {
	c, err := dialIMAP(svc, inbox)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var total int64
	for i, r := range reqs {
		raw := renderMail(runID, i, r, inbox, time.Now())
		if err := appendMail(c, raw); err != nil {
			return 0, fmt.Errorf("append %d: %w", i, err)
		}
		total += int64(len(raw))
	}
	return total, c.Logout().Wait()
}

func measureFloor(ctx context.Context, svc services, w *watcher, inbox, runID, dsn string, reqs []request, res *results) error {
	n := len(reqs)
	step("floor: imap fetch of %d messages", n)
	took, got, _, err := floorIMAP(svc.imapAddr, inbox, svc.password)
	if err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("imap fetched %d messages, want %d", got, n)
	}
	res.floorIMAP = took

	step("floor: smtp send of %d replies", n)
	to := make([]string, n)
	for i, r := range reqs {
		to[i] = r.site.mailbox
	}
	start := time.Now()
	took, err = floorSMTP(svc.smtpAddr, inbox, to, func(i int) []byte { return floorMail(runID, i, inbox, to[i]) })
	if err != nil {
		return err
	}
	res.floorSMTP = took
	err = waitFor(w, nil, func() {}, time.Now().Add(5*time.Minute), func() bool { return len(w.floor) == n })
	if err != nil {
		return fmt.Errorf("smtp: %d of %d mails delivered: %w", len(w.floor), n, err)
	}
	for _, at := range w.floor {
		res.floorDelivered = max(res.floorDelivered, at.Sub(start))
	}

	step("floor: %d postgresql transactions", n)
	res.floorPG, err = floorPG(ctx, dsn, n)
	return err
}

// waitFor polls the maildirs every 100 ms until done, the deadline, or the bot's exit.
func waitFor(w *watcher, exited <-chan struct{}, sample func(), deadline time.Time, done func() bool) error {
	for {
		w.poll()
		sample()
		if done() {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		select {
		case <-exited:
			return errors.New("the bot exited")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// steady APPENDs reqs[n:] at o.rate per second on one connection while the bot runs, recording
// when each was in the inbox, then waits for every reply.
func steady(svc services, w *watcher, exited <-chan struct{}, sample func(), inbox, runID string, reqs []request, o options, res *results) error {
	c, err := dialIMAP(svc, inbox)
	if err != nil {
		return err
	}
	defer c.Close()
	first, count := o.n, len(reqs)-o.n
	arrived := make([]time.Time, count)
	appended := make(chan error, 1)
	interval := time.Duration(float64(time.Second) / o.rate)
	start := time.Now()
	go func() {
		for k := range count {
			time.Sleep(time.Until(start.Add(time.Duration(k) * interval)))
			if err := appendMail(c, renderMail(runID, first+k, reqs[first+k], inbox, time.Now())); err != nil {
				appended <- fmt.Errorf("steady append %d: %w", k, err)
				return
			}
			arrived[k] = time.Now()
		}
		appended <- nil
	}()
	deadline := start.Add(o.duration + 2*time.Minute)
	var appendErr error
	appendDone := false
	err = waitFor(w, exited, sample, deadline, func() bool {
		select {
		case appendErr = <-appended:
			appendDone = true
		default:
		}
		return appendErr != nil || (appendDone && w.countReplies(first, first+count) == count)
	})
	if appendErr != nil {
		return appendErr
	}
	if err != nil {
		return fmt.Errorf("steady: %d of %d replies within %s of the start: %w",
			w.countReplies(first, first+count), count, time.Since(start).Round(time.Second), err)
	}
	res.steadyRate = float64(count) / arrived[count-1].Sub(start).Seconds()
	for k, at := range arrived {
		d := w.replies[first+k]
		res.steady = append(res.steady, point{at: d.at.Sub(res.t0), latency: d.at.Sub(at)})
		res.arrived = append(res.arrived, at)
		res.delivered = append(res.delivered, d.at)
	}
	return nil
}

// stopBot ends the bot with SIGTERM, as an operator would, and kills it after 15 s.
func stopBot(cmd *exec.Cmd, exited <-chan struct{}) {
	select {
	case <-exited:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		step("the bot did not stop within 15 s of SIGTERM; killing it")
		_ = cmd.Process.Kill()
		<-exited
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// stageTimes splits each reply's time with what the bot recorded: when it began deciding the
// message (messages.processed_at) and when the relay accepted the reply (outbox.sent_at).
func stageTimes(ctx context.Context, dsn, runID string, w *watcher, res *results) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT m.message_id, m.processed_at, o.sent_at FROM messages m
		JOIN outbox o ON o.message = m.id WHERE m.processed_at IS NOT NULL AND o.sent_at IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("stage times: %w", err)
	}
	defer rows.Close()
	res.stages = map[int]stage{}
	for rows.Next() {
		var id string
		var st stage
		if err := rows.Scan(&id, &st.decided, &st.sent); err != nil {
			return err
		}
		if !strings.HasPrefix(id, "<") {
			id = "<" + id + ">"
		}
		if i, ok := w.replyTo[id]; ok {
			res.stages[i] = st
		}
	}
	return rows.Err()
}

// outcomes counts the requests' outcomes and the messages' verdicts the bot recorded.
func outcomes(ctx context.Context, dsn string) (map[string]int, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	out := map[string]int{}
	for _, q := range []string{
		`SELECT 'request ' || outcome, count(*) FROM requests GROUP BY outcome`,
		`SELECT 'message ' || verdict, count(*) FROM messages GROUP BY verdict`,
		`SELECT 'reply ' || state, count(*) FROM outbox GROUP BY state`,
	} {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("outcomes: %w", err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = n
		}
		rows.Close()
	}
	return out, nil
}
