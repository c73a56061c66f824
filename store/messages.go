package store

import (
	"errors"
	"fmt"
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
