// Command peer measures Request Tracker 5, the mail-to-ticket system a NAS would otherwise pick,
// on the same generated request mail as nasbot's load run (issue 18), and prints its figures
// next to the bot's from bench/load's summary.json.
//
//	bash bench/peer/rt.sh install
//	go -C bench run ./load -emit out/peer/mail -n 520
//	go -C bench run ./peer -mail out/peer/mail -bot out/peer/bot/summary.json -p 1,2,4
//
// For each concurrency P: a fresh RT database (rt.sh start), 20 mails to warm RT up, then the
// rest fed to `rt-mailgate --action correspond`, one process a mail with the mail on stdin, P at
// a time; tickets counted by Message-ID in RT's database; rt.sh stop. CPU a message is summed
// over the mailgate processes, rt-server's process tree and RT's PostgreSQL backends.
// `make bench-peer` runs it all.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
)

type options struct {
	mail     string
	bot      string
	ps       string
	warm     int
	out      string
	mailgate string
	rtsh     string
}

func main() {
	var o options
	flag.StringVar(&o.mail, "mail", "out/peer/mail", "folder of the generated mails (bench/load -emit)")
	flag.StringVar(&o.bot, "bot", "out/peer/bot/summary.json", "the bot's figures from the same run (bench/load summary.json files, comma-separated)")
	flag.StringVar(&o.ps, "p", "1,2,4", "concurrencies to measure, comma-separated")
	flag.IntVar(&o.warm, "warm", 20, "mails fed first to warm RT up, not measured")
	flag.StringVar(&o.out, "out", "out/peer", "where results.txt goes")
	flag.StringVar(&o.mailgate, "mailgate", "rt-mailgate", "RT's mail gateway")
	flag.StringVar(&o.rtsh, "rtsh", "bench/peer/rt.sh", "the script that starts and stops RT")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
}

// rtCase is one concurrency's measurement.
type rtCase struct {
	p         int
	n, ok     int // mails fed, mailgate exits 0
	tickets   int // distinct fed Message-IDs RT recorded
	took      time.Duration
	gateCPU   time.Duration // the mailgate processes
	serverCPU time.Duration // rt-server's process tree
	dbCPU     time.Duration // RT's PostgreSQL backends
	lat       []time.Duration
	load      string
}

func (c rtCase) rate() float64 { return float64(c.n) / c.took.Seconds() }
func (c rtCase) cpuMs() float64 {
	return float64(c.gateCPU+c.serverCPU+c.dbCPU) / float64(time.Millisecond) / float64(c.n)
}

func run(o options) error {
	files, err := filepath.Glob(filepath.Join(o.mail, "*.eml"))
	if err != nil || len(files) <= o.warm {
		return fmt.Errorf("need more than %d mails in %s (bench/load -emit): %v", o.warm, o.mail, err)
	}
	slices.Sort(files)
	var ps []int
	for f := range strings.SplitSeq(o.ps, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || p < 1 {
			return fmt.Errorf("-p: %q", o.ps)
		}
		ps = append(ps, p)
	}
	var cases []rtCase
	for _, p := range ps {
		c, err := measure(o, files, p)
		if err != nil {
			return fmt.Errorf("at concurrency %d: %w", p, err)
		}
		cases = append(cases, c)
	}
	return report(o, cases)
}

// measure runs one case on a fresh RT.
func measure(o options, files []string, p int) (rtCase, error) {
	if out, err := exec.Command("bash", o.rtsh, "start").CombinedOutput(); err != nil {
		return rtCase{}, fmt.Errorf("rt.sh start: %v\n%s", err, out)
	}
	defer func() {
		if out, err := exec.Command("bash", o.rtsh, "stop").CombinedOutput(); err != nil {
			step("rt.sh stop: %v\n%s", err, out)
		}
	}()
	env, err := rtEnv(o.rtsh)
	if err != nil {
		return rtCase{}, err
	}
	serverPID, err := strconv.Atoi(env["RT_SERVER_PID"])
	if err != nil {
		return rtCase{}, fmt.Errorf("rt-server PID: %q", env["RT_SERVER_PID"])
	}
	step("P=%d: warm up with %d mails", p, o.warm)
	if _, err := feed(o, env["RT_URL"], files[:o.warm], min(p, 2)); err != nil {
		return rtCase{}, err
	}
	measured := files[o.warm:]
	step("P=%d: %d mails through %s", p, len(measured), o.mailgate)
	c := rtCase{p: p, n: len(measured), load: loadAvg()}
	server0, db0 := treeCPU(serverPID), backendCPU()
	start := time.Now()
	res, err := feed(o, env["RT_URL"], measured, p)
	if err != nil {
		return c, err
	}
	c.took = time.Since(start)
	c.serverCPU, c.dbCPU = treeCPU(serverPID)-server0, backendCPU()-db0
	for _, r := range res {
		c.gateCPU += r.cpu
		c.lat = append(c.lat, r.took)
		if r.err == nil {
			c.ok++
		}
	}
	if c.tickets, err = countTickets(env["RT_PG_URL"], measured); err != nil {
		return c, err
	}
	step("P=%d: %.1f msg/s, %.0f ms CPU a message, %d of %d recorded (load %s)", p, c.rate(), c.cpuMs(), c.tickets, c.n, c.load)
	return c, nil
}

