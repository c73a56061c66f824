package store

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"nasbot/domain"
)

// The staff queue's reads: exceptions with their message and site, and what a case page shows
// (requests, replies, history). Staff decisions themselves go through the desk (casework.go);
// here are only the desk's own small writes (assign).

// QueueFilter chooses exceptions for the queue. Empty fields do not filter.
type QueueFilter struct {
	State    string // "open" (the default), "closed" or "all"
	Reason   string
	Sector   string
	ODS      string
	Assignee string // a staff address, or Unassigned
	// Search matches a reference (NAS-000123, or case 12 for a case no message caused) exactly,
	// or else an ODS code, an address or words of the subject, the request's fields or, for a
	// case no message caused, its detail.
	Search string
	Limit  int // default 100
	Offset int
}

// Unassigned is the QueueFilter.Assignee of cases nobody took.
const Unassigned = "-"

// QueueItem is one exception with the message and site it is about. One that no message caused
// (a lifecycle report, a failed text) has MessageRef 0, no ReceivedAt and empty message fields;
// its site and account are those it names itself.
type QueueItem struct {
	ID          int64      `db:"id"`
	MessageRef  int64      `db:"message"`
	RequestRef  *int64     `db:"request"`
	Reason      string     `db:"reason"`
	Detail      string     `db:"detail"`
	State       string     `db:"state"`
	Assignee    string     `db:"assignee"`
	CreatedAt   time.Time  `db:"created_at"`
	ClosedAt    *time.Time `db:"closed_at"`
	ReceivedAt  *time.Time `db:"received_at"` // nil without a message (SQLite would read a COALESCE as text)
	Verdict     string     `db:"verdict"`
	Sender      string     `db:"sender"`
	SenderKind  string     `db:"sender_kind"`
	Subject     string     `db:"subject"`
	ODS         string     `db:"ods_code"`
	Sector      string     `db:"sector"`
	OrgName     string     `db:"org_name"`
	Town        string     `db:"town"`
	RequestType string     `db:"request_type"`
	Account     string     `db:"account"`
}

// Tag is the reference staff know the case by, and the subject of its history: its message's
// tag, or "case 12" when no message caused it.
func (q QueueItem) Tag() string { return caseTag(q.MessageRef, q.ID) }

// HasMessage reports whether a message caused the case; only then are there requests, replies
// and a sender to show or decide.
func (q QueueItem) HasMessage() bool { return q.MessageRef != 0 }

// The site and account an exception is about: its message's and request's, or else its own.
const (
	excODS     = `COALESCE(m.ods_code, e.ods_code)`
	excAccount = `COALESCE(r.account, e.account)`
)

const queueFrom = ` FROM exceptions e
	LEFT JOIN messages m ON m.id = e.message
	LEFT JOIN requests r ON r.id = e.request
	LEFT JOIN organisations o ON o.ods_code = ` + excODS

const queueSelect = `SELECT e.id, COALESCE(e.message, 0) AS message, e.request, e.reason, e.detail, e.state,
	e.assignee, e.created_at, e.closed_at, m.received_at, COALESCE(m.verdict, '') AS verdict,
	COALESCE(m.sender, '') AS sender, COALESCE(m.sender_kind, '') AS sender_kind,
	COALESCE(m.subject, '') AS subject, ` + excODS + ` AS ods_code,
	COALESCE(o.sector, '') AS sector, COALESCE(o.name, '') AS org_name, COALESCE(o.town, '') AS town,
	COALESCE(r.type, '') AS request_type, ` + excAccount + ` AS account` + queueFrom

// tagPattern reads a reference tag as people type it: NAS-000123, nas123, [NAS-123];
// casePattern the reference of a case no message caused: case 12.
var (
	tagPattern  = regexp.MustCompile(`(?i)^\[?\s*NAS\s*-?\s*0*([0-9]{1,15})\s*\]?$`)
	casePattern = regexp.MustCompile(`(?i)^case\s*([0-9]{1,15})$`)
)

