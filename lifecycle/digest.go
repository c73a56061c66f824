package lifecycle

import (
	"fmt"
	"time"

	"nasbot/domain"
	"nasbot/store"
	"nasbot/templates"
)

// DigestConfig says where the daily digest to NAS staff goes: yesterday's figures, the cases
// waiting past the desk's target age, and the spoof attempts. It goes once a day, whichever
// replica runs the lifecycle and however often (table digests).
type DigestConfig struct {
	To      string        // the staff address; "" turns the digest off
	Target  time.Duration // cases older than this are overdue (NASBOT_DESK_AGE_TARGET)
	DeskURL string        // where the desk is, quoted in the mail
}

// digestDay is the day a run at now reports on: yesterday, UTC.
func digestDay(now time.Time) time.Time {
	y := now.UTC().AddDate(0, 0, -1)
	return time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
}

// DigestJob decides the digest: one SendDigest unless yesterday's went out already.
func DigestJob(cfg DigestConfig) Job {
	return Job{Name: "digest", Decide: func(tx *store.Tx, now time.Time) ([]domain.Effect, error) {
		day := digestDay(now).Format(time.DateOnly)
		sent, err := tx.DigestSent(day)
		if err != nil || sent {
			return nil, err
		}
		return []domain.Effect{domain.SendDigest{To: cfg.To, Detail: "digest of " + day + " sent to " + cfg.To}}, nil
	}}
}

// digest counts yesterday and mails it to the staff address.
func (r *Runner) digest(tx *store.Tx, a domain.SendDigest, now time.Time) error {
	day := digestDay(now)
	st, err := tx.Statistics(day, day.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	open, overdue, err := tx.OpenCases(now, r.digestCfg.Target)
	if err != nil {
		return err
	}
	d := &templates.Digest{Day: day.Format("Monday 2 January 2006"), Requests: st.Requests, Automatic: st.Automatic,
		Unproven: st.Messages[domain.Unverified], Unreadable: st.Messages[domain.Unparseable],
		Ignored: st.Messages[domain.Ignored], Open: open, Overdue: overdue, Target: words(r.digestCfg.Target), DeskURL: r.digestCfg.DeskURL}
	for _, n := range st.Messages {
		d.Emails += n
	}
	for _, c := range st.Days {
		switch c.Outcome {
		case domain.Review:
			d.Review += c.N
		case domain.Rejected:
			d.Rejected += c.N
		}
	}
	data := templates.Message{Subject: "NAS request service: " + d.Day, Digest: d}
	outboxID, err := r.mail.Notify(tx, a.To, templates.DigestMail, data, now)
	if err != nil {
		return err
	}
	return tx.RecordDigest(day.Format(time.DateOnly), outboxID, now)
}

// words says a duration as staff would: "1 day", "36 hours", "30 minutes".
func words(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/time.Minute), "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
