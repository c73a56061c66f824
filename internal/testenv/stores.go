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
	urls := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "nasbot.db") },
		"postgres": func(t *testing.T) string { return Postgres(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, urls[name](t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			fn(t, s)
		})
	}
}
