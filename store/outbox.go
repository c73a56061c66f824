package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"nasbot/domain"
)

// Outbox states.
const (
	OutboxPending = "pending" // waiting to be sent (again)
	OutboxSent    = "sent"
	OutboxParked  = "parked"  // failed for good or held: staff decide
	OutboxDropped = "dropped" // staff decided it never goes
)

const outboxColumns = `id, message_id, from_addr, to_addr, subject, in_reply_to, refs, tag, body_text, body_html, attempts, reasons`

type outboxRow struct {
	domain.Outgoing
	Refs        string `db:"refs"`
	ReasonCodes string `db:"reasons"`
}

// Enqueue writes a reply to the outbox in the message's transaction; it goes out after commit,
// unless held, when it waits for staff to release or drop it (backlog guard).
func (t *Tx) Enqueue(messageRef int64, o domain.Outgoing, held bool, now time.Time) (int64, error) {
	state := OutboxPending
	if held {
		state = OutboxParked
	}
	var ref any
	if messageRef != 0 {
		ref = messageRef
	}
	var id int64
	err := get(t.ctx, t.tx, &id, `INSERT INTO outbox (message, message_id, from_addr, to_addr, subject, in_reply_to,
		refs, tag, body_text, body_html, state, next_attempt_at, created_at, reasons)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ref, o.MessageID, o.From, o.To, o.Subject, o.InReplyTo, strings.Join(o.References, " "), o.Tag,
		o.Text, o.HTML, state, now.UTC(), now.UTC(), strings.Join(o.Reasons, " "))
	if err != nil {
		return 0, fmt.Errorf("store: enqueue reply: %w", err)
	}
	return id, nil
}

// sendLease is how long a claimed reply is left to its sender before another may send it:
// a sender that dies mid-batch delays its replies by this much, and never loses them. A batch
// takes seconds; one that outlives the lease may be sent twice by two replicas.
const sendLease = time.Minute

// PendingReplies claims up to limit replies due at now, oldest first, for one sender: they are
// not due again for sendLease unless MarkSent or MarkFailed says otherwise. On PostgreSQL,
// replicas skip each other's claims (SKIP LOCKED) instead of waiting.
func (s *Store) PendingReplies(ctx context.Context, limit int, now time.Time) ([]domain.Outgoing, error) {
	var rows []outboxRow
	err := sel(ctx, s.db, &rows, `UPDATE outbox SET next_attempt_at = ?
		WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?`+s.dialect.skipLocked+`)
		RETURNING `+outboxColumns, now.Add(sendLease).UTC(), now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending replies: %w", err)
	}
	slices.SortFunc(rows, func(a, b outboxRow) int { return cmp.Compare(a.ID, b.ID) })
	return outgoing(rows), nil
}

// RepliesFor returns the replies written for a message, in order.
func (s *Store) RepliesFor(ctx context.Context, messageRef int64) ([]domain.Outgoing, error) {
	var rows []outboxRow
	err := sel(ctx, s.db, &rows, `SELECT `+outboxColumns+` FROM outbox WHERE message = ? ORDER BY id`, messageRef)
	if err != nil {
		return nil, fmt.Errorf("store: replies for message: %w", err)
	}
	return outgoing(rows), nil
}

func outgoing(rows []outboxRow) []domain.Outgoing {
	out := make([]domain.Outgoing, len(rows))
	for i, r := range rows {
		out[i] = r.Outgoing
		out[i].References = strings.Fields(r.Refs)
		out[i].Reasons = strings.Fields(r.ReasonCodes)
	}
	return out
}

// MarkSent records the SMTP server's answer for a sent reply.
func (s *Store) MarkSent(ctx context.Context, id int64, serverAnswer string, at time.Time) error {
	_, err := exec(ctx, s.db, `UPDATE outbox SET state = 'sent', server_answer = ?, sent_at = ?,
		attempts = attempts + 1 WHERE id = ?`, serverAnswer, at.UTC(), id)
	if err != nil {
		return fmt.Errorf("store: mark sent: %w", err)
	}
	return nil
}

// MarkFailed records a failed attempt: parked for staff when permanent, else retried at retryAt.
func (s *Store) MarkFailed(ctx context.Context, id int64, cause string, permanent bool, retryAt time.Time) error {
	state := OutboxPending
	if permanent {
		state = OutboxParked
	}
	_, err := exec(ctx, s.db, `UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ?,
		attempts = attempts + 1 WHERE id = ?`, state, cause, retryAt.UTC(), id)
	if err != nil {
		return fmt.Errorf("store: mark failed: %w", err)
	}
	return nil
}

// ReplyCount is how many replies were written for a message, so each gets its own Message-ID.
func (t *Tx) ReplyCount(messageRef int64) (int, error) {
	var n int
	err := get(t.ctx, t.tx, &n, `SELECT COUNT(*) FROM outbox WHERE message = ?`, messageRef)
	return n, err
}

// RepliesSince counts the replies written since a time, to one address or to anyone when to is
// "", up to atMost: the pipeline's loop defence only asks whether a limit is reached, and
// reading newest first stops there, so the count costs at most atMost index entries however
// many replies a backlog is sending.
func (t *Tx) RepliesSince(to string, since time.Time, atMost int) (int, error) {
	q, args := repliesSince(to, since, atMost)
	var n int
	err := get(t.ctx, t.tx, &n, q, args...)
	return n, err
}

// repliesSince is RepliesSince's query, also a column of CountReplies'.
func repliesSince(to string, since time.Time, atMost int) (string, []any) {
	if to == "" {
		return `SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE created_at >= ?
			ORDER BY created_at DESC LIMIT ?) recent`, []any{since.UTC(), atMost}
	}
	return `SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE to_addr = ? AND created_at >= ?
		ORDER BY created_at DESC LIMIT ?) recent`, []any{to, since.UTC(), atMost}
}

// ReplyCountQuery asks what the reply guards read before a reply is written: the replies to
// anyone since Since (up to AtMost), those to To since ToSince (up to ToAtMost), and, when
// Message is not 0, how many were written for that message.
type ReplyCountQuery struct {
	Since    time.Time
	AtMost   int
	To       string
	ToSince  time.Time
	ToAtMost int
	Message  int64
}

// ReplyCounts answers a ReplyCountQuery: RepliesSince twice and ReplyCount.
type ReplyCounts struct {
	All, To, Message int
}

// CountReplies answers the three counts of q in one round trip rather than three.
func (t *Tx) CountReplies(q ReplyCountQuery) (ReplyCounts, error) {
	all, allArgs := repliesSince("", q.Since, q.AtMost)
	to, toArgs := repliesSince(q.To, q.ToSince, q.ToAtMost)
	forMessage, messageArgs := `SELECT 0`, []any(nil)
	if q.Message != 0 {
		forMessage, messageArgs = `SELECT COUNT(*) FROM outbox WHERE message = ?`, []any{q.Message}
	}
	var c struct {
		All     int `db:"all_replies"`
		To      int `db:"to_replies"`
		Message int `db:"message_replies"`
	}
	err := get(t.ctx, t.tx, &c, `SELECT (`+all+`) AS all_replies, (`+to+`) AS to_replies, (`+forMessage+`) AS message_replies`,
		append(append(allArgs, toArgs...), messageArgs...)...)
	if err != nil {
		return ReplyCounts{}, fmt.Errorf("store: count replies: %w", err)
	}
	return ReplyCounts{All: c.All, To: c.To, Message: c.Message}, nil
}
