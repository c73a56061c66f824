package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// summary is one run's headline figures: the side-by-side table of `-smtp both` and, as
// summary.json in -out, what bench/peer prints next to Request Tracker's.
type summary struct {
	Mode       string  `json:"mode"` // exim, sink or the relay's address
	Replicas   int     `json:"replicas"`
	When       string  `json:"when"`
	Revision   string  `json:"revision"`
	LoadBefore string  `json:"load_before"`
	LoadAfter  string  `json:"load_after"`
	N          int     `json:"n"`
	DrainS     float64 `json:"drain_s"`
	Rate       float64 `json:"backlog_rate"`       // requests decided and accepted by the relay a second
	CPUms      float64 `json:"cpu_ms_per_request"` // bot CPU during the drain over N
	CPUmsRun   float64 `json:"cpu_ms_per_request_after_startup"`
	DBCPUms    float64 `json:"db_cpu_ms_per_request"` // its PostgreSQL backends during the drain over N
	Busy       float64 `json:"machine_busy"`          // share of both CPUs in use during the drain
	FloorIMAPS float64 `json:"floor_imap_s"`
	FloorSMTPS float64 `json:"floor_smtp_s"`
	FloorPGS   float64 `json:"floor_pg_s"`
	FloorS     float64 `json:"floor_s"`
	OverFloor  float64 `json:"bot_over_floor"`
	SteadyN    int     `json:"steady_n"`
	SteadyRate float64 `json:"steady_rate"`
	P50ms      float64 `json:"steady_p50_ms"`
	P99ms      float64 `json:"steady_p99_ms"`
	InboxMs    float64 `json:"stage_inbox_to_decision_ms"` // medians of the steady part
	DecideMs   float64 `json:"stage_decision_to_relay_ms"`
	RelayMs    float64 `json:"stage_relay_to_mailbox_ms"`
	AddedP50ms float64 `json:"bot_added_p50_ms"` // decision begins → relay accepts, steady part
	AddedP99ms float64 `json:"bot_added_p99_ms"`
	DecideP50  float64 `json:"deciding_p50_ms"` // the bot-added stage split, from the bot's log
	DecideP99  float64 `json:"deciding_p99_ms"`
	SendP50    float64 `json:"sending_p50_ms"`
	SendP99    float64 `json:"sending_p99_ms"`
	RSSMB      float64 `json:"peak_rss_mb"`

	res *results // for the stage plot
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// summarise takes the headline figures out of one run's results.
func summarise(r *results, out string) summary {
	floor := r.floorIMAP + r.floorDelivered + r.floorPG
	s := summary{Mode: r.mode, Replicas: r.replicas, When: r.when.UTC().Format(time.RFC3339), Revision: r.revision,
		LoadBefore: r.loadBefore, LoadAfter: r.loadAfter, N: r.n, DrainS: r.drain.Seconds(),
		Rate: float64(r.n) / r.drain.Seconds(), CPUms: msf(r.drainCPU) / float64(r.n), DBCPUms: msf(r.drainDBCPU) / float64(r.n), Busy: r.machineBusy,
		FloorIMAPS: r.floorIMAP.Seconds(), FloorSMTPS: r.floorDelivered.Seconds(), FloorPGS: r.floorPG.Seconds(),
		FloorS: floor.Seconds(), OverFloor: r.drain.Seconds() / floor.Seconds(),
		SteadyN: r.steadyN, SteadyRate: r.steadyRate, RSSMB: float64(r.hwmKB) / 1024, res: r}
	if m, ok := marginalCPU(r); ok {
		s.CPUmsRun = msf(m)
	}
	if r.steadyN > 0 {
		s.P50ms, s.P99ms = msf(percentile(r.steady, 50)), msf(percentile(r.steady, 99))
		if a, b, c, ok := steadyStages(r); ok {
			s.InboxMs, s.DecideMs, s.RelayMs = msf(a), msf(b), msf(c)
		}
		added := botAdded(r)
		s.AddedP50ms, s.AddedP99ms = msf(percentile(added, 50)), msf(percentile(added, 99))
		if dec, snd, err := logSplit(out, r.steadyStart); err == nil {
			s.DecideP50, s.DecideP99 = msf(percentile(dec, 50)), msf(percentile(dec, 99))
			s.SendP50, s.SendP99 = msf(percentile(snd, 50)), msf(percentile(snd, 99))
		}
	}
	return s
}

// marginalCPU is the bot's CPU per request from the first replies seen to the end of the drain.
func marginalCPU(r *results) (time.Duration, bool) {
	if r.repliesAtFirst == 0 || r.repliesAtFirst >= r.n {
		return 0, false
	}
	return (r.drainCPU - r.cpuAtFirst) / time.Duration(r.n-r.repliesAtFirst), true
}

// botAdded is, for each steady request, the time from the bot beginning its decision to the
// relay accepting the reply, as the bot recorded them (processed_at, sent_at).
func botAdded(r *results) []point {
	var ps []point
	for k := range r.arrived {
		if st, ok := r.stages[r.n+k]; ok {
			ps = append(ps, point{latency: st.sent.Sub(st.decided)})
		}
	}
	return ps
}

// compare writes every mode's summary to -out/summary.json and, for more than one mode, prints
// them side by side (also in -out/compare.txt).
func compare(all []summary, out string) error {
	j, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "summary.json"), j, 0o644); err != nil {
		return err
	}
	if err := plotStages(filepath.Join(out, "stages.png"), all); err != nil {
		return err
	}
	if len(all) < 2 {
		return nil
	}
	var b bytes.Buffer
	t := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(name string, cell func(s summary) string) {
		cells := []string{name}
		for _, s := range all {
			cells = append(cells, cell(s))
		}
		fmt.Fprintln(t, strings.Join(cells, "\t")+"\t")
	}
	f := func(format string, v func(s summary) float64) func(s summary) string {
		return func(s summary) string { return fmt.Sprintf(format, v(s)) }
	}
	fmt.Fprintf(&b, "\nSIDE BY SIDE (same seed, same N, one mode after the other; load average before each: %s)\n", loads(all))
	row("relay", func(s summary) string { return s.Mode })
	row("bot replicas", f("%.0f", func(s summary) float64 { return float64(s.Replicas) }))
	row("backlog N", f("%.0f", func(s summary) float64 { return float64(s.N) }))
	row("drain time", f("%.2f s", func(s summary) float64 { return s.DrainS }))
	row("backlog rate", f("%.1f req/s", func(s summary) float64 { return s.Rate }))
	row("bot CPU per request", f("%.2f ms", func(s summary) float64 { return s.CPUms }))
	row("  after start-up", f("%.2f ms", func(s summary) float64 { return s.CPUmsRun }))
	row("its PostgreSQL's CPU per request", f("%.2f ms", func(s summary) float64 { return s.DBCPUms }))
	row("machine CPU busy", f("%.0f %%", func(s summary) float64 { return 100 * s.Busy }))
	row("floor imap+smtp+pg", func(s summary) string {
		return fmt.Sprintf("%.1f+%.1f+%.1f s", s.FloorIMAPS, s.FloorSMTPS, s.FloorPGS)
	})
	row("floor rate", f("%.1f req/s", func(s summary) float64 { return float64(s.N) / s.FloorS }))
	row("bot / floor", f("%.2f×", func(s summary) float64 { return s.OverFloor }))
	row("steady p50 / p99", func(s summary) string { return fmt.Sprintf("%.0f / %.0f ms", s.P50ms, s.P99ms) })
	row("median inbox→decision", f("%.0f ms", func(s summary) float64 { return s.InboxMs }))
	row("median decision→relay", f("%.0f ms", func(s summary) float64 { return s.DecideMs }))
	row("median relay→mailbox", f("%.0f ms", func(s summary) float64 { return s.RelayMs }))
	row("bot-added p50 / p99", func(s summary) string { return fmt.Sprintf("%.0f / %.0f ms", s.AddedP50ms, s.AddedP99ms) })
	row("  of which deciding", func(s summary) string { return fmt.Sprintf("%.0f / %.0f ms", s.DecideP50, s.DecideP99) })
	row("  of which sending", func(s summary) string { return fmt.Sprintf("%.0f / %.0f ms", s.SendP50, s.SendP99) })
	row("peak RSS", f("%.1f MB", func(s summary) float64 { return s.RSSMB }))
	t.Flush()
	fmt.Print(b.String())
	return os.WriteFile(filepath.Join(out, "compare.txt"), b.Bytes(), 0o644)
}

func loads(all []summary) string {
	var l []string
	for _, s := range all {
		l = append(l, s.Mode+" "+s.LoadBefore)
	}
	return strings.Join(l, "; ")
}
