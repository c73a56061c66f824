package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Stats are the figures operators watch, read in one go at each metrics scrape.
type Stats struct {
	OpenExceptions   int        `db:"open_exceptions"`
	OldestException  *time.Time `db:"-"`
	OutboxPending    int        `db:"outbox_pending"`
	OutboxParked     int        `db:"outbox_parked"`
	UndecidedMessage int        `db:"undecided"`
}

// Stats counts the open exceptions, the outbox and the messages waiting for a decision.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := get(ctx, s.db, &st, `SELECT
		(SELECT COUNT(*) FROM exceptions WHERE state = 'open') AS open_exceptions,
		(SELECT COUNT(*) FROM outbox WHERE state = 'pending') AS outbox_pending,
		(SELECT COUNT(*) FROM outbox WHERE state = 'parked') AS outbox_parked,
		(SELECT COUNT(*) FROM messages WHERE state = 'new') AS undecided`)
	if err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	// A plain column, not MIN(): SQLite types a bare column as its declared TIMESTAMP.
	var oldest time.Time
	err = get(ctx, s.db, &oldest, `SELECT created_at FROM exceptions WHERE state = 'open' ORDER BY created_at LIMIT 1`)
	switch {
	case err == nil:
		st.OldestException = &oldest
	case !errors.Is(err, ErrNotFound):
		return st, fmt.Errorf("store: stats: %w", err)
	}
	return st, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
