package store

import (
	"fmt"
	"time"
)

// DigestSent reports whether the digest of day (2026-03-02) went out already.
func (t *Tx) DigestSent(day string) (bool, error) {
	var n int
	if err := get(t.ctx, t.tx, &n, `SELECT COUNT(*) FROM digests WHERE day = ?`, day); err != nil {
		return false, fmt.Errorf("store: digest sent: %w", err)
	}
	return n > 0, nil
}

// RecordDigest notes that the digest of day went out in the outbox row.
func (t *Tx) RecordDigest(day string, outbox int64, now time.Time) error {
	_, err := exec(t.ctx, t.tx, `INSERT INTO digests (day, outbox, sent_at) VALUES (?, ?, ?)`, day, outbox, now.UTC())
	if err != nil {
		return fmt.Errorf("store: record digest: %w", err)
	}
	return nil
}

// OpenCases counts the open cases, and those of them older than target at now.
func (t *Tx) OpenCases(now time.Time, target time.Duration) (open, overdue int, err error) {
	var c struct {
		Open    int `db:"open"`
		Overdue int `db:"overdue"`
	}
	err = get(t.ctx, t.tx, &c, `SELECT COUNT(*) AS open,
		COALESCE(SUM(CASE WHEN created_at < ? THEN 1 ELSE 0 END), 0) AS overdue
		FROM exceptions WHERE state = 'open'`, now.Add(-target).UTC())
	if err != nil {
		return 0, 0, fmt.Errorf("store: open cases: %w", err)
	}
	return c.Open, c.Overdue, nil
}
