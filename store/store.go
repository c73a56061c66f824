// Package store keeps nasbot's state: the directory (organisations, accounts, aliases), the ledger
// of received messages, decided requests, the outbox, the exceptions queue and the audit log.
// It runs on PostgreSQL in production and on an embedded SQLite file by default, with the same
// queries. It is the ground floor: it imports none of the pipeline's stages.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // embedded SQLite driver, pure Go
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

//go:embed migrations/*.sql
var migrationFiles embed.FS

func init() {
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Store is a handle on the database.
type Store struct {
	db      *sqlx.DB
	dialect dialect
	path    string // the SQLite file, "" in memory or on PostgreSQL
	dsn     string // what the driver was opened with (a listener opens its own connection)
}

// OpenMigrated opens url and brings its schema up to date, as every command that uses the
// database does first.
func OpenMigrated(ctx context.Context, url string) (*Store, error) {
	st, err := Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// Open connects to url: a postgres:// (or postgresql://) URL, or else a SQLite file path
// (":memory:" for a throwaway in-memory database).
func Open(ctx context.Context, url string) (*Store, error) {
	d, dsn := sqliteDialect, sqliteDSN(url)
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		d, dsn = postgresDialect, postgresDSN(url)
	}
	db, err := sqlx.Open(d.driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if d.driver == "sqlite" {
		// One writer at a time is SQLite's nature; one connection also keeps ":memory:" alive.
		db.SetMaxOpenConns(1)
		db.SetConnMaxLifetime(0)
	} else {
		// Keep the connections a busy bot uses (worker, sender, desk) rather than closing all
		// but two and opening them again: a backlog opened 26 sessions for 700 mails, not 9.
		db.SetMaxIdleConns(8)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	st := &Store{db: db, dialect: d, dsn: dsn}
	if d.driver == "sqlite" && url != ":memory:" && !strings.HasPrefix(url, "file:") {
		st.path = url
	}
	return st, nil
}

// postgresDSN asks lib/pq to send parameters with the query in one round trip instead of
// preparing each statement first: it halves the round trips of every decision.
func postgresDSN(url string) string {
	if strings.Contains(url, "binary_parameters=") {
		return url
	}
	if strings.Contains(url, "?") {
		return url + "&binary_parameters=yes"
	}
	return url + "?binary_parameters=yes"
}

func sqliteDSN(path string) string {
	const pragmas = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate&_time_format=sqlite"
	if path == ":memory:" {
		return "file::memory:?" + pragmas
	}
	if strings.HasPrefix(path, "file:") {
		return path
	}
	return "file:" + path + "?" + pragmas + "&_pragma=journal_mode(WAL)"
}

// DB is the database handle, for tools and tests that read it directly.
func (s *Store) DB() *sqlx.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// IsPostgres reports whether the store runs on PostgreSQL.
func (s *Store) IsPostgres() bool { return s.dialect.driver == "postgres" }

// Migrate brings the schema up to date. On PostgreSQL a session lock makes concurrent
// replicas migrate one at a time.
func (s *Store) Migrate(ctx context.Context) error {
	fsys, err := s.renderMigrations()
	if err != nil {
		return err
	}
	var opts []goose.ProviderOption
	if s.IsPostgres() {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("store: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(s.dialect.goose, s.db.DB, fsys, opts...)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// renderMigrations is the embedded migration files as goose reads them, with the dialect's
// column types filled in as each file is opened.
func (s *Store) renderMigrations() (fs.FS, error) {
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	return renderedFS{dir: dir, types: s.dialect.types}, nil
}

// renderedFS is a folder of migration files whose {{…}} slots are filled when a file is opened.
type renderedFS struct {
	dir   fs.FS
	types *strings.Replacer
}

func (r renderedFS) Open(name string) (fs.File, error) {
	f, err := r.dir.Open(name)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		return f, err // the folder itself, listed as it is
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return &renderedFile{Reader: strings.NewReader(r.types.Replace(string(b))), info: info}, nil
}

// renderedFile is one filled-in migration file.
type renderedFile struct {
	*strings.Reader
	info fs.FileInfo
}

func (f *renderedFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *renderedFile) Close() error               { return nil }

// dbtx is what both *sqlx.DB and *sqlx.Tx offer; reads are written once against it.
type dbtx interface {
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	Rebind(query string) string
}

// get runs a one-row query, turning sql.ErrNoRows into ErrNotFound.
func get(ctx context.Context, q dbtx, dest any, query string, args ...any) error {
	err := q.GetContext(ctx, dest, q.Rebind(query), args...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

func sel(ctx context.Context, q dbtx, dest any, query string, args ...any) error {
	return q.SelectContext(ctx, dest, q.Rebind(query), args...)
}

func exec(ctx context.Context, q dbtx, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, q.Rebind(query), args...)
}

// Tx is one transaction. It offers the directory reads the rules need (without a context
// argument, since the rules are pure and don't carry one) and the writes that apply decisions.
type Tx struct {
	ctx context.Context
	tx  *sqlx.Tx
	d   dialect
}

// InTx runs fn in one transaction, committed when fn returns nil and rolled back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(&Tx{ctx: ctx, tx: sqlTx, d: s.dialect}); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// LockSite serialises, until the transaction ends, every decision about one site, so that two
// messages decided at once cannot both take a site's last place or remove its last owner.
// SQLite needs nothing: its transactions already run one at a time.
func (t *Tx) LockSite(ods string) error {
	if err := t.lock(siteLockPrefix + strings.ToUpper(ods)); err != nil {
		return fmt.Errorf("store: lock site %s: %w", ods, err)
	}
	return nil
}

// siteLockPrefix and a site's ODS code in upper case name LockSite's lock.
const siteLockPrefix = "nasbot.site:"

// lock takes the named lock until the transaction ends, where the dialect has such locks.
func (t *Tx) lock(name string) error {
	if t.d.xactLock == "" {
		return nil
	}
	_, err := exec(t.ctx, t.tx, t.d.xactLock, name)
	return err
}

// IsConflict reports whether err is a unique-constraint failure: a concurrent transaction took
// the same mobile number or address first, and deciding again will see it.
func IsConflict(err error) bool { return isUniqueViolation(err) }
