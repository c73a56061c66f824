package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// workChannel is the PostgreSQL channel on which replicas tell each other of new mail.
const workChannel = "nasbot_work"

// announceWork wakes every replica's worker (PostgreSQL NOTIFY, delivered at commit), so that
// all of them share the deciding, not only the one that polls. SQLite has one instance.
func (s *Store) announceWork(ctx context.Context) error {
	if !s.IsPostgres() {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `SELECT pg_notify('`+workChannel+`', '')`); err != nil {
		return fmt.Errorf("store: announce work: %w", err)
	}
	return nil
}

// WatchWork calls wake whenever a replica stores new mail, until ctx ends. The listener
// reconnects by itself; after a reconnect it wakes too, in case a notice was missed. On SQLite
// it returns at once: the one instance wakes its own worker.
func (s *Store) WatchWork(ctx context.Context, wake func()) error {
	if !s.IsPostgres() {
		return nil
	}
	l := pq.NewListener(s.dsn, time.Second, 30*time.Second, nil)
	defer l.Close()
	if err := l.Listen(workChannel); err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-l.Notify: // a nil notice means "reconnected": wake anyway
			wake()
		case <-time.After(90 * time.Second):
			go l.Ping()
		}
	}
}
