package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"nasbot/domain"
)

// Statistics are how the service is doing over a window: what NAS staff see on the desk's
// statistics page, in the daily digest and from `nasbot stats`. Counts are made in the database
// (the dialect gives the day of a time); medians, which SQLite cannot take, are taken here.
type Statistics struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`

	// Days counts requests by the day their mail arrived, type and outcome.
	Days []DayCount `json:"days"`
	// Requests and Automatic: all requests, and those done with no staff involved.
	Requests  int `json:"requests"`
	Automatic int `json:"automatic"`
	// Messages by verdict; SpoofsByWeek counts unproven mail by the Monday of its week.
	Messages     map[domain.Verdict]int `json:"messages"`
	SpoofsByWeek []WeekCount            `json:"spoofs_by_week"`

	// Open cases by reason and by age (now, not within the window).
	OpenByReason []ReasonCount `json:"open_by_reason"`
	OpenByAge    []AgeCount    `json:"open_by_age"`

	// Medians over the window: from a mail's arrival to its first reply leaving, and from a
	// case opening to a member of staff closing it.
	MedianReply    time.Duration `json:"median_reply_ns"`
	MedianDecision time.Duration `json:"median_decision_ns"`

	// NearLimit lists the active sites with at least NearLimitFrom accounts that count.
	NearLimit []SiteCount `json:"near_limit"`
}

// DayCount is one day's requests of one type and outcome.
type DayCount struct {
	Day     string             `json:"day"` // 2026-03-02, UTC
	Type    domain.RequestType `json:"type"`
	Outcome domain.Outcome     `json:"outcome"`
	N       int                `json:"n"`
}

// WeekCount is one week's count; Week is its Monday.
type WeekCount struct {
	Week string `json:"week"`
	N    int    `json:"n"`
}

// AgeCount counts open cases in an age band.
type AgeCount struct {
	Band string `json:"band"` // "under a day", "1 to 3 days", …
	N    int    `json:"n"`
}

// SiteCount is a site and how many of its places are taken.
type SiteCount struct {
	ODS      string `json:"ods"`
	Name     string `json:"name"`
	Accounts int    `json:"accounts"`
}

// NearLimitFrom is the account count from which a site is shown as near its limit.
const NearLimitFrom = domain.MaxSiteAccounts - 2

// ageBands are the open-case age bands, each up to its limit.
var ageBands = []struct {
	name  string
	limit time.Duration
}{
	{"under a day", 24 * time.Hour},
	{"1 to 3 days", 72 * time.Hour},
	{"3 to 7 days", 7 * 24 * time.Hour},
	{"over 7 days", 1<<63 - 1},
}

// Statistics reads the figures of the window [since, until).
func (s *Store) Statistics(ctx context.Context, since, until time.Time) (Statistics, error) {
	return statistics(ctx, s.db, s.dialect, since, until)
}

// Statistics reads the figures of the window [since, until) in the transaction.
func (t *Tx) Statistics(since, until time.Time) (Statistics, error) {
	return statistics(t.ctx, t.tx, t.d, since, until)
}

func statistics(ctx context.Context, q dbtx, d dialect, since, until time.Time) (Statistics, error) {
	st := Statistics{Since: since.UTC(), Until: until.UTC(), Messages: map[domain.Verdict]int{}}
	for _, step := range []func(context.Context, dbtx, dialect, *Statistics) error{
		requestStatistics, messageStatistics, caseStatistics, replyStatistics, siteStatistics,
	} {
		if err := step(ctx, q, d, &st); err != nil {
			return Statistics{}, fmt.Errorf("store: statistics: %w", err)
		}
	}
	return st, nil
}

// requestStatistics counts requests by day, type and outcome in the database, and those done
// with no case opened (no staff involved).
func requestStatistics(ctx context.Context, q dbtx, d dialect, st *Statistics) error {
	var rows []struct {
		DayCount
		Automatic int `db:"automatic"`
	}
	err := sel(ctx, q, &rows, `SELECT `+fmt.Sprintf(d.utcDay, "m.received_at")+` AS day, r.type, r.outcome, COUNT(*) AS n,
		SUM(CASE WHEN r.outcome = 'done' AND r.id NOT IN (SELECT request FROM exceptions WHERE request IS NOT NULL)
			THEN 1 ELSE 0 END) AS automatic
		FROM requests r JOIN messages m ON m.id = r.message
		WHERE m.received_at >= ? AND m.received_at < ?
		GROUP BY 1, r.type, r.outcome ORDER BY 1, r.type, r.outcome`, st.Since, st.Until)
	if err != nil {
		return err
	}
	for _, r := range rows {
		st.Days = append(st.Days, r.DayCount)
		st.Requests += r.N
		st.Automatic += r.Automatic
	}
	return nil
}

// messageStatistics counts decided mail by verdict, and unproven mail by week.
func messageStatistics(ctx context.Context, q dbtx, d dialect, st *Statistics) error {
	var verdicts []struct {
		Verdict domain.Verdict `db:"verdict"`
		N       int            `db:"n"`
	}
	err := sel(ctx, q, &verdicts, `SELECT verdict, COUNT(*) AS n FROM messages
		WHERE state = 'done' AND received_at >= ? AND received_at < ? GROUP BY verdict`, st.Since, st.Until)
	if err != nil {
		return err
	}
	for _, v := range verdicts {
		st.Messages[v.Verdict] = v.N
	}
	var days []struct {
		Day string `db:"day"`
		N   int    `db:"n"`
	}
	err = sel(ctx, q, &days, `SELECT `+fmt.Sprintf(d.utcDay, "received_at")+` AS day, COUNT(*) AS n FROM messages
		WHERE state = 'done' AND verdict = 'unverified' AND received_at >= ? AND received_at < ? GROUP BY 1`, st.Since, st.Until)
	if err != nil {
		return err
	}
	weeks := map[string]int{}
	for _, d := range days {
		if t, err := time.Parse(time.DateOnly, d.Day); err == nil {
			weeks[monday(t)] += d.N
		}
	}
	for w, n := range weeks {
		st.SpoofsByWeek = append(st.SpoofsByWeek, WeekCount{Week: w, N: n})
	}
	sort.Slice(st.SpoofsByWeek, func(i, j int) bool { return st.SpoofsByWeek[i].Week < st.SpoofsByWeek[j].Week })
	return nil
}

// monday is the date of the Monday of t's week, UTC.
func monday(t time.Time) string {
	t = t.UTC()
	back := (int(t.Weekday()) + 6) % 7
	return t.AddDate(0, 0, -back).Format(time.DateOnly)
}

func caseStatistics(ctx context.Context, q dbtx, _ dialect, st *Statistics) error {
	var open []struct {
		Reason  string    `db:"reason"`
		Created time.Time `db:"created_at"`
	}
	if err := sel(ctx, q, &open, `SELECT reason, created_at FROM exceptions WHERE state = 'open'`); err != nil {
		return err
	}
	byReason := map[string]int{}
	byAge := make([]int, len(ageBands))
	for _, c := range open {
		byReason[c.Reason]++
		age := st.Until.Sub(c.Created)
		byAge[slices.IndexFunc(ageBands, func(b struct {
			name  string
			limit time.Duration
		}) bool {
			return age < b.limit
		})]++
	}
	for r, n := range byReason {
		st.OpenByReason = append(st.OpenByReason, ReasonCount{Reason: r, N: n})
	}
	sort.Slice(st.OpenByReason, func(i, j int) bool { return st.OpenByReason[i].Reason < st.OpenByReason[j].Reason })
	for i, b := range ageBands {
		st.OpenByAge = append(st.OpenByAge, AgeCount{Band: b.name, N: byAge[i]})
	}

	var closed []struct {
		Created time.Time `db:"created_at"`
		Closed  time.Time `db:"closed_at"`
	}
	err := sel(ctx, q, &closed, `SELECT created_at, closed_at FROM exceptions
		WHERE closed_at IS NOT NULL AND created_at >= ? AND created_at < ?`, st.Since, st.Until)
	if err != nil {
		return err
	}
	waits := make([]time.Duration, 0, len(closed))
	for _, c := range closed {
		waits = append(waits, c.Closed.Sub(c.Created))
	}
	st.MedianDecision = median(waits)
	return nil
}

func replyStatistics(ctx context.Context, q dbtx, _ dialect, st *Statistics) error {
	var rows []struct {
		Message  int64     `db:"message"`
		Received time.Time `db:"received_at"`
		Sent     time.Time `db:"sent_at"`
	}
	err := sel(ctx, q, &rows, `SELECT o.message, m.received_at, o.sent_at FROM outbox o
		JOIN messages m ON m.id = o.message
		WHERE o.sent_at IS NOT NULL AND m.received_at >= ? AND m.received_at < ?`, st.Since, st.Until)
	if err != nil {
		return err
	}
	first := map[int64]time.Duration{}
	for _, r := range rows {
		d := r.Sent.Sub(r.Received)
		if old, ok := first[r.Message]; !ok || d < old {
			first[r.Message] = d
		}
	}
	waits := make([]time.Duration, 0, len(first))
	for _, d := range first {
		waits = append(waits, d)
	}
	st.MedianReply = median(waits)
	return nil
}

func siteStatistics(ctx context.Context, q dbtx, _ dialect, st *Statistics) error {
	return sel(ctx, q, &st.NearLimit, `SELECT o.ods_code AS ods, o.name || ', ' || o.town AS name,
		COUNT(*) AS accounts FROM organisations o JOIN accounts a ON a.ods_code = o.ods_code
		WHERE o.status = 'active' AND a.status <> 'leaver'
		GROUP BY o.ods_code, o.name, o.town HAVING COUNT(*) >= ? ORDER BY accounts DESC, o.ods_code`, NearLimitFrom)
}

// median of ds; 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
