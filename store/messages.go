package store

import (
	"errors"
	"fmt"
	"time"
)

// ErrAlreadyOpen is returned when a case to reopen is open already.
var ErrAlreadyOpen = errors.New("already open")

// The desk's own writes about messages and cases (issue 16): reopening a closed case.

// ReopenException opens a closed case again, as it was: its assignee, reason and request kept.
// It fails when the case is open already.
func (t *Tx) ReopenException(exceptionID int64) error {
	res, err := exec(t.ctx, t.tx, `UPDATE exceptions SET state = 'open', closed_at = NULL WHERE id = ? AND state <> 'open'`,
		exceptionID)
	if err != nil {
		return fmt.Errorf("store: reopen exception: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: exception %d is not closed: %w", exceptionID, ErrAlreadyOpen)
	}
	return nil
}

// NextRequestSeq is the sequence number a request added to a message by staff takes: after
// every request the message already has.
func (t *Tx) NextRequestSeq(messageID int64) (int, error) {
	var n int
	if err := get(t.ctx, t.tx, &n, `SELECT COALESCE(MAX(seq), 0) FROM requests WHERE message = ?`, messageID); err != nil {
		return 0, fmt.Errorf("store: next request seq: %w", err)
	}
	return n + 1, nil
}

// CloseMessageCases closes a message's open cases about the whole message (unreadable mail,
// say) once staff have handled it another way, and returns what it closed.
func (t *Tx) CloseMessageCases(messageID int64, now time.Time) ([]CaseUnderWork, error) {
	var open []CaseUnderWork
	err := sel(t.ctx, t.tx, &open, `SELECT id AS exception_id, reason, state, message FROM exceptions
		WHERE message = ? AND request IS NULL AND state = 'open' ORDER BY id`, messageID)
	if err != nil {
		return nil, fmt.Errorf("store: message cases: %w", err)
	}
	for _, c := range open {
		if err := t.ResolveException(c.ExceptionID, now); err != nil {
			return nil, err
		}
	}
	return open, nil
}
