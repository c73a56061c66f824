package testenv

import (
	"context"
	"path/filepath"
	"testing"

	"nasbot/store"
)

// EachStore runs fn against a fresh, migrated SQLite store and a fresh PostgreSQL store, as
// subtests named sqlite and postgres: the store's code is one for both, and so are its tests.
func EachStore(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { fn(t, openStore(t, name)) })
	}
}

// EachStoreBench is EachStore for benchmarks.
func EachStoreBench(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) { fn(b, openStore(b, name)) })
	}
}

// openStore opens a fresh, migrated store of the backend (sqlite or postgres), closed when tb ends.
func openStore(tb testing.TB, backend string) *store.Store {
	tb.Helper()
	url := filepath.Join(tb.TempDir(), "nasbot.db")
	if backend == "postgres" {
		url = Postgres(tb)
	}
	return OpenStore(tb, url)
}

// OpenStore opens the store at url (a SQLite path or a postgres:// URL), migrated, closed when
// tb ends.
func OpenStore(tb testing.TB, url string) *store.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}