// where builds the filter's conditions; withReason is false for the counts by reason.
func (f QueueFilter) where(withReason bool) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) { conds = append(conds, cond); args = append(args, a...) }
	switch f.State {
	case "all":
	case "closed":
		add(`e.state <> 'open'`)
	default:
		add(`e.state = 'open'`)
	}
	if withReason && f.Reason != "" {
		add(`e.reason = ?`, f.Reason)
	}
	if f.Sector != "" {
		add(`o.sector = ?`, f.Sector)
	}
	if f.ODS != "" {
		add(excODS+` = ?`, strings.ToUpper(strings.TrimSpace(f.ODS)))
	}
	switch f.Assignee {
	case "":
	case Unassigned:
		add(`e.assignee = ''`)
	default:
		add(`e.assignee = ?`, strings.ToLower(f.Assignee))
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		cond, a := search(q)
		add(cond, a...)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// search is the condition of the search box: a reference exactly, or else words of what the
// case is about. A case no message caused is described by its detail, so that is searched too.
func search(q string) (string, []any) {
	if m := tagPattern.FindStringSubmatch(q); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		return `e.message = ?`, []any{id}
	}
	if m := casePattern.FindStringSubmatch(q); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		return `e.id = ? AND e.message IS NULL`, []any{id}
	}
	lower := strings.ToLower(q)
	like := "%" + likeEscape(lower) + "%"
	return `(LOWER(m.sender) LIKE ? ESCAPE '\' OR LOWER(` + excAccount + `) LIKE ? ESCAPE '\'
		OR LOWER(` + excODS + `) = ? OR LOWER(m.subject) LIKE ? ESCAPE '\'
		OR LOWER(COALESCE(r.fields, '')) LIKE ? ESCAPE '\'
		OR (e.message IS NULL AND LOWER(e.detail) LIKE ? ESCAPE '\'))`, []any{like, like, lower, like, like, like}
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Queue returns the exceptions the filter chooses: open ones oldest first (the order they are
// worked in), closed ones newest first.
func (s *Store) Queue(ctx context.Context, f QueueFilter) ([]QueueItem, error) {
	where, args := f.where(true)
	order := ` ORDER BY e.created_at, e.id`
	if f.State == "closed" || f.State == "all" {
		order = ` ORDER BY e.created_at DESC, e.id DESC`
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var items []QueueItem
	err := sel(ctx, s.db, &items, queueSelect+where+order+` LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, fmt.Errorf("store: queue: %w", err)
	}
	return items, nil
}

// ReasonCount is how many exceptions stopped on one reason.
type ReasonCount struct {
	Reason string `db:"reason"`
	N      int    `db:"n"`
}

// QueueCounts counts the exceptions the filter chooses, reason filter aside, by reason, the
// commonest first.
func (s *Store) QueueCounts(ctx context.Context, f QueueFilter) ([]ReasonCount, error) {
	where, args := f.where(false)
	var counts []ReasonCount
	err := sel(ctx, s.db, &counts, `SELECT e.reason, COUNT(*) AS n`+queueFrom+where+
		` GROUP BY e.reason ORDER BY n DESC, e.reason`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: queue counts: %w", err)
	}
	return counts, nil
}

// Exception returns one exception with its message and site, or ErrNotFound.
func (s *Store) Exception(ctx context.Context, id int64) (QueueItem, error) {
	var q QueueItem
	err := get(ctx, s.db, &q, queueSelect+` WHERE e.id = ?`, id)
	return q, err
}

// MessageExceptions returns every exception (open or closed) about a message, in order.
func (s *Store) MessageExceptions(ctx context.Context, messageRef int64) ([]QueueItem, error) {
	var items []QueueItem
	err := sel(ctx, s.db, &items, queueSelect+` WHERE e.message = ? ORDER BY e.id`, messageRef)
	if err != nil {
		return nil, fmt.Errorf("store: message exceptions: %w", err)
	}
	return items, nil
}

// AssignException gives an open exception to a staff member ("" to nobody).
func (t *Tx) AssignException(id int64, staff string) error {
	res, err := exec(t.ctx, t.tx, `UPDATE exceptions SET assignee = ? WHERE id = ? AND state = 'open'`,
		strings.ToLower(staff), id)
	if err != nil {
		return fmt.Errorf("store: assign exception: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: exception %d is not open: %w", id, ErrAlreadyDecided)
	}
	return nil
}

// RequestRow is one decided request as recorded.
type RequestRow struct {
	ID         int64     `db:"id"`
	MessageRef int64     `db:"message"`
	Seq        int       `db:"seq"`
	Type       string    `db:"type"`
	Line       int       `db:"line"`
	Row        int       `db:"csv_row"`
	Outcome    string    `db:"outcome"`
	Reasons    string    `db:"reasons"`
	Account    string    `db:"account"`
	Summary    string    `db:"summary"`
	Fields     string    `db:"fields"` // JSON of domain.Request
	ReceivedAt time.Time `db:"received_at"`
	Sender     string    `db:"sender"`
}

// Tag is the reference of the message the request came in.
func (r RequestRow) Tag() string { return Tag(r.MessageRef) }

const requestSelect = `SELECT r.id, r.message, r.seq, r.type, r.line, r.csv_row, r.outcome, r.reasons, r.account,
	r.summary, r.fields, m.received_at, m.sender FROM requests r JOIN messages m ON m.id = r.message`

// MessageRequests returns a message's decided requests, in message order.
func (s *Store) MessageRequests(ctx context.Context, messageRef int64) ([]RequestRow, error) {
	var rows []RequestRow
	err := sel(ctx, s.db, &rows, requestSelect+` WHERE r.message = ? ORDER BY r.seq`, messageRef)
	if err != nil {
		return nil, fmt.Errorf("store: message requests: %w", err)
	}
	return rows, nil
}

// AccountRequests returns the requests about an address (as the account decided, or named in
// the request's fields), newest first.
func (s *Store) AccountRequests(ctx context.Context, address string, limit int) ([]RequestRow, error) {
	address = strings.ToLower(strings.TrimSpace(address))
	var rows []RequestRow
	err := sel(ctx, s.db, &rows, requestSelect+` WHERE r.account = ? OR LOWER(r.fields) LIKE ? ESCAPE '\'
		ORDER BY r.message DESC, r.seq LIMIT ?`, address, `%"`+likeEscape(address)+`"%`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: account requests: %w", err)
	}
	return rows, nil
}

// ReplyRow is one outbox row with its delivery state.
type ReplyRow struct {
	ID            int64      `db:"id"`
	MessageRef    *int64     `db:"message"`
	MessageID     string     `db:"message_id"`
	From          string     `db:"from_addr"`
	To            string     `db:"to_addr"`
	Subject       string     `db:"subject"`
	Tag           string     `db:"tag"`
	Text          string     `db:"body_text"`
	State         string     `db:"state"`
	Attempts      int        `db:"attempts"`
	LastError     string     `db:"last_error"`
	ServerAnswer  string     `db:"server_answer"`
	CreatedAt     time.Time  `db:"created_at"`
	NextAttemptAt time.Time  `db:"next_attempt_at"`
	SentAt        *time.Time `db:"sent_at"`
}

const replySelect = `SELECT id, message, message_id, from_addr, to_addr, subject, tag, body_text, state, attempts,
	last_error, server_answer, created_at, next_attempt_at, sent_at FROM outbox`

// MessageReplies returns every reply written for a message, in order.
func (s *Store) MessageReplies(ctx context.Context, messageRef int64) ([]ReplyRow, error) {
	var rows []ReplyRow
	err := sel(ctx, s.db, &rows, replySelect+` WHERE message = ? ORDER BY id`, messageRef)
	if err != nil {
		return nil, fmt.Errorf("store: message replies: %w", err)
	}
	return rows, nil
}

// Reply returns one outbox row, or ErrNotFound.
func (s *Store) Reply(ctx context.Context, id int64) (ReplyRow, error) {
	var r ReplyRow
	err := get(ctx, s.db, &r, replySelect+` WHERE id = ?`, id)
	return r, err
}

// ParkedReplies returns the replies waiting for staff (held by the backlog guard, or failed for
// good), oldest first.
func (s *Store) ParkedReplies(ctx context.Context, limit int) ([]ReplyRow, error) {
	var rows []ReplyRow
	err := sel(ctx, s.db, &rows, replySelect+` WHERE state = 'parked' ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: parked replies: %w", err)
	}
	return rows, nil
}

// AuditRow is one line of the audit log.
type AuditRow struct {
	ID      int64     `db:"id"`
	At      time.Time `db:"at"`
	Actor   string    `db:"actor"`
	Action  string    `db:"action"`
	Subject string    `db:"subject"`
	Detail  string    `db:"detail"`
}

// History returns the audit lines about any of the subjects (a tag, "outbox 12", "staff x@y"),
// oldest first.
func (s *Store) History(ctx context.Context, subjects ...string) ([]AuditRow, error) {
	if len(subjects) == 0 {
		return nil, nil
	}
	query, args, err := sqlx.In(`SELECT id, at, actor, action, subject, detail FROM audit
		WHERE subject IN (?) ORDER BY at, id`, subjects)
	if err != nil {
		return nil, fmt.Errorf("store: history: %w", err)
	}
	var rows []AuditRow
	if err := sel(ctx, s.db, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("store: history: %w", err)
	}
	return rows, nil
}

// AccountHistory returns the audit lines that name an address in their detail (the bot's
// decisions record the account they were about), newest first.
func (s *Store) AccountHistory(ctx context.Context, address string, limit int) ([]AuditRow, error) {
	address = strings.ToLower(strings.TrimSpace(address))
	var rows []AuditRow
	err := sel(ctx, s.db, &rows, `SELECT id, at, actor, action, subject, detail FROM audit
		WHERE detail = ? OR subject = ? ORDER BY at DESC, id DESC LIMIT ?`, address, "account "+address, limit)
	if err != nil {
		return nil, fmt.Errorf("store: account history: %w", err)
	}
	return rows, nil
}

// AccountByMobile returns the account holding a mobile number (11 digits), or ErrNotFound.
func (s *Store) AccountByMobile(ctx context.Context, mobile string) (domain.Account, error) {
	return accountByMobile(ctx, s.db, mobile)
}
