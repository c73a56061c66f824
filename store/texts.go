package store

import (
	"context"
	"fmt"
	"time"

	"nasbot/domain"
)

// Text message states. A text is written 'pending' by Apply (domain.SendTemporaryPassword) in
// the decision's transaction and ends 'sent', 'failed' (for good: staff are told) or
// 'cancelled' (its account was deleted first).
const (
	TextPending   = "pending"
	TextSent      = "sent"
	TextFailed    = "failed"
	TextCancelled = "cancelled"
)

// TextTemporaryPassword is the kind of text that carries a new temporary password.
const TextTemporaryPassword = "temporary_password"

// TextFailedReason is the exception reason of a text that could not be sent: the user has no
// password until staff act.
const TextFailedReason = domain.TextFailed

// Text is one queued text message. It holds no number and no password: the number is the
// account's on record when the text is sent, and the password is made then.
type Text struct {
	ID        int64     `db:"id"`
	Account   string    `db:"account"` // the address when queued; an alias after a rename
	Kind      string    `db:"kind"`
	Attempts  int       `db:"attempts"`
	CreatedAt time.Time `db:"created_at"`
}

// PendingTexts returns up to limit texts due at now, oldest first.
func (s *Store) PendingTexts(ctx context.Context, limit int, now time.Time) ([]Text, error) {
	var ts []Text
	err := sel(ctx, s.db, &ts, `SELECT id, account, kind, attempts, created_at FROM text_messages
		WHERE state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
		ORDER BY id LIMIT ?`, now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending texts: %w", err)
	}
	return ts, nil
}

// ClaimText takes a due text for one sending attempt, counting the attempt. Until the claim
// expires (until), no other sender sees it; a sender that dies mid-send leaves it to be sent
// again after that. ok is false when someone else claimed it first or it is no longer pending.
func (s *Store) ClaimText(ctx context.Context, id int64, now, until time.Time) (ok bool, err error) {
	res, err := exec(ctx, s.db, `UPDATE text_messages SET attempts = attempts + 1, next_attempt_at = ?
		WHERE id = ? AND state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)`,
		until.UTC(), id, now.UTC())
	if err != nil {
		return false, fmt.Errorf("store: claim text %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim text %d: %w", id, err)
	}
	return n == 1, nil
}

// MarkTextSent records that the text provider accepted the text.
func (s *Store) MarkTextSent(ctx context.Context, id int64, at time.Time) error {
	_, err := exec(ctx, s.db, `UPDATE text_messages SET state = 'sent', sent_at = ?, last_error = ''
		WHERE id = ?`, at.UTC(), id)
	if err != nil {
		return fmt.Errorf("store: mark text %d sent: %w", id, err)
	}
	return nil
}

// MarkTextFailed records a failed attempt at now. A transient failure waits until retryAt; a
// permanent one ends the text and opens an exception (text_failed) so staff know the user got
// no password. cause must never hold the password; the sms package makes sure of it.
func (s *Store) MarkTextFailed(ctx context.Context, id int64, cause string, permanent bool, now, retryAt time.Time) error {
	if !permanent {
		_, err := exec(ctx, s.db, `UPDATE text_messages SET last_error = ?, next_attempt_at = ? WHERE id = ?`,
			cause, retryAt.UTC(), id)
		if err != nil {
			return fmt.Errorf("store: mark text %d failed: %w", id, err)
		}
		return nil
	}
	return s.InTx(ctx, func(tx *Tx) error {
		var t Text
		err := get(tx.ctx, tx.tx, &t, `SELECT id, account, kind, attempts, created_at FROM text_messages
			WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: mark text %d failed: %w", id, err)
		}
		if _, err := exec(tx.ctx, tx.tx, `UPDATE text_messages SET state = 'failed', last_error = ?
			WHERE id = ?`, cause, id); err != nil {
			return fmt.Errorf("store: mark text %d failed: %w", id, err)
		}
		detail := fmt.Sprintf("The %s text message for %s (queued %s) could not be sent after %d attempt(s): %s. "+
			"The user has no new password until it is sent another way.",
			t.Kind, t.Account, t.CreatedAt.UTC().Format(time.RFC3339), t.Attempts, cause)
		// The account as it is now (renamed, it is found through its old address as an alias).
		a, ok, err := tx.Account(t.Account)
		if err != nil {
			return fmt.Errorf("store: mark text %d failed: %w", id, err)
		}
		if !ok {
			a = domain.Account{Address: t.Account}
		}
		_, err = tx.openLifecycleException(TextFailedReason, a.ODS, a.Address, detail, now)
		return err
	})
}

// Texts returns every text queued for address (as queued), oldest first; for tests and staff.
func (s *Store) Texts(ctx context.Context, address string) ([]TextState, error) {
	var ts []TextState
	err := sel(ctx, s.db, &ts, `SELECT id, account, kind, state, attempts, last_error, created_at, sent_at
		FROM text_messages WHERE account = ? ORDER BY id`, address)
	if err != nil {
		return nil, fmt.Errorf("store: texts: %w", err)
	}
	return ts, nil
}

// TextState is a queued text with where it is.
type TextState struct {
	Text
	State     string     `db:"state"`
	LastError string     `db:"last_error"`
	SentAt    *time.Time `db:"sent_at"`
}
