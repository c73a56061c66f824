package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"nasbot/domain"
)

// Message states: new (stored, not yet decided) and done (decided, outcome recorded).
const (
	MessageNew  = "new"
	MessageDone = "done"
)

// StoredMessage is one row of the ledger.
type StoredMessage struct {
	ID           int64      `db:"id"`
	Mailbox      string     `db:"mailbox"`
	UIDValidity  int64      `db:"uid_validity"`
	UID          int64      `db:"uid"`
	MessageID    string     `db:"message_id"`
	SHA256       string     `db:"sha256"`
	Raw          []byte     `db:"raw"`
	ReceivedAt   time.Time  `db:"received_at"`
	State        string     `db:"state"`
	Verdict      string     `db:"verdict"`
	Reasons      string     `db:"reasons"`
	Sender       string     `db:"sender"`
	SenderKind   string     `db:"sender_kind"`
	ODS          string     `db:"ods_code"`
	Subject      string     `db:"subject"`
	Verification string     `db:"verification"`
	ProcessedAt  *time.Time `db:"processed_at"`
}

// Tag is the reference number people quote, e.g. NAS-000123.
func (m StoredMessage) Tag() string { return Tag(m.ID) }

// Tag formats a message id as its reference number.
func Tag(id int64) string { return fmt.Sprintf("NAS-%06d", id) }

// LastUID is the highest UID stored for mailbox at uidValidity (0 when none).
func (s *Store) LastUID(ctx context.Context, mailbox string, uidValidity uint32) (uint32, error) {
	var uid int64
	err := get(ctx, s.db, &uid, `SELECT COALESCE(MAX(uid), 0) FROM messages WHERE mailbox = ? AND uid_validity = ?`,
		mailbox, int64(uidValidity))
	if err != nil {
		return 0, fmt.Errorf("store: last uid: %w", err)
	}
	return uint32(uid), nil
}

// SaveInbound stores a fetched message in the ledger, committed before anything acts on it.
// isNew is false when the same (mailbox, UIDVALIDITY, UID) was stored before.
func (s *Store) SaveInbound(ctx context.Context, in domain.Inbound) (id int64, isNew bool, err error) {
	sum := sha256.Sum256(in.Raw)
	received := in.ReceivedAt
	if received.IsZero() {
		received = time.Now()
	}
	// A new message announces itself to the workers in the same statement (dialect.announce).
	var row struct {
		ID        int64  `db:"id"`
		Announced string `db:"announced"`
	}
	err = get(ctx, s.db, &row, `INSERT INTO messages (mailbox, uid_validity, uid, sha256, raw, received_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (mailbox, uid_validity, uid) DO NOTHING RETURNING id`+s.announced(),
		in.Mailbox, int64(in.UIDValidity), int64(in.UID), hex.EncodeToString(sum[:]), in.Raw, received.UTC())
	if err == nil {
		return row.ID, true, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return 0, false, fmt.Errorf("store: save inbound: %w", err)
	}
	err = get(ctx, s.db, &id, `SELECT id FROM messages WHERE mailbox = ? AND uid_validity = ? AND uid = ?`,
		in.Mailbox, int64(in.UIDValidity), int64(in.UID))
	if err != nil {
		return 0, false, fmt.Errorf("store: save inbound: find existing: %w", err)
	}
	return id, false, nil
}

const messageColumns = `id, mailbox, uid_validity, uid, message_id, sha256, raw, received_at, state, verdict,
	reasons, sender, sender_kind, ods_code, subject, verification, processed_at`

// Message returns one stored message, or ErrNotFound.
func (s *Store) Message(ctx context.Context, id int64) (StoredMessage, error) {
	var m StoredMessage
	err := get(ctx, s.db, &m, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id)
	return m, err
}

// announced is the RETURNING column that announces a new message: the dialect's, or a
// constant where there is none, so that the row always has the same two columns.
func (s *Store) announced() string {
	if s.dialect.announce != "" {
		return s.dialect.announce
	}
	return `, '' AS announced`
}

// UndecidedMessageRows returns up to limit stored messages not yet decided, oldest first, whole:
// the worker decides each without reading it again (one round trip a batch, not one a message).
func (s *Store) UndecidedMessageRows(ctx context.Context, limit int) ([]StoredMessage, error) {
	var ms []StoredMessage
	err := sel(ctx, s.db, &ms, `SELECT `+messageColumns+` FROM messages WHERE state = 'new' ORDER BY id LIMIT ?`, limit)
	return ms, err
}

// UndecidedMessages returns the ids of stored messages not yet decided, oldest first.
func (s *Store) UndecidedMessages(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	err := sel(ctx, s.db, &ids, `SELECT id FROM messages WHERE state = 'new' ORDER BY id LIMIT ?`, limit)
	return ids, err
}

