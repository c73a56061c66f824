package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// botProcess is the `nasbot run` under test, a child process.
type botProcess struct {
	cmd    *exec.Cmd
	pid    int
	start  time.Time     // just before exec: the drain's zero
	exited chan struct{} // closed when it has exited; err says how
	err    error
	log    string
	prof   *profiler // nil unless -profile

	replicas []*botProcess // -replicas beyond the first, on the same database and inbox
	// anyExited is closed when the first bot or any replica has exited, whyExited set before.
	anyExited chan struct{}
	whyExited error
}

// startBots starts -replicas bots; the first is the one profiled and whose exit ends the run.
func startBots(o options, svc services, bin string, env []string, inbox string) (*botProcess, error) {
	first, err := startBot(o, svc, bin, env, inbox, 1)
	if err != nil {
		return nil, err
	}
	for k := 2; k <= o.replicas; k++ {
		r, err := startBot(o, svc, bin, env, inbox, k)
		if err != nil {
			first.stop()
			return nil, err
		}
		first.replicas = append(first.replicas, r)
	}
	// A replica that dies would leave the run measuring fewer bots than it says: the first exit
	// of any of them ends the run.
	first.anyExited = make(chan struct{})
	var once sync.Once
	for _, b := range append([]*botProcess{first}, first.replicas...) {
		go func() {
			<-b.exited
			once.Do(func() {
				first.whyExited = fmt.Errorf("%s exited: %v", b.log, b.err)
				close(first.anyExited)
			})
		}()
	}
	return first, nil
}

// cpu is the user+system CPU time of every replica so far.
func (b *botProcess) cpu() time.Duration {
	t := procCPU(b.pid)
	for _, r := range b.replicas {
		t += procCPU(r.pid)
	}
	return t
}

// hwm is the largest peak RSS of one replica, in kB.
func (b *botProcess) hwm() int64 {
	kb := procStatus(b.pid, "VmHWM")
	for _, r := range b.replicas {
		kb = max(kb, procStatus(r.pid, "VmHWM"))
	}
	return kb
}

// startBot runs `bin run` on the run's inbox with its log in -out/bot.log (bot-K.log for the
// K-th replica).
func startBot(o options, svc services, bin string, env []string, inbox string, k int) (*botProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// The operators' metrics listener too: its default port would be shared by the replicas
	// (and by anyone else's bot on the machine), and the second to bind it exits.
	mport, err := freePort()
	if err != nil {
		return nil, err
	}
	name := "bot.log"
	if k > 1 {
		name = fmt.Sprintf("bot-%d.log", k)
	}
	b := &botProcess{log: filepath.Join(o.out, name), exited: make(chan struct{})}
	logFile, err := os.Create(b.log)
	if err != nil {
		return nil, err
	}
	b.cmd = exec.Command(bin, "run")
	b.cmd.Stdout, b.cmd.Stderr = logFile, logFile
	b.cmd.Env = append(env,
		"NASBOT_IMAP_URL=imap://"+url.UserPassword(inbox, svc.password).String()+"@"+svc.imapAddr+"/INBOX",
		"NASBOT_SMTP_URL=smtp://"+svc.smtpAddr+"?tls=none",
		"NASBOT_TRUST_AUTHSERV=mx.nas.test",
		"NASBOT_FROM_ADDRESS="+inbox,
		// The backlog guard and the reply circuit breaker would hold most replies for staff.
		"NASBOT_MAX_REPLY_AGE=0",
		"NASBOT_REPLIES_PER_MINUTE=1000000",
		"NASBOT_REPLIES_PER_HOUR=1000000",
		"NASBOT_LIFECYCLE_AT=off", // not part of what is measured
		"NASBOT_HTTP_ADDR=127.0.0.1:"+port,
		"NASBOT_METRICS_ADDR=127.0.0.1:"+mport)
	if o.profile && k == 1 {
		pport, err := freePort()
		if err != nil {
			logFile.Close()
			return nil, err
		}
		b.prof = &profiler{addr: "127.0.0.1:" + pport, out: o.out}
		b.cmd.Env = append(b.cmd.Env, "BENCH_PPROF_ADDR="+b.prof.addr)
	}
	step("start %s run (replica %d); drain %d requests (timeout %s)", bin, k, o.n, o.timeout)
	b.start = time.Now()
	if err := b.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	b.pid = b.cmd.Process.Pid
	go func() {
		b.err = b.cmd.Wait()
		logFile.Close()
		close(b.exited)
	}()
	// The drain's first 20 s: CPU, and an execution trace of 5 s from the 3rd second
	// (`go tool trace -pprof=net|sync|sched trace-drain.out` tells what the goroutines wait for).
	b.prof.take(time.Second, "/debug/pprof/profile?seconds=20", "cpu-drain.pprof")
	b.prof.take(3*time.Second, "/debug/pprof/trace?seconds=5", "trace-drain.out")
	if o.n >= 5000 { // late in a long drain, when the tables have grown
		b.prof.take(90*time.Second, "/debug/pprof/profile?seconds=30", "cpu-drain-late.pprof")
		b.prof.take(100*time.Second, "/debug/pprof/trace?seconds=5", "trace-drain-late.out")
	}
	return b, nil
}