// rtEnv reads `rt.sh env`.
func rtEnv(rtsh string) (map[string]string, error) {
	out, err := exec.Command("bash", rtsh, "env").Output()
	if err != nil {
		return nil, fmt.Errorf("rt.sh env: %w", err)
	}
	env := map[string]string{}
	for line := range strings.SplitSeq(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env, nil
}

type gateResult struct {
	took, cpu time.Duration
	err       error
}

// feed runs one rt-mailgate a mail, p at a time, and waits for all of them.
func feed(o options, url string, files []string, p int) ([]gateResult, error) {
	res := make([]gateResult, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range p {
		wg.Go(func() {
			for i := range next {
				res[i] = gate(o.mailgate, url, files[i])
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	failed := 0
	var first error
	for _, r := range res {
		if r.err != nil {
			failed++
			first = cmp(first, r.err)
		}
	}
	if failed > len(files)/10 {
		return res, fmt.Errorf("%d of %d mailgates failed, e.g. %w", failed, len(files), first)
	}
	return res, nil
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// gate feeds one mail to RT the way an MTA's alias would.
func gate(mailgate, url, file string) gateResult {
	f, err := os.Open(file)
	if err != nil {
		return gateResult{err: err}
	}
	defer f.Close()
	cmd := exec.Command(mailgate, "--queue", "General", "--action", "correspond", "--url", url, "--timeout", "120")
	cmd.Stdin = f
	var msg strings.Builder
	cmd.Stdout, cmd.Stderr = &msg, &msg
	start := time.Now()
	err = cmd.Run()
	r := gateResult{took: time.Since(start)}
	if cmd.ProcessState != nil {
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		r.err = fmt.Errorf("%s: %v: %s", filepath.Base(file), err, strings.TrimSpace(msg.String()))
	}
	return r
}

// countTickets counts the fed mails whose Message-ID RT stored.
func countTickets(dsn string, files []string) (int, error) {
	var ids []string
	for _, f := range files {
		id, err := messageID(f)
		if err != nil {
			return 0, err
		}
		ids = append(ids, strings.Trim(id, "<>"))
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(context.Background(),
		`SELECT count(DISTINCT a.MessageId) FROM Attachments a JOIN Transactions t ON t.id = a.TransactionId
		 WHERE t.ObjectType = 'RT::Ticket' AND t.Type = 'Create' AND a.MessageId = ANY($1)`, pq.Array(ids)).Scan(&n)
	return n, err
}

func messageID(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h, err := textproto.NewReader(bufio.NewReader(f)).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return "", err
	}
	if id := strings.TrimSpace(h.Get("Message-Id")); id != "" {
		return id, nil
	}
	return "", errors.New(file + ": no Message-ID")
}

// botSummary is what bench/load's summary.json says of one relay mode.
type botSummary struct {
	Mode       string  `json:"mode"`
	Replicas   int     `json:"replicas"`
	LoadBefore string  `json:"load_before"`
	N          int     `json:"n"`
	Rate       float64 `json:"backlog_rate"`
	CPUms      float64 `json:"cpu_ms_per_request"`
	CPUmsRun   float64 `json:"cpu_ms_per_request_after_startup"`
	DBCPUms    float64 `json:"db_cpu_ms_per_request"`
	FloorS     float64 `json:"floor_s"`
	P50ms      float64 `json:"steady_p50_ms"`
	AddedP50ms float64 `json:"bot_added_p50_ms"`
	AddedP99ms float64 `json:"bot_added_p99_ms"`
	RSSMB      float64 `json:"peak_rss_mb"`
}

func (s botSummary) name() string {
	if s.Replicas > 1 {
		return fmt.Sprintf("bot (%s, %d replicas)", s.Mode, s.Replicas)
	}
	return "bot (" + s.Mode + ")"
}

func report(o options, cases []rtCase) error {
	var bots []botSummary
	for f := range strings.SplitSeq(o.bot, ",") {
		var more []botSummary
		if b, err := os.ReadFile(f); err != nil {
			step("no bot figures in %s (%v)", f, err)
		} else if err := json.Unmarshal(b, &more); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		bots = append(bots, more...)
	}
	best := cases[0]
	for _, c := range cases {
		if c.rate() > best.rate() {
			best = c
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "nasbot and Request Tracker 5 on the same generated mail, %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "%-22s %12s %14s %14s  %s\n", "", "rate", "CPU a message", "latency p50", "load average (1, 5, 15 min) before")
	fmt.Fprintf(&b, "%-22s %12s %14s %14s\n", "", "", "(with its db)", "(bot: steady, inbox → reply; RT: one mailgate)")
	for _, s := range bots {
		fmt.Fprintf(&b, "%-22s %8.1f /s %11.2f ms %11.0f ms  %s   (backlog of %d; CPU bot/db %.2f/%.2f ms; bot-added %0.f/%0.f ms p50/p99)\n",
			s.name(), s.Rate, s.CPUms+s.DBCPUms, s.P50ms, s.LoadBefore, s.N, s.CPUms, s.DBCPUms, s.AddedP50ms, s.AddedP99ms)
	}
	for _, s := range bots {
		if s.Replicas > 1 {
			continue
		}
		fmt.Fprintf(&b, "%-22s %8.1f /s %14s %14s  %s   (bare clients, one connection each)\n",
			"floor ("+s.Mode+")", float64(s.N)/s.FloorS, "—", "—", s.LoadBefore)
	}
	for _, c := range cases {
		lat := slices.Clone(c.lat)
		slices.Sort(lat)
		fmt.Fprintf(&b, "%-22s %8.1f /s %11.0f ms %11.0f ms  %s   (%d mails, %d tickets; CPU gate/server/db %.0f/%.0f/%.0f ms)\n",
			fmt.Sprintf("RT 5, P=%d", c.p), c.rate(), c.cpuMs(), float64(lat[len(lat)/2])/1e6, c.load, c.n, c.tickets,
			ms(c.gateCPU)/float64(c.n), ms(c.serverCPU)/float64(c.n), ms(c.dbCPU)/float64(c.n))
	}
	for _, s := range bots {
		if s.Mode == "sink" {
			fmt.Fprintf(&b, "%s / RT best (P=%d): %.1f× the rate (target ≥ 20×), %.0f× less CPU a message with the database\n",
				s.name(), best.p, s.Rate/best.rate(), best.cpuMs()/(s.CPUms+s.DBCPUms))
		}
	}
	fmt.Print(b.String())
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.out, "results.txt"), []byte(b.String()), 0o644)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// treeCPU is the CPU time so far of every process in the group led by pid (rt-server, started
// by rt.sh with setsid), including their reaped children.
func treeCPU(pgid int) time.Duration {
	var total time.Duration
	for _, st := range procStats() {
		if st.pgid == pgid {
			total += st.cpu
		}
	}
	return total
}

// backendCPU is the CPU time so far of PostgreSQL's backends serving RT's database.
func backendCPU() time.Duration {
	var total time.Duration
	for _, st := range procStats() {
		if strings.HasPrefix(st.cmdline, "postgres: rt_bench rt5 ") {
			total += st.cpu
		}
	}
	return total
}

type procStat struct {
	pgid    int
	cpu     time.Duration // utime+stime+cutime+cstime
	cmdline string
}

func procStats() []procStat {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out []procStat
	for _, d := range dirs {
		b, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		_, rest, _ := strings.Cut(string(b), ") ")
		f := strings.Fields(rest) // f[0] is field 3 (state)
		if len(f) < 15 {
			continue
		}
		pgid, _ := strconv.Atoi(f[2])
		var ticks int64
		for _, k := range []int{11, 12, 13, 14} { // utime, stime, cutime, cstime
			v, _ := strconv.ParseInt(f[k], 10, 64)
			ticks += v
		}
		cl, _ := os.ReadFile(d + "/cmdline")
		out = append(out, procStat{pgid: pgid, cpu: time.Duration(ticks) * time.Second / 100,
			cmdline: strings.TrimRight(strings.ReplaceAll(string(cl), "\x00", " "), " ")})
	}
	return out
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s peer: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}