// SeenBefore reports whether an earlier decided message had the same raw bytes, or was proven
// and had the same Message-ID or one of the same DKIM signatures. Only proven mail claims: a
// forged copy carrying a genuine message's Message-ID must not make the genuine one a
// duplicate, while the genuine one re-sent with a new Message-ID on top still is.
func (t *Tx) SeenBefore(id int64, messageID, sha string, signatures []string) (bool, error) {
	expr, args := seenBefore(id, messageID, sha, signatures)
	var seen int
	err := get(t.ctx, t.tx, &seen, `SELECT `+expr, args...)
	return seen == 1, err
}

// seenBefore is SeenBefore's question as an SQL expression (1 or 0) and its arguments: the
// message's own columns, then any of its signatures, each an EXISTS that stops at the first
// match, so that one round trip answers it.
func seenBefore(id int64, messageID, sha string, signatures []string) (string, []any) {
	q := `CASE WHEN EXISTS (SELECT 1 FROM messages WHERE id <> ? AND state = 'done'
		AND ((message_id = ? AND message_id <> '' AND proven = 1) OR sha256 = ?))`
	args := []any{id, messageID, sha}
	if len(signatures) > 0 {
		q += ` OR EXISTS (SELECT 1 FROM signatures WHERE message <> ? AND signature IN (?` +
			strings.Repeat(", ?", len(signatures)-1) + `))`
		args = append(args, id)
		for _, sig := range signatures {
			args = append(args, signatureKey(sig))
		}
	}
	return q + ` THEN 1 ELSE 0 END`, args
}

// signatureKey is what the signatures table keeps of a b= value: its SHA-256, short and fixed
// in length for the index, and enough to tell two signatures apart.
func signatureKey(b string) string {
	sum := sha256.Sum256([]byte(b))
	return hex.EncodeToString(sum[:])
}

// Decided is what the pipeline records about a whole message once its requests are decided.
type Decided struct {
	MessageID    string // the Message-ID header
	Verdict      domain.Verdict
	Reasons      []domain.Reason
	Sender       string
	SenderKind   string
	ODS          string
	Subject      string
	Verification string // JSON of domain.Verification
	// Proven messages claim their Message-ID and Signatures (the aligned DKIM b= values).
	Proven     bool
	Signatures []string
}

// FinishMessage marks a message decided and records what it claims. It fails when the message
// was decided already, so two workers can never both decide one message, and with a conflict
// (store.IsConflict) when another proven message claimed one of its signatures meanwhile.
func (t *Tx) FinishMessage(id int64, d Decided, now time.Time) error {
	proven := 0
	var keys []string // the signatures it claims, each once
	if d.Proven {
		proven = 1
		for _, sig := range d.Signatures {
			if key := signatureKey(sig); !slices.Contains(keys, key) {
				keys = append(keys, key)
			}
		}
	}
	finish := `UPDATE messages SET state = 'done', message_id = ?, verdict = ?, reasons = ?,
		sender = ?, sender_kind = ?, ods_code = ?, subject = ?, verification = ?, processed_at = ?, proven = ?
		WHERE id = ? AND state = 'new'`
	args := []any{d.MessageID, d.Verdict, joinReasons(d.Reasons), d.Sender, d.SenderKind, d.ODS, d.Subject,
		d.Verification, now.UTC(), proven, id}
	if t.d.writableCTE && len(keys) > 0 {
		// The claims go in the same round trip, inserted only when the UPDATE took the message.
		var n int
		err := get(t.ctx, t.tx, &n, `WITH done AS (`+finish+` RETURNING id),
			claimed AS (INSERT INTO signatures (signature, message) SELECT v.signature, done.id
				FROM done, (VALUES (?)`+strings.Repeat(", (?)", len(keys)-1)+`) AS v (signature))
			SELECT COUNT(*) FROM done`, append(args, anys(keys)...)...)
		return finished(id, int64(n), err)
	}
	res, err := exec(t.ctx, t.tx, finish, args...)
	var n int64
	if err == nil {
		n, _ = res.RowsAffected()
	}
	if err := finished(id, n, err); err != nil || len(keys) == 0 {
		return err
	}
	// Every signature in one multi-row INSERT: one round trip however many there are.
	values := "(?, ?)" + strings.Repeat(", (?, ?)", len(keys)-1)
	var claims []any
	for _, key := range keys {
		claims = append(claims, key, id)
	}
	if _, err := exec(t.ctx, t.tx, `INSERT INTO signatures (signature, message) VALUES `+values, claims...); err != nil {
		return fmt.Errorf("store: claim signature: %w", err)
	}
	return nil
}

