// Command load is nasbot's end-to-end load run (issue 9): the real `nasbot run` binary against
// the real PostgreSQL, Dovecot and Exim of scripts/services.sh, on a generated directory and
// generated request mail, measured from the outside.
//
//	bash scripts/services.sh up && go -C bench run ./load [-n 10000] [-rate 20] [-duration 30s] [-keep]
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
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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
	pgParams string
	seed     uint64
	emit     string
	replicas int
	root     string // the nasbot repository, whose cmd/nasbot is built and run
}

// resolvePaths finds the repository (the load program runs from its own module in bench/, or
// from the top) and makes -out and -services absolute, defaulting to the repository's folders.
func (o *options) resolvePaths() error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	o.root = root
	if o.services == "" {
		o.services = filepath.Join(root, ".services")
	}
	if o.out == "" {
		o.out = filepath.Join(root, "out", "bench")
	}
	if o.out, err = filepath.Abs(o.out); err != nil {
		return err
	}
	if o.emit != "" {
		o.emit, err = filepath.Abs(o.emit)
	}
	return err
}

// repoRoot is the nearest folder, from the working directory up, that holds cmd/nasbot.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "cmd", "nasbot")); err == nil && st.IsDir() {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no cmd/nasbot above the working directory: run from the nasbot repository")
		}
		dir = up
	}
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 10000, "backlog: requests in the inbox when the bot starts")
	flag.IntVar(&o.sites, "sites", 0, "sites in the directory (default n/10, at least 20)")
	flag.Float64Var(&o.rate, "rate", 20, "steady: requests per second")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "steady: how long requests arrive")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up when the backlog is not drained by then")
	flag.BoolVar(&o.keep, "keep", false, "keep the database and the delivered mail")
	flag.StringVar(&o.out, "out", "", "where figures, the plot, the log and the binary go (default: out/bench of the repository)")
	flag.StringVar(&o.services, "services", "", "scripts/services.sh's folder, for its env file and the maildirs (default: .services of the repository)")
	flag.StringVar(&o.bot, "bot", "", "bot binary to run (default: build ./cmd/nasbot into -out)")
	flag.StringVar(&o.smtp, "smtp", "exim", "relay for the bot and the floor: exim (services.sh's), sink (in-process, discards), both (sink, then exim), or HOST:PORT")
	flag.BoolVar(&o.profile, "profile", false, "run a pprof-enabled build of the bot; save CPU profiles and execution traces in -out")
	flag.StringVar(&o.pgParams, "pg-params", "", "extra query parameters for the bot's database URL (e.g. binary_parameters=yes)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated directory and mail")
	flag.IntVar(&o.replicas, "replicas", 1, "bots run on the same database and inbox (scale-out)")
	flag.StringVar(&o.emit, "emit", "", "only write the n backlog mails as DIR/NNNNNN.eml (for bench/peer) and exit")
	flag.Parse()
	if err := o.resolvePaths(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if o.sites == 0 {
		o.sites = max(20, o.n/10)
	}
	if o.n <= 0 || o.replicas < 1 || o.rate < 0 || o.duration < 0 || o.timeout <= 0 {
		fmt.Fprintln(os.Stderr, "bench: -n and -timeout must be positive, -rate and -duration not negative")
		os.Exit(2)
	}
	if o.emit != "" {
		if err := emit(o); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	modes := []string{o.smtp}
	if o.smtp == "both" {
		modes = []string{"sink", "exim"}
	}
	var all []summary
	for _, m := range modes {
		mo := o
		mo.smtp = m
		if len(modes) > 1 {
			mo.out = filepath.Join(o.out, m)
		}
		r, err := run(mo)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		all = append(all, r)
	}
	if err := compare(all, o.out); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// emit writes the backlog's mails, as the run would APPEND them, for another system to read.
func emit(o options) error {
	if err := os.MkdirAll(o.emit, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(o.emit, "*.eml"))
	for _, f := range old {
		os.Remove(f)
	}
	g := newGenerator(o.seed, o.sites)
	runID := "peer" + time.Now().UTC().Format("0102t150405")
	for i := range o.n {
		raw := renderMail(runID, i, g.nextRequest(), "requests@nas.test", time.Now())
		if err := os.WriteFile(filepath.Join(o.emit, fmt.Sprintf("%06d.eml", i)), raw, 0o644); err != nil {
			return err
		}
	}
	step("wrote %d mails to %s", o.n, o.emit)
	return nil
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

// bench is one run: its settings, the servers, the generated load, and what was measured.
type bench struct {
	o            options
	svc          services
	runID, inbox string
	dsn          string // the run's database, for the floor and the final counts
	dbName       string
	reqs         []request
	w            *watcher
	res          *results
}

func run(o options) (summary, error) {
	svc, err := findServices(o.services)
	if err != nil {
		return summary{}, err
	}
	sk, err := pickRelay(o.smtp, &svc)
	if err != nil {
		return summary{}, err
	}
	if sk != nil {
		defer sk.close()
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return summary{}, err
	}
	suffix := make([]byte, 3)
	rand.Read(suffix)
	runID := time.Now().UTC().Format("0102t1504") + hex.EncodeToString(suffix)
	b := &bench{o: o, svc: svc, runID: runID, inbox: "nas-bench-" + runID + "@nas.test",
		res: &results{when: time.Now(), runID: runID, n: o.n, replicas: o.replicas, sites: o.sites, smtp: svc.smtpAddr, mode: o.smtp,
			loadBefore: loadAvg(), revision: revision()}}
	ctx := context.Background()

	bin, err := buildBot(o)
	if err != nil {
		return summary{}, err
	}
	initial, err := b.generate()
	if err != nil {
		return summary{}, err
	}
	env, drop, err := b.createDatabase(ctx, bin)
	if err != nil {
		return summary{}, err
	}
	if !o.keep {
		defer drop()
	}

	step("append %d requests to %s", o.n, b.inbox)
	start := time.Now()
	bytes, err := appendBacklog(svc, b.inbox, runID, b.reqs[:o.n])
	if err != nil {
		return summary{}, err
	}
	b.res.appendTook, b.res.avgMail = time.Since(start), int(bytes/int64(o.n))

	mailboxes := map[string]bool{}
	for _, s := range initial {
		mailboxes[s.mailbox] = true
	}
	b.w = newWatcher(svc.mailRoot, slices.Sorted(maps.Keys(mailboxes)), "<floor-"+runID+"-")
	b.w.sink = sk
	for i := range b.reqs {
		b.w.expect(messageID(runID, i), i)
	}
	if !o.keep {
		defer func() {
			b.w.removeOurs()
			os.RemoveAll(filepath.Join(svc.mailRoot, b.inbox))
		}()
	}
	if err := b.measureFloor(ctx); err != nil {
		return summary{}, fmt.Errorf("floor: %w", err)
	}

	bot, err := startBots(o, svc, bin, env, b.inbox)
	if err != nil {
		return summary{}, err
	}
	defer bot.stop()
	if err := b.drain(bot); err != nil {
		return summary{}, err
	}
	if len(b.reqs) > o.n {
		step("steady: %d requests at %g/s", len(b.reqs)-o.n, o.rate)
		bot.prof.take(2*time.Second, "/debug/pprof/trace?seconds=5", "trace-steady.out")
		if err := b.steady(bot); err != nil {
			return summary{}, err
		}
	}
	bot.prof.wait()
	b.res.loadAfter = loadAvg()
	b.res.hwmKB = bot.hwm()
	b.res.botCPU = bot.cpu()
	b.res.extraReplies = b.w.extra
	if b.res.outcomes, err = outcomes(ctx, b.dsn); err != nil {
		return summary{}, err
	}
	if err := b.stageTimes(ctx); err != nil {
		return summary{}, err
	}
	return report(b.res, o)
}

// pickRelay points svc at the relay of -smtp: services.sh's Exim, a sink started here (returned,
// for the caller to close), or HOST:PORT.
func pickRelay(mode string, svc *services) (*sink, error) {
	switch mode {
	case "exim", "":
		return nil, nil
	case "sink":
		sk, err := startSink()
		if err != nil {
			return nil, err
		}
		svc.smtpAddr = sk.addr
		return sk, nil
	default:
		svc.smtpAddr = mode
		return nil, nil
	}
}

// createDatabase makes the run's fresh database and imports the generated directory into it; it
// returns the bot's environment (its database URL with -pg-params) and how to drop the database.
func (b *bench) createDatabase(ctx context.Context, bin string) ([]string, func(), error) {
	var drop func()
	var err error
	b.dbName = "nasbot_bench_" + b.runID
	if b.dsn, drop, err = createDatabase(ctx, b.svc.pgURL, b.dbName); err != nil {
		return nil, nil, err
	}
	botDSN := b.dsn
	if b.o.pgParams != "" {
		sep := "?"
		if strings.Contains(botDSN, "?") {
			sep = "&"
		}
		botDSN += sep + b.o.pgParams
	}
	env := append(os.Environ(), "NASBOT_DATABASE_URL="+botDSN)
	imp := exec.Command(bin, "directory", "import", filepath.Join(b.o.out, "directory"))
	imp.Env = env
	if out, err := imp.CombinedOutput(); err != nil {
		if !b.o.keep {
			drop()
		}
		return nil, nil, fmt.Errorf("nasbot directory import: %v\n%s", err, out)
	}
	return env, drop, nil
}

// buildBot builds the bot under test into -out, unless -bot names one.
func buildBot(o options) (string, error) {
	switch {
	case o.profile:
		step("build the bot with net/http/pprof")
		return buildProfiled(o.root, o.out)
	case o.bot != "":
		return o.bot, nil
	}
	bin := filepath.Join(o.out, "nasbot")
	step("build %s", bin)
	build := exec.Command("go", "build", "-o", bin, "./cmd/nasbot")
	build.Dir = o.root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// generate makes the directory (written to -out/directory) and the requests for the backlog
// and the steady part, in the order they will be decided; it returns the sites as imported.
func (b *bench) generate() ([]initialSite, error) {
	steadyN := int(b.o.rate * b.o.duration.Seconds())
	b.res.steadyN = steadyN
	g := newGenerator(b.o.seed, b.o.sites)
	initial := snapshot(g.sites)
	b.reqs = make([]request, b.o.n+steadyN)
	for i := range b.reqs {
		b.reqs[i] = g.nextRequest()
	}
	if err := writeDirectory(filepath.Join(b.o.out, "directory"), initial); err != nil {
		return nil, err
	}
	for _, s := range initial {
		b.res.accounts += len(s.people)
	}
	step("directory: %d sites, %d accounts; %d requests", len(initial), b.res.accounts, len(b.reqs))
	return initial, nil
}

// revision names the code under test: the commit, "+changes" when the work tree differs from it.
func revision() string {
	head, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(head))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		rev += "+changes"
	}
	return rev
}

// step prints progress on stderr, so that stdout holds only the table.
func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
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

// measureFloor times the bare clients (floor.go) on the backlog, before the bot starts.
func (b *bench) measureFloor(ctx context.Context) error {
	n, res, svc := b.o.n, b.res, b.svc
	step("floor: imap fetch of %d messages", n)
	took, got, _, err := floorIMAP(svc.imapAddr, b.inbox, svc.password)
	if err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("imap fetched %d messages, want %d", got, n)
	}
	res.floorIMAP = took

	step("floor: smtp send of %d replies", n)
	to := make([]string, n)
	for i, r := range b.reqs[:n] {
		to[i] = r.site.mailbox
	}
	start := time.Now()
	took, err = floorSMTP(svc.smtpAddr, b.inbox, to, func(i int) []byte { return floorMail(b.runID, i, b.inbox, to[i]) })
	if err != nil {
		return err
	}
	res.floorSMTP = took
	err = waitFor(b.w, nil, func() {}, time.Now().Add(5*time.Minute), func() bool { return len(b.w.floor) == n })
	if err != nil {
		return fmt.Errorf("smtp: %d of %d mails delivered: %w", len(b.w.floor), n, err)
	}
	for _, at := range b.w.floor {
		res.floorDelivered = max(res.floorDelivered, at.Sub(start))
	}

	step("floor: %d postgresql transactions", n)
	res.floorPG, err = floorPG(ctx, b.dsn, n)
	return err
}
