package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"nasbot/domain"
)

// The lifecycle jobs' reads and writes (lifecycle/). Each write is guarded by the state the job
// decided on, so that a request decided meanwhile (a joiner, a login recorded by an import)
// wins: the write then changes nothing and reports ok=false.

// LifecycleAccount is an account with what the lifecycle rules read besides the directory view.
type LifecycleAccount struct {
	domain.Account
	CreatedAt time.Time `db:"created_at"`
	// InactiveSince is when the inactivity job marked the account inactive (nil: not marked by
	// it, e.g. imported as inactive). Meaningful only while Status is inactive.
	InactiveSince *time.Time `db:"inactive_since"`
}

// LifecycleAccounts returns every account, by address.
func (t *Tx) LifecycleAccounts() ([]LifecycleAccount, error) {
	var as []LifecycleAccount
	err := sel(t.ctx, t.tx, &as, `SELECT `+accountColumns+`, created_at, inactive_since
		FROM accounts ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: lifecycle accounts: %w", err)
	}
	return as, nil
}

// MailboxActivity is a site's shared mailbox with when it last sent mail and when it was last
// reported for one reason.
type MailboxActivity struct {
	ODS        string     `db:"ods_code"`
	Mailbox    string     `db:"shared_mailbox"` // "" while awaiting registration
	Status     string     `db:"status"`         // active or closed
	LastSentAt *time.Time `db:"last_sent_at"`   // nil: never seen sending
	CreatedAt  time.Time  `db:"created_at"`
	ReportedAt *time.Time `db:"reported_at"` // latest report for the reason asked; nil: never
}

// MailboxActivity returns every site, by ODS code, with its latest report for reason.
func (t *Tx) MailboxActivity(reason domain.Reason) ([]MailboxActivity, error) {
	var ms []MailboxActivity
	err := sel(t.ctx, t.tx, &ms, `SELECT o.ods_code, o.shared_mailbox, o.status, o.last_sent_at, o.created_at,
		r.reported_at
		FROM organisations o LEFT JOIN mailbox_reports r ON r.ods_code = o.ods_code AND r.reason = ?
		ORDER BY o.ods_code`, reason)
	if err != nil {
		return nil, fmt.Errorf("store: mailbox activity: %w", err)
	}
	return ms, nil
}

// RecordMailboxSent notes that a site's shared mailbox (or a legacy alias of it) sent an email
// at at, for the dormant-mailbox job. An earlier time than the one recorded changes nothing.
// ok is false when no site has that mailbox.
func (t *Tx) RecordMailboxSent(mailbox string, at time.Time) (ok bool, err error) {
	mailbox, err = resolveAlias(t.ctx, t.tx, mailbox)
	if err != nil {
		return false, err
	}
	res, err := exec(t.ctx, t.tx, `UPDATE organisations SET last_sent_at = ?
		WHERE shared_mailbox = ? AND shared_mailbox <> '' AND (last_sent_at IS NULL OR last_sent_at < ?)`,
		at.UTC(), mailbox, at.UTC())
	if err != nil {
		return false, fmt.Errorf("store: record mailbox sent: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	_, err = organisationByMailbox(t.ctx, t.tx, mailbox)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// MarkInactive makes an active (or already inactive) account inactive from since, to be deleted
// after deleteAfter. ok is false when the account's status is no longer from.
func (t *Tx) MarkInactive(address, from string, since, deleteAfter time.Time) (ok bool, err error) {
	return t.guarded("mark inactive", `UPDATE accounts SET status = 'inactive', inactive_since = ?,
		delete_after = ? WHERE email = ? AND status = ?`, since.UTC(), deleteAfter.UTC(), address, from)
}

// Reactivate makes an inactive account active again and cancels its deletion (a login).
func (t *Tx) Reactivate(address string) (ok bool, err error) {
	return t.guarded("reactivate", `UPDATE accounts SET status = 'active', inactive_since = NULL,
		delete_after = NULL WHERE email = ? AND status = 'inactive'`, address)
}

// ScheduleDeletion gives a leaver that has no deletion date one.
func (t *Tx) ScheduleDeletion(address string, deleteAfter time.Time) (ok bool, err error) {
	return t.guarded("schedule deletion", `UPDATE accounts SET delete_after = ?
		WHERE email = ? AND status = 'leaver' AND delete_after IS NULL`, deleteAfter.UTC(), address)
}

// DeleteAccount deletes an account whose status is still status and whose deletion date has
// come, and keeps its address reserved for ever: the address (and every alias that pointed at
// it) becomes an alias with an empty target. Lookups then find no account there, AddressTaken
// still says taken, so the address is never given to anyone else (docs/spec/rules.md). Texts still
// queued for it are cancelled. The mobile number is freed with the row.
func (t *Tx) DeleteAccount(address, status string, now time.Time) (ok bool, err error) {
	address = strings.ToLower(address)
	ok, err = t.guarded("delete account", `DELETE FROM accounts
		WHERE email = ? AND status = ? AND delete_after IS NOT NULL AND delete_after <= ?`,
		address, status, now.UTC())
	if !ok || err != nil {
		return ok, err
	}
	if _, err := exec(t.ctx, t.tx, `UPDATE aliases SET target = '' WHERE target = ?`, address); err != nil {
		return false, fmt.Errorf("store: delete account: aliases: %w", err)
	}
	if err := t.PutAlias(address, ""); err != nil {
		return false, fmt.Errorf("store: delete account: %w", err)
	}
	if _, err := exec(t.ctx, t.tx, `UPDATE text_messages SET state = 'cancelled', last_error = 'account deleted'
		WHERE account = ? AND state = 'pending'`, address); err != nil {
		return false, fmt.Errorf("store: delete account: texts: %w", err)
	}
	return true, nil
}

// ReportMailbox puts a lifecycle finding about a site's shared mailbox in the staff queue and
// records it as the site's latest report for reason (see MailboxActivity).
func (t *Tx) ReportMailbox(ods string, reason domain.Reason, detail string, now time.Time) (exceptionID int64, err error) {
	ods = strings.ToUpper(ods)
	id, err := t.openLifecycleException(reason, ods, "", detail, now)
	if err != nil {
		return 0, err
	}
	_, err = exec(t.ctx, t.tx, `INSERT INTO mailbox_reports (ods_code, reason, exception, reported_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (ods_code, reason) DO UPDATE SET exception = excluded.exception, reported_at = excluded.reported_at`,
		ods, reason, id, now.UTC())
	if err != nil {
		return 0, fmt.Errorf("store: report mailbox %s: %w", ods, err)
	}
	return id, nil
}

// openLifecycleException opens an exception that no message caused (a lifecycle finding or a
// failed text): its message and request are NULL, so it names its site and account ("" when
// unknown) itself, for the staff queue to show and filter.
func (t *Tx) openLifecycleException(reason domain.Reason, ods, account, detail string, now time.Time) (int64, error) {
	var id int64
	err := get(t.ctx, t.tx, &id, `INSERT INTO exceptions (reason, ods_code, account, detail, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, reason, ods, account, detail, now.UTC())
	if err != nil {
		return 0, fmt.Errorf("store: open exception %s: %w", reason, err)
	}
	return id, nil
}

// guarded runs a one-row write and reports whether it changed the row. Its errors name no
// address: they reach logs, and addresses are personal data.
func (t *Tx) guarded(what, query string, args ...any) (bool, error) {
	res, err := exec(t.ctx, t.tx, query, args...)
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", what, err)
	}
	return n == 1, nil
}

// The kinds of change a LifecycleNotice keeps: the lifecycle's names for domain.DeleteAccount
// and domain.MarkInactive, as stored in lifecycle_notices.kind. Never rename one.
const (
	NoticeDeleted  = "delete_account"
	NoticeInactive = "mark_inactive"
)

// LifecycleNotice is a change a lifecycle job made to an account, kept for a notice to the
// account's site, with where that notice goes as the site stands now.
type LifecycleNotice struct {
	ID          int64      `db:"id"`
	ODS         string     `db:"ods_code"`
	Kind        string     `db:"kind"` // NoticeDeleted or NoticeInactive
	Address     string     `db:"address"`
	Status      string     `db:"status"`
	DeleteAfter *time.Time `db:"delete_after"`
	DoneAt      time.Time  `db:"done_at"`
	Mailbox     string     `db:"shared_mailbox"` // "" when the site has none (or is unknown)
	SiteStatus  string     `db:"site_status"`
}

// AddLifecycleNotice keeps a job's change to an account for its site's next notice; Change
// calls it for each change it makes to an account.
func (t *Tx) AddLifecycleNotice(n LifecycleNotice, now time.Time) error {
	_, err := exec(t.ctx, t.tx, `INSERT INTO lifecycle_notices (ods_code, kind, address, status, delete_after, done_at)
		VALUES (?, ?, ?, ?, ?, ?)`, strings.ToUpper(n.ODS), n.Kind, strings.ToLower(n.Address), n.Status,
		utcPtr(n.DeleteAfter), now.UTC())
	if err != nil {
		return fmt.Errorf("store: add lifecycle notice: %w", err)
	}
	return nil
}

// UntoldLifecycleNotices returns the changes no notice has listed yet, by site, in the order
// they were made.
func (t *Tx) UntoldLifecycleNotices() ([]LifecycleNotice, error) {
	var ns []LifecycleNotice
	err := sel(t.ctx, t.tx, &ns, `SELECT n.id, n.ods_code, n.kind, n.address, n.status, n.delete_after, n.done_at,
		COALESCE(o.shared_mailbox, '') AS shared_mailbox, COALESCE(o.status, '') AS site_status
		FROM lifecycle_notices n LEFT JOIN organisations o ON o.ods_code = n.ods_code
		WHERE n.told_at IS NULL ORDER BY n.ods_code, n.id`)
	if err != nil {
		return nil, fmt.Errorf("store: untold lifecycle notices: %w", err)
	}
	return ns, nil
}

// MarkLifecycleNoticesTold records that the notice in the outbox row outboxID listed the
// changes ids; 0 when their site had no mailbox to tell.
func (t *Tx) MarkLifecycleNoticesTold(ids []int64, outboxID int64, now time.Time) error {
	var outbox any
	if outboxID != 0 {
		outbox = outboxID
	}
	query, args, err := sqlx.In(`UPDATE lifecycle_notices SET told_at = ?, outbox = ? WHERE id IN (?)`,
		now.UTC(), outbox, ids)
	if err == nil {
		_, err = exec(t.ctx, t.tx, query, args...)
	}
	if err != nil {
		return fmt.Errorf("store: mark lifecycle notices told: %w", err)
	}
	return nil
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	At      time.Time `db:"at"`
	Actor   string    `db:"actor"`
	Action  string    `db:"action"`
	Subject string    `db:"subject"`
	Detail  string    `db:"detail"`
}

// AuditBy returns what actor did at or after since, oldest first (e.g. one lifecycle run).
func (s *Store) AuditBy(ctx context.Context, actor string, since time.Time) ([]AuditEntry, error) {
	var es []AuditEntry
	err := sel(ctx, s.db, &es, `SELECT at, actor, action, subject, detail FROM audit
		WHERE actor = ? AND at >= ? ORDER BY at, id`, actor, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("store: audit by %s: %w", actor, err)
	}
	return es, nil
}

// LockLifecycleJob makes two runs of one lifecycle job (two hosts running `nasbot lifecycle` at
// once) take turns until the transaction ends, so the second reads what the first did and
// decides nothing twice. SQLite needs nothing: its transactions already run one at a time.
func (t *Tx) LockLifecycleJob(job string) error {
	if err := t.lock("nasbot.lifecycle:" + job); err != nil {
		return fmt.Errorf("store: lock lifecycle job %s: %w", job, err)
	}
	return nil
}
