package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// workChannel is the PostgreSQL channel on which replicas tell each other of new mail: SaveInbound
// notifies it in the INSERT of each new message (dialect.announce), so that every replica's
// worker shares the deciding, not only the one that polls. SQLite has one instance.
const workChannel = "nasbot_work"

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