// stop ends the bot and its replicas with SIGTERM, as an operator would, and kills each after 15 s.
func (b *botProcess) stop() {
	for _, r := range b.replicas {
		r.stop()
	}
	select {
	case <-b.exited:
		return
	default:
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(15 * time.Second):
		step("the bot did not stop within 15 s of SIGTERM; killing it")
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
}

// sample records the bot's resident memory now, for the plot.
func (b *botProcess) sample(res *results) func() {
	return func() { res.rss = append(res.rss, rssSample{time.Since(b.start), procStatus(b.pid, "VmRSS")}) }
}

// drain waits until every backlog request has its reply, or -timeout.
func (b *bench) drain(bot *botProcess) error {
	n, res, w := b.o.n, b.res, b.w
	busy0, total0 := cpuBusy()
	sample := bot.sample(res)
	// The CPU spent once the first replies are out leaves start-up (migrations, logins) aside.
	firstSeen := false
	markFirst := func() {
		sample()
		if got := w.countReplies(0, n); !firstSeen && got > 0 {
			firstSeen, res.cpuAtFirst, res.repliesAtFirst = true, bot.cpu(), got
		}
	}
	err := waitFor(w, bot.anyExited, markFirst, bot.start.Add(b.o.timeout), func() bool { return w.countReplies(0, n) == n })
	if err != nil {
		select {
		case <-bot.anyExited:
			err = fmt.Errorf("%w (%v)", err, bot.whyExited)
		default:
		}
		return fmt.Errorf("bot did not drain the backlog: %d of %d replies after %s: %w (log: %s)",
			w.countReplies(0, n), n, time.Since(bot.start).Round(time.Second), err, bot.log)
	}
	busy1, total1 := cpuBusy()
	res.t0 = bot.start
	res.machineBusy = float64(busy1-busy0) / float64(max(1, total1-total0))
	res.drainCPU = bot.cpu()
	res.drainDBCPU = dbBackendCPU(b.dbName)
	for i := range n {
		d := w.replies[i]
		res.backlog = append(res.backlog, point{at: d.at.Sub(bot.start), latency: d.at.Sub(bot.start)})
		res.drain = max(res.drain, d.at.Sub(bot.start))
		res.replyBytes += d.size
	}
	res.replyBytes /= int64(n)
	step("drained in %s", res.drain.Round(time.Millisecond))
	return nil
}

// steady APPENDs the requests after the backlog at -rate per second on one connection while the
// bot runs, recording when each was in the inbox, then waits for every reply.
func (b *bench) steady(bot *botProcess) error {
	c, err := dialIMAP(b.svc, b.inbox)
	if err != nil {
		return err
	}
	defer c.Close()
	first, count := b.o.n, len(b.reqs)-b.o.n
	arrived := make([]time.Time, count)
	appended := make(chan error, 1)
	interval := time.Duration(float64(time.Second) / b.o.rate)
	start := time.Now()
	b.res.steadyStart = start
	go func() {
		for k := range count {
			time.Sleep(time.Until(start.Add(time.Duration(k) * interval)))
			raw := renderMail(b.runID, first+k, b.reqs[first+k], b.inbox, time.Now())
			if err := appendMail(c, raw); err != nil {
				appended <- fmt.Errorf("steady append %d: %w", k, err)
				return
			}
			arrived[k] = time.Now()
		}
		appended <- nil
	}()
	var appendErr error
	appendDone := false
	err = waitFor(b.w, bot.anyExited, bot.sample(b.res), start.Add(b.o.duration+2*time.Minute), func() bool {
		select {
		case appendErr = <-appended:
			appendDone = true
		default:
		}
		return appendErr != nil || (appendDone && b.w.countReplies(first, first+count) == count)
	})
	if appendErr != nil {
		return appendErr
	}
	if err != nil {
		return fmt.Errorf("steady: %d of %d replies within %s of the start: %w",
			b.w.countReplies(first, first+count), count, time.Since(start).Round(time.Second), err)
	}
	res := b.res
	res.steadyRate = float64(count) / arrived[count-1].Sub(start).Seconds()
	for k, at := range arrived {
		d := b.w.replies[first+k]
		res.steady = append(res.steady, point{at: d.at.Sub(res.t0), latency: d.at.Sub(at)})
		res.arrived = append(res.arrived, at)
		res.delivered = append(res.delivered, d.at)
	}
	return nil
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
func (b *bench) stageTimes(ctx context.Context) error {
	db, err := sql.Open("postgres", b.dsn)
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
	b.res.stages = map[int]stage{}
	for rows.Next() {
		var id string
		var st stage
		if err := rows.Scan(&id, &st.decided, &st.sent); err != nil {
			return err
		}
		if !strings.HasPrefix(id, "<") {
			id = "<" + id + ">"
		}
		if i, ok := b.w.replyTo[id]; ok {
			b.res.stages[i] = st
		}
	}
	return rows.Err()
}

// outcomes counts the requests' outcomes, the messages' verdicts and the replies' states the
// bot recorded.
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
