package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"nasbot/internal/testenv"
	"nasbot/store"
)

func TestPollerLockOnPostgresIsTakenOver(t *testing.T) {
	dsn := testenv.Postgres(t)
	ctx := context.Background()
	a, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	releaseA, _, err := a.PollerLock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	if _, _, err := b.PollerLock(waitCtx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second replica must wait while the first polls, got %v", err)
	}
	releaseA()
	takeCtx, cancel2 := context.WithTimeout(ctx, 5*time.Second)
	defer cancel2()
	releaseB, _, err := b.PollerLock(takeCtx)
	if err != nil {
		t.Fatalf("second replica must take the lock over: %v", err)
	}
	releaseB()
}

func TestPollerLockOnSQLiteRefusesASecondInstance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nasbot.db")
	ctx := context.Background()
	a, _ := store.Open(ctx, path)
	defer a.Close()
	b, _ := store.Open(ctx, path)
	defer b.Close()
	release, _, err := a.PollerLock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.PollerLock(ctx); !errors.Is(err, store.ErrSecondInstance) {
		t.Fatalf("want ErrSecondInstance, got %v", err)
	}
	release()
	if release, _, err := b.PollerLock(ctx); err != nil {
		t.Fatalf("after release: %v", err)
	} else {
		release()
	}
}
