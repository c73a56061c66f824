package store

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"nasbot/domain"
)

// Exception states.
const (
	ExceptionOpen   = "open"
	ExceptionClosed = "closed"
)

// CaseUnderWork is an open exception with what a staff decision needs: the request as parsed
// and the message it came in. One no message caused has MessageRef 0 and empty message fields.
type CaseUnderWork struct {
	ExceptionID int64         `db:"exception_id"`
	Reason      domain.Reason `db:"reason"`
	State       string        `db:"state"`
	MessageRef  int64         `db:"message"`
	RequestRef  *int64        `db:"request"`
	Fields      *string       `db:"fields"` // JSON of the parsed domain.Request, when the case is about one request
	RequestType *string       `db:"type"`
	Verdict     string        `db:"verdict"`
	SenderKind  string        `db:"sender_kind"`
	Sender      string        `db:"sender"`
	ODS         string        `db:"ods_code"`
	Subject     string        `db:"subject"`
	HeaderID    string        `db:"message_id"`
}

// Tag is the case's reference and history subject, as QueueItem.Tag.
func (c CaseUnderWork) Tag() string { return caseTag(c.MessageRef, c.ExceptionID) }

// caseTag names a case: its message's tag, or "case 12" when no message caused it, so that
// such a case has a history of its own instead of sharing NAS-000000.
func caseTag(messageRef, exceptionID int64) string {
	if messageRef == 0 {
		return fmt.Sprintf("case %d", exceptionID)
	}
	return Tag(messageRef)
}

// CaseForUpdate loads an exception inside the transaction that will decide it.
func (t *Tx) CaseForUpdate(exceptionID int64) (CaseUnderWork, error) {
	var c CaseUnderWork
	err := get(t.ctx, t.tx, &c, `SELECT e.id AS exception_id, e.reason, e.state, COALESCE(e.message, 0) AS message,
		e.request, r.fields, r.type, COALESCE(m.verdict, '') AS verdict, COALESCE(m.sender_kind, '') AS sender_kind,
		COALESCE(m.sender, '') AS sender, `+excODS+` AS ods_code, COALESCE(m.subject, '') AS subject,
		COALESCE(m.message_id, '') AS message_id
		FROM exceptions e LEFT JOIN messages m ON m.id = e.message LEFT JOIN requests r ON r.id = e.request
		WHERE e.id = ?`, exceptionID)
	if err != nil {
		return c, fmt.Errorf("store: case %d: %w", exceptionID, err)
	}
	return c, nil
}

// SetRequestOutcome records a staff-made decision (or a re-run) over a request's earlier one.
func (t *Tx) SetRequestOutcome(requestID int64, d domain.Decision, fields string) error {
	_, err := exec(t.ctx, t.tx, `UPDATE requests SET outcome = ?, reasons = ?, account = ?, summary = ?, fields = ?
		WHERE id = ?`, d.Outcome, joinReasons(d.Reasons), d.Account, d.Summary, fields, requestID)
	if err != nil {
		return fmt.Errorf("store: set request outcome: %w", err)
	}
	return nil
}

// ResolveException closes an open exception; it fails when someone else closed it first.
func (t *Tx) ResolveException(exceptionID int64, now time.Time) error {
	res, err := exec(t.ctx, t.tx, `UPDATE exceptions SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open'`,
		now.UTC(), exceptionID)
	if err != nil {
		return fmt.Errorf("store: resolve exception: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: exception %d is not open: %w", exceptionID, ErrAlreadyDecided)
	}
	return nil
}

// ReopenMessage puts a decided message back to be decided again (staff re-parse), closing
// its open exceptions.
func (t *Tx) ReopenMessage(messageID int64, now time.Time) error {
	if _, err := exec(t.ctx, t.tx, `UPDATE exceptions SET state = 'closed', closed_at = ? WHERE message = ? AND state = 'open'`,
		now.UTC(), messageID); err != nil {
		return fmt.Errorf("store: reopen message: %w", err)
	}
	if _, err := exec(t.ctx, t.tx, `DELETE FROM requests WHERE message = ?`, messageID); err != nil {
		return fmt.Errorf("store: reopen message: %w", err)
	}
	if _, err := exec(t.ctx, t.tx, `UPDATE messages SET state = 'new' WHERE id = ?`, messageID); err != nil {
		return fmt.Errorf("store: reopen message: %w", err)
	}
	return nil
}

// ReleaseReply sends a parked (held or failed) reply at the next outbox pass.
func (t *Tx) ReleaseReply(outboxID int64, now time.Time) error {
	return t.moveReply(outboxID, OutboxPending, now)
}

// DropReply discards a parked reply for good.
func (t *Tx) DropReply(outboxID int64, now time.Time) error {
	return t.moveReply(outboxID, OutboxDropped, now)
}

// ClosedCase is an exception a store write closed, for the caller's audit line.
type ClosedCase struct {
	ID         int64 `db:"id"`
	MessageRef int64 `db:"message"`
}

// Tag is the reference of the message the case is about.
func (c ClosedCase) Tag() string { return Tag(c.MessageRef) }

// CloseHeldReplyCases closes the open cases for reason (the held-reply reason) about the outbox
// row's message once none of the message's replies is still held: parked and never tried. A
// reply parked after failing for good is not held, and keeps no such case open.
func (t *Tx) CloseHeldReplyCases(outboxID int64, reason domain.Reason, now time.Time) ([]ClosedCase, error) {
	var closed []ClosedCase
	err := sel(t.ctx, t.tx, &closed, `UPDATE exceptions SET state = 'closed', closed_at = ?
		WHERE state = 'open' AND reason = ?
		AND message = (SELECT message FROM outbox WHERE id = ?)
		AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message = exceptions.message
			AND o.state = 'parked' AND o.attempts = 0)
		RETURNING id, message`, now.UTC(), reason, outboxID)
	if err != nil {
		return nil, fmt.Errorf("store: close held-reply cases: %w", err)
	}
	slices.SortFunc(closed, func(a, b ClosedCase) int { return cmp.Compare(a.ID, b.ID) })
	return closed, nil
}

func (t *Tx) moveReply(outboxID int64, state string, now time.Time) error {
	res, err := exec(t.ctx, t.tx, `UPDATE outbox SET state = ?, next_attempt_at = ? WHERE id = ? AND state = 'parked'`,
		state, now.UTC(), outboxID)
	if err != nil {
		return fmt.Errorf("store: reply %d to %s: %w", outboxID, state, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: reply %d is not parked: %w", outboxID, ErrNotFound)
	}
	return nil
}
