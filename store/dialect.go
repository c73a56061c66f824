package store

import (
	"errors"
	"strings"

	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
)

// dialect is the one place where PostgreSQL and SQLite differ; queries are written once, with
// `?` placeholders that sqlx rebinds.
type dialect struct {
	driver string        // database/sql driver name
	goose  goose.Dialect // migration dialect
	// types fill the {{…}} slots of the migration files.
	types *strings.Replacer
	// skipLocked ends a SELECT that claims rows other workers may hold: PostgreSQL's replicas
	// skip each other's claims instead of waiting; SQLite runs one transaction at a time anyway.
	skipLocked string
	// xactLock takes a lock named by its argument until the transaction ends ("" for none:
	// SQLite's transactions already run one at a time).
	xactLock string
	// lockSiteColumn is a column that takes LockSite's lock on the site of the row it is read
	// with ("" where LockSite takes none): a lookup and the lock in one round trip.
	lockSiteColumn string
	// writableCTE: INSERT and UPDATE may stand in a WITH clause, so that a write and the
	// next one go in one round trip (PostgreSQL; SQLite writes one statement at a time).
	writableCTE bool
	// announce is an extra RETURNING column for the INSERT of a new message that wakes every
	// replica's worker (PostgreSQL NOTIFY, delivered at commit, so in the same round trip as
	// the INSERT); "" where one instance runs alone (SQLite).
	announce string
	// utcDay is the expression of a time column's UTC day as 2006-01-02 (%s: the column).
	utcDay string
}

var (
	postgresDialect = dialect{
		driver: "postgres",
		goose:  goose.DialectPostgres,
		types: strings.NewReplacer(
			"{{ID}}", "BIGSERIAL PRIMARY KEY",
			"{{TIME}}", "TIMESTAMPTZ",
			"{{BLOB}}", "BYTEA",
			"{{SEARCH_INDEX}}", postgresSearchIndex,
		),
		skipLocked:     " FOR UPDATE SKIP LOCKED",
		xactLock:       `SELECT pg_advisory_xact_lock(hashtext(?))`,
		announce:       `, pg_notify('` + workChannel + `', '')::text AS announced`,
		writableCTE:    true,
		lockSiteColumn: `pg_advisory_xact_lock(hashtext('` + siteLockPrefix + `' || upper(ods_code)))::text`,
		utcDay:         `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
	}
	sqliteDialect = dialect{
		driver: "sqlite",
		goose:  goose.DialectSQLite3,
		types: strings.NewReplacer(
			// AUTOINCREMENT: ids are never reused, so a reference tag names one message forever.
			"{{ID}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
			"{{TIME}}", "TIMESTAMP",
			"{{BLOB}}", "BLOB",
			"{{SEARCH_INDEX}}", sqliteSearchIndex,
		),
		// Times are written in UTC as text (_time_format=sqlite): the day is the first ten characters.
		utcDay: `substr(%s, 1, 10)`,
	}
)

// isUniqueViolation reports whether err is a unique-constraint failure in either database.
func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code() == 2067 || liteErr.Code() == 1555 // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
	}
	return false
}