// finished is FinishMessage's verdict on its UPDATE: an error, or ErrAlreadyDecided unless it
// changed the one message.
func finished(id, changed int64, err error) error {
	if err != nil {
		return fmt.Errorf("store: finish message: %w", err)
	}
	if changed != 1 {
		return fmt.Errorf("store: finish message %d: %w", id, ErrAlreadyDecided)
	}
	return nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ErrAlreadyDecided is returned when a message was decided by someone else first.
var ErrAlreadyDecided = errors.New("already decided")

// DecidedRequest is one request's outcome, recorded with its message.
type DecidedRequest struct {
	Seq     int
	Type    domain.RequestType
	Line    int
	Row     int
	Outcome domain.Outcome
	Reasons []domain.Reason
	Account string
	Summary string
	Fields  string // JSON of the parsed domain.Request
}

const addRequest = `INSERT INTO requests (message, seq, type, line, csv_row, outcome, reasons, account, summary, fields)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func addRequestArgs(messageID int64, r DecidedRequest) []any {
	return []any{messageID, r.Seq, r.Type, r.Line, r.Row, r.Outcome, joinReasons(r.Reasons), r.Account, r.Summary, r.Fields}
}

// AddRequest records one decided request and returns its id.
func (t *Tx) AddRequest(messageID int64, r DecidedRequest) (int64, error) {
	var id int64
	if err := get(t.ctx, t.tx, &id, addRequest, addRequestArgs(messageID, r)...); err != nil {
		return 0, fmt.Errorf("store: add request: %w", err)
	}
	return id, nil
}

// AuditLine is one line of the audit log: who did what to which subject.
type AuditLine struct {
	Actor, Action, Subject, Detail string
}

// AddRequestAudited is AddRequest then Audit(a), in one round trip where the dialect allows.
func (t *Tx) AddRequestAudited(messageID int64, r DecidedRequest, a AuditLine, now time.Time) (int64, error) {
	if !t.d.writableCTE {
		id, err := t.AddRequest(messageID, r)
		if err != nil {
			return 0, err
		}
		return id, t.Audit(a.Actor, a.Action, a.Subject, a.Detail, now)
	}
	var id int64
	err := get(t.ctx, t.tx, &id, `WITH r AS (`+addRequest+`), a AS (`+insertAudit+`) SELECT id FROM r`,
		append(addRequestArgs(messageID, r), now.UTC(), a.Actor, a.Action, a.Subject, a.Detail)...)
	if err != nil {
		return 0, fmt.Errorf("store: add request: %w", err)
	}
	return id, nil
}

// OpenException puts a message (and, when requestID is not 0, one of its requests) in the staff queue.
func (t *Tx) OpenException(messageID, requestID int64, reason domain.Reason, detail string, now time.Time) error {
	var req any
	if requestID != 0 {
		req = requestID
	}
	_, err := exec(t.ctx, t.tx, `INSERT INTO exceptions (message, request, reason, detail, created_at) VALUES (?, ?, ?, ?, ?)`,
		messageID, req, reason, detail, now.UTC())
	if err != nil {
		return fmt.Errorf("store: open exception: %w", err)
	}
	return nil
}

const insertAudit = `INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)`

// Audit records who did what to which subject.
func (t *Tx) Audit(actor, action, subject, detail string, now time.Time) error {
	_, err := exec(t.ctx, t.tx, insertAudit, now.UTC(), actor, action, subject, detail)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

func joinReasons(rs []domain.Reason) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// SplitReasons is the inverse of how reasons are stored.
func SplitReasons(s string) []domain.Reason {
	rs := []domain.Reason{}
	for _, r := range strings.Split(s, ",") {
		if r != "" {
			rs = append(rs, domain.Reason(r))
		}
	}
	return rs
}

// Message returns one stored message, read inside the transaction (SQLite has one connection,
// so reads during a transaction must go through it).
func (t *Tx) Message(id int64) (StoredMessage, error) {
	var m StoredMessage
	err := get(t.ctx, t.tx, &m, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id)
	return m, err
}

// ClaimUnseen is ClaimMessage and SeenBefore(id, messageID, sha, signatures) in one round trip:
// ok is ClaimMessage's answer, and seen, when ok, SeenBefore's.
func (t *Tx) ClaimUnseen(id int64, messageID, sha string, signatures []string) (ok, seen bool, err error) {
	expr, args := seenBefore(id, messageID, sha, signatures)
	var row struct {
		State string `db:"state"`
		Seen  int    `db:"seen"`
	}
	err = get(t.ctx, t.tx, &row, `SELECT state, `+expr+` AS seen FROM messages WHERE id = ?`+t.d.skipLocked,
		append(args, id)...)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, false, nil // locked by another worker
	case err != nil:
		return false, false, fmt.Errorf("store: claim message %d: %w", id, err)
	}
	return row.State == MessageNew, row.Seen == 1, nil
}

// ClaimMessage locks an undecided message for this transaction. ok is false when it was decided
// already or another worker holds it (PostgreSQL's SKIP LOCKED lets replicas share the work
// without waiting on each other; SQLite runs one transaction at a time anyway).
func (t *Tx) ClaimMessage(id int64) (ok bool, err error) {
	q := `SELECT state FROM messages WHERE id = ?` + t.d.skipLocked
	var state string
	err = get(t.ctx, t.tx, &state, q, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil // locked by another worker
	case err != nil:
		return false, fmt.Errorf("store: claim message %d: %w", id, err)
	}
	return state == MessageNew, nil
}
