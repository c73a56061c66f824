package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// The bot's own log splits the bot-added stage (decision begins → relay accepts) in two: the
// decision itself, logged at its commit with how long it took, and the sender's part, from that
// commit to its "reply sent" line (woken, claimed, sent over SMTP, recorded). Text log format.
var (
	decidedLine = regexp.MustCompile(`^time=(\S+) level=INFO msg="message decided" tag=(\S+) .* took=(\S+)`)
	sentLine    = regexp.MustCompile(`^time=(\S+) level=INFO msg="smtp sender: reply sent" .* tag=(\S+)`)
)

// logSplit is, for the messages decided at or after from, each decision's duration and the
// time from its commit to the relay accepting its reply.
func logSplit(out string, from time.Time) (decide, send []point, err error) {
	logs, err := filepath.Glob(filepath.Join(out, "bot*.log"))
	if err != nil {
		return nil, nil, err
	}
	decided := map[string]time.Time{}
	took := map[string]time.Duration{}
	sent := map[string]time.Time{}
	for _, l := range logs {
		f, err := os.Open(l)
		if err != nil {
			return nil, nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if m := decidedLine.FindStringSubmatch(sc.Text()); m != nil {
				at, err1 := time.Parse(time.RFC3339Nano, m[1])
				d, err2 := time.ParseDuration(m[3])
				if err1 == nil && err2 == nil {
					decided[m[2]], took[m[2]] = at, d
				}
			} else if m := sentLine.FindStringSubmatch(sc.Text()); m != nil {
				if at, err := time.Parse(time.RFC3339Nano, m[1]); err == nil {
					sent[m[2]] = at
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, nil, err
		}
	}
	for tag, at := range decided {
		s, ok := sent[tag]
		if !ok || at.Before(from) {
			continue
		}
		decide = append(decide, point{latency: took[tag]})
		send = append(send, point{latency: s.Sub(at)})
	}
	return decide, send, nil
}
