package main

import (
	"bytes"
	"fmt"
	"image/color"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// results is everything one run measured.
type results struct {
	when             time.Time
	runID            string
	smtp             string
	mode             string // -smtp: exim, sink or an address
	replicas         int
	steadyStart      time.Time
	revision         string
	loadBefore       string // /proc/loadavg: other work on the machine skews every figure
	loadAfter        string
	n, steadyN       int
	sites, accounts  int
	avgMail          int
	appendTook       time.Duration
	floorIMAP        time.Duration
	floorSMTP        time.Duration // until the server accepted the last mail
	floorDelivered   time.Duration // until the last mail was in its maildir
	floorPG          time.Duration
	t0               time.Time // the bot's start
	drain            time.Duration
	drainCPU, botCPU time.Duration
	drainDBCPU       time.Duration // the PostgreSQL backends serving the run's database
	cpuAtFirst       time.Duration // bot CPU when the first replies were seen
	repliesAtFirst   int
	machineBusy      float64
	backlog, steady  []point
	steadyRate       float64
	replyBytes       int64
	extraReplies     int
	hwmKB            int64
	stages           map[int]stage // by request index
	arrived          []time.Time   // steady: when each request was in the inbox
	delivered        []time.Time   // steady: when its reply was in the mailbox
	rss              []rssSample
	outcomes         map[string]int
}

// stage is what the bot's database says of one request: when its decision began and when the
// relay accepted its reply.
type stage struct{ decided, sent time.Time }

// point is one reply: when it was delivered (since the bot's start) and its latency. Backlog
// requests were all in the inbox at the bot's start, so their latency is the delivery time.
type point struct{ at, latency time.Duration }

type rssSample struct {
	at time.Duration
	kb int64
}

// percentile is the nearest-rank percentile (p in 0..100) of the points' latencies.
func percentile(ps []point, p float64) time.Duration {
	if len(ps) == 0 {
		return 0
	}
	l := make([]time.Duration, len(ps))
	for i, x := range ps {
		l[i] = x.latency
	}
	slices.Sort(l)
	k := int(p/100*float64(len(l))+0.999999) - 1
	return l[min(max(k, 0), len(l)-1)]
}

func report(r *results, o options) (summary, error) {
	var b bytes.Buffer
	floor := r.floorIMAP + r.floorDelivered + r.floorPG
	ratio := r.drain.Seconds() / floor.Seconds()
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
	sec := func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

	fmt.Fprintf(&b, "nasbot end-to-end load run %s (run %s), code %s\n", r.when.UTC().Format(time.RFC3339), r.runID, r.revision)
	fmt.Fprintf(&b, "machine: %d CPUs (%s), %s, %s\n", runtime.NumCPU(), cpuModel(), memTotal(), runtime.Version())
	fmt.Fprintf(&b, "load average before/after: %s / %s; smtp relay %s (%s)\n", r.loadBefore, r.loadAfter, r.mode, r.smtp)
	fmt.Fprintf(&b, "bot replicas: %d (CPU summed over them, peak RSS the largest one's)\n", r.replicas)
	fmt.Fprintf(&b, "load: %d sites, %d accounts; %d backlog + %d steady requests, %d bytes each on average\n\n",
		r.sites, r.accounts, r.n, r.steadyN, r.avgMail)

	t := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	row := func(cells ...string) { fmt.Fprintln(t, strings.Join(cells, "\t")) }
	dest := "its Dovecot mailbox"
	if r.mode == "sink" {
		dest = "the sink (accepted, discarded)"
	}
	row("BACKLOG", "", "")
	row("  requests (N)", fmt.Sprint(r.n), "")
	row("  APPENDed in", sec(r.appendTook), "before the bot starts")
	row("  drain time", sec(r.drain), "bot start → last reply in "+dest+"; target < 60 s: "+verdict(r.drain < time.Minute))
	row("  throughput", fmt.Sprintf("%.0f req/s", float64(r.n)/r.drain.Seconds()), "")
	row("  reply time p50/p95/p99", sec(percentile(r.backlog, 50))+" / "+sec(percentile(r.backlog, 95))+" / "+sec(percentile(r.backlog, 99)), "since the bot's start")
	row("  machine CPU busy", fmt.Sprintf("%.0f %%", 100*r.machineBusy), "all processes, both CPUs, during the drain")
	row("  bot CPU", sec(r.drainCPU), fmt.Sprintf("user+sys; %.2f ms per request", float64(r.drainCPU)/float64(time.Millisecond)/float64(r.n)))
	row("  its database's CPU", sec(r.drainDBCPU), fmt.Sprintf("PostgreSQL backends (excluding the floor's); %.2f ms per request", msf(r.drainDBCPU)/float64(r.n)))
	if m, ok := marginalCPU(r); ok {
		row("  bot CPU after start-up", fmt.Sprintf("%.2f ms", msf(m)), fmt.Sprintf("per request, from the first %d replies seen to the last; target ≤ 3 ms: %s", r.repliesAtFirst, verdict(m <= 3*time.Millisecond)))
	}
	if last, ok := backlogStages(r); ok {
		row("  last decided / sent", last, "since the bot's start (bot's database), then delivered: drain time")
	}
	row("FLOOR", "", "bare clients, same N, one connection each")
	row("  imap fetch", sec(r.floorIMAP), "UID FETCH BODY.PEEK[] in batches of 100")
	row("  smtp send", sec(r.floorDelivered), fmt.Sprintf("until the last one is in %s (server accepted all in %s)", dest, sec(r.floorSMTP)))
	row("  postgresql", sec(r.floorPG), "INSERT + COMMIT per transaction")
	row("  floor (sum)", sec(floor), "")
	row("  bot / floor", fmt.Sprintf("%.2f×", ratio), "target ≤ 2×: "+verdict(ratio <= 2))
	if r.steadyN > 0 {
		p50, p95, p99 := percentile(r.steady, 50), percentile(r.steady, 95), percentile(r.steady, 99)
		row("STEADY", "", "")
		row("  requests", fmt.Sprintf("%d at %.1f/s", r.steadyN, r.steadyRate), "APPENDed while the bot idles in IDLE")
		row("  latency p50/p95/p99", ms(p50)+" / "+ms(p95)+" / "+ms(p99), "in the inbox → reply in "+dest)
		row("  targets", "", "p50 < 300 ms: "+verdict(p50 < 300*time.Millisecond)+"; p99 < 1 s: "+verdict(p99 < time.Second))
		if a, b, c, ok := steadyStages(r); ok {
			row("  median stages", ms(a)+" + "+ms(b)+" + "+ms(c), "inbox → decision begins → relay accepts → in "+dest)
		}
		added := botAdded(r)
		a50, a99 := percentile(added, 50), percentile(added, 99)
		row("  bot-added p50/p99", ms(a50)+" / "+ms(a99), "decision begins → relay accepts; targets p50 < 30 ms: "+
			verdict(a50 < 30*time.Millisecond)+", p99 < 150 ms: "+verdict(a99 < 150*time.Millisecond))
		if dec, snd, err := logSplit(o.out, r.steadyStart); err == nil && len(dec) > 0 {
			row("    of which deciding", ms(percentile(dec, 50))+" / "+ms(percentile(dec, 99)), "p50/p99, the decision's own time (bot log: took)")
			row("    of which sending", ms(percentile(snd, 50))+" / "+ms(percentile(snd, 99)), "p50/p99, its commit → the relay accepted the reply (bot log)")
		}
	}
	row("BOT PROCESS", "", "")
	row("  peak RSS (VmHWM)", fmt.Sprintf("%.1f MB", float64(r.hwmKB)/1024), "target < 150 MB: "+verdict(r.hwmKB < 150*1024))
	row("  CPU, whole run", sec(r.botCPU), fmt.Sprintf("(this load program: %s, mostly generating and APPENDing)", sec(procCPU(os.Getpid()))))
	row("  reply size", fmt.Sprintf("%d bytes", r.replyBytes), "average, as Dovecot stores it")
	var oc []string
	for _, k := range slices.Sorted(maps.Keys(r.outcomes)) {
		oc = append(oc, fmt.Sprintf("%s %d", k, r.outcomes[k]))
	}
	row("  recorded", strings.Join(oc, ", "), "")
	if r.extraReplies > 0 {
		row("  extra replies", fmt.Sprint(r.extraReplies), "more than one reply to a request")
	}
	t.Flush()
	text := regexp.MustCompile(`(?m) +$`).ReplaceAll(b.Bytes(), nil)

	fmt.Print(string(text))
	if err := os.WriteFile(filepath.Join(o.out, "results.txt"), text, 0o644); err != nil {
		return summary{}, err
	}
	if err := writeLatencies(filepath.Join(o.out, "latency.csv"), r); err != nil {
		return summary{}, err
	}
	return summarise(r, o.out), plotRun(filepath.Join(o.out, "latency.png"), r)
}

// backlogStages tells when the bot began its last decision and sent its last reply.
func backlogStages(r *results) (string, bool) {
	var decided, sent time.Duration
	for i := range r.n {
		st, ok := r.stages[i]
		if !ok {
			return "", false
		}
		decided, sent = max(decided, st.decided.Sub(r.t0)), max(sent, st.sent.Sub(r.t0))
	}
	return fmt.Sprintf("%.2f s / %.2f s", decided.Seconds(), sent.Seconds()), true
}

// steadyStages is the median time of each stage of the steady requests.
func steadyStages(r *results) (toDecide, toSend, toDeliver time.Duration, ok bool) {
	var a, b, c []time.Duration
	for k, arrived := range r.arrived {
		st, found := r.stages[r.n+k]
		if !found {
			return 0, 0, 0, false
		}
		a = append(a, st.decided.Sub(arrived))
		b = append(b, st.sent.Sub(st.decided))
		c = append(c, r.delivered[k].Sub(st.sent))
	}
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	if len(a) == 0 {
		return 0, 0, 0, false
	}
	return median(a), median(b), median(c), true
}

func writeLatencies(path string, r *results) error {
	var b strings.Builder
	b.WriteString("phase,delivered_s,latency_ms\n")
	for _, p := range r.backlog {
		fmt.Fprintf(&b, "backlog,%.3f,%.1f\n", p.at.Seconds(), float64(p.latency)/1e6)
	}
	for _, p := range r.steady {
		fmt.Fprintf(&b, "steady,%.3f,%.1f\n", p.at.Seconds(), float64(p.latency)/1e6)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// plotRun draws three panels over the run's time line: each reply's latency (log scale),
// replies delivered per second, and the bot's resident memory.
func plotRun(path string, r *results) error {
	blue, orange := color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}
	lat := plot.New()
	lat.Title.Text = fmt.Sprintf("nasbot: %d-request backlog, then %d requests at %.0f/s", r.n, r.steadyN, r.steadyRate)
	lat.Y.Label.Text = "latency (s, log)"
	lat.Y.Scale, lat.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	for _, s := range []struct {
		name string
		ps   []point
		c    color.Color
	}{{"backlog (since bot start)", r.backlog, blue}, {"steady (since arrival)", r.steady, orange}} {
		if len(s.ps) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(s.ps))
		for i, p := range s.ps {
			xy[i].X, xy[i].Y = p.at.Seconds(), max(p.latency.Seconds(), 0.001)
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius = s.c, vg.Points(1)
		lat.Add(sc)
		lat.Legend.Add(s.name, sc)
	}
	lat.Legend.Top, lat.Legend.Left, lat.Legend.YOffs = true, true, -vg.Points(14)

	rate := plot.New()
	rate.Y.Label.Text = "replies / s"
	end := 0
	for _, p := range append(slices.Clone(r.backlog), r.steady...) {
		end = max(end, int(p.at.Seconds())+1)
	}
	perSecond := make(plotter.XYs, end)
	for i := range perSecond {
		perSecond[i].X = float64(i) + 0.5
	}
	for _, p := range append(slices.Clone(r.backlog), r.steady...) {
		perSecond[int(p.at.Seconds())].Y++
	}
	line, err := plotter.NewLine(perSecond)
	if err != nil {
		return err
	}
	line.Color = blue
	rate.Add(line)

	mem := plot.New()
	mem.Y.Label.Text = "bot RSS (MB)"
	mem.X.Label.Text = "seconds since the bot started"
	rss := make(plotter.XYs, len(r.rss))
	for i, s := range r.rss {
		rss[i].X, rss[i].Y = s.at.Seconds(), float64(s.kb)/1024
	}
	if len(rss) > 0 {
		l, err := plotter.NewLine(rss)
		if err != nil {
			return err
		}
		l.Color = orange
		mem.Add(l)
	}
	mem.Y.Min = 0
	for _, p := range []*plot.Plot{lat, rate, mem} {
		p.X.Min, p.X.Max = 0, float64(end)
		p.X.Tick.Marker = everyTicks(float64(end))
		p.Add(plotter.NewGrid())
	}

	img := vgimg.New(vg.Points(720), vg.Points(760))
	dc := draw.New(img)
	rows := [][]*plot.Plot{{lat}, {rate}, {mem}}
	canvases := plot.Align(rows, draw.Tiles{Rows: 3, Cols: 1, PadX: vg.Millimeter, PadY: vg.Points(12),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}, dc)
	for i := range rows {
		rows[i][0].Draw(canvases[i][0])
	}
	return writePNG(path, img)
}

func writePNG(path string, img *vgimg.Canvas) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// everyTicks labels about ten round values between 0 and max.
func everyTicks(max float64) plot.TickerFunc {
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600} {
		if step = s; max/s <= 12 {
			break
		}
	}
	return func(min, max float64) []plot.Tick {
		var ts []plot.Tick
		for v := 0.0; v <= max; v += step {
			ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprint(v)})
		}
		return ts
	}
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// loadAvg is the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	var kb int64
	fmt.Sscanf(string(b), "MemTotal: %d kB", &kb)
	return fmt.Sprintf("%.0f GiB RAM", float64(kb)/(1<<20))
}
