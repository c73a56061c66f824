package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// ErrSecondInstance is returned when another nasbot already polls with this SQLite database.
var ErrSecondInstance = errors.New("store: another nasbot already runs on this SQLite database; " +
	"SQLite is for one instance: run replicas on PostgreSQL")

// PollerLock makes sure one replica at a time reads the inbox. On PostgreSQL it waits for a
// session advisory lock (taken over when the holder's session dies) and returns lost, closed
// when the lock's connection fails, so the caller stops polling. On SQLite it takes a file lock
// beside the database and fails at once with ErrSecondInstance when another process holds it.
// release gives the lock up.
func (s *Store) PollerLock(ctx context.Context) (release func(), lost <-chan struct{}, err error) {
	if !s.IsPostgres() {
		return s.fileLock()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("store: poller lock: %w", err)
	}
	for {
		var got bool
		err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext('nasbot.poller'))`).Scan(&got)
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("store: poller lock: %w", err)
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			conn.Close()
			return nil, nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	gone := make(chan struct{})
	stop := make(chan struct{})
	go func() { // the lock lives as long as its session: watch the session
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				pingCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				err := conn.PingContext(pingCtx)
				cancel()
				if err != nil {
					close(gone)
					return
				}
			}
		}
	}()
	release = func() {
		close(stop)
		unlockCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		conn.ExecContext(unlockCtx, `SELECT pg_advisory_unlock(hashtext('nasbot.poller'))`)
		conn.Close()
	}
	return release, gone, nil
}

// fileLock is SQLite's single-instance guard: an flock on <database>.lock.
func (s *Store) fileLock() (func(), <-chan struct{}, error) {
	never := make(chan struct{})
	if s.path == "" { // in memory: nobody else can open it
		return func() {}, never, nil
	}
	f, err := os.OpenFile(s.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("store: lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, ErrSecondInstance
		}
		return nil, nil, fmt.Errorf("store: lock file: %w", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, never, nil
}
