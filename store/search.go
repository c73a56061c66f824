package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"

	"nasbot/domain"
)

// The desk's search: every decided message by its reference, sender, ODS code, subject, the
// names, addresses and mobiles in its requests and the words of its text, through full-text
// search (FTS5 on SQLite, tsvector with a GIN index on PostgreSQL); and the directory by
// organisation name, town, ODS code, shared mailbox, person and address.

// The dialect's search table (migration 00011): the document of message id `rowid` in `doc`.
const (
	sqliteSearchIndex = `CREATE VIRTUAL TABLE message_search USING fts5(doc, tokenize = 'unicode61 remove_diacritics 2');`
	// "simple": names and codes are not English words to stem.
	postgresSearchIndex = `CREATE TABLE message_search (
    rowid BIGINT PRIMARY KEY,
    doc   TEXT NOT NULL,
    tsv   tsvector GENERATED ALWAYS AS (to_tsvector('simple', doc)) STORED
);
CREATE INDEX message_search_tsv ON message_search USING GIN (tsv);`
)

// maxSearchWords bounds a query: more words only narrow it further.
const maxSearchWords = 8

// SearchWords splits text into what the index holds: lower-case runs of letters and digits,
// the same on both databases, so jane.smith@nhs.net is found by "jane smith" and by itself.
func SearchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// ParseTag reads a reference as people type it (NAS-000123, nas123, [NAS-123]) into a
// message id; ok is false when q is not one.
func ParseTag(q string) (id int64, ok bool) {
	m := tagPattern.FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	return id, err == nil && id > 0
}

// MessageHit is one message a search found, newest first.
type MessageHit struct {
	ID         int64     `db:"id"`
	ReceivedAt time.Time `db:"received_at"`
	State      string    `db:"state"`
	Verdict    string    `db:"verdict"`
	Sender     string    `db:"sender"`
	ODS        string    `db:"ods_code"`
	Subject    string    `db:"subject"`
	OrgName    string    `db:"org_name"`
	OpenCases  int       `db:"open_cases"`
}

// Tag is the message's reference.
func (h MessageHit) Tag() string { return Tag(h.ID) }

const hitSelect = `SELECT m.id, m.received_at, m.state, m.verdict, m.sender, m.ods_code, m.subject,
	COALESCE(o.name, '') AS org_name,
	(SELECT COUNT(*) FROM exceptions e WHERE e.message = m.id AND e.state = 'open') AS open_cases
	FROM messages m LEFT JOIN organisations o ON o.ods_code = m.ods_code`

// SearchMessages finds decided messages whose document holds every word of q (each as a
// prefix), newest first. A reference finds its message exactly.
func (s *Store) SearchMessages(ctx context.Context, q string, limit int) ([]MessageHit, error) {
	if limit <= 0 {
		limit = 50
	}
	var hits []MessageHit
	if id, ok := ParseTag(q); ok {
		err := sel(ctx, s.db, &hits, hitSelect+` WHERE m.id = ?`, id)
		return hits, err
	}
	words := SearchWords(q)
	if len(words) == 0 {
		return nil, nil
	}
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	match, query := s.matchQuery(words)
	err := sel(ctx, s.db, &hits, hitSelect+` WHERE m.id IN (`+match+`) ORDER BY m.id DESC LIMIT ?`, query, limit)
	if err != nil {
		return nil, fmt.Errorf("store: search messages: %w", err)
	}
	return hits, nil
}

// matchQuery is the dialect's full-text condition: every word, as a prefix. The words hold
// only letters and digits (SearchWords), so quoting them is enough on both.
func (s *Store) matchQuery(words []string) (sub, query string) {
	parts := make([]string, len(words))
	if s.IsPostgres() {
		for i, w := range words {
			parts[i] = "'" + w + "':*"
		}
		// The newest matches are enough: the GIN index finds them, the limit keeps the sort small.
		return `SELECT rowid FROM message_search WHERE tsv @@ to_tsquery('simple', ?) ORDER BY rowid DESC LIMIT 500`,
			strings.Join(parts, " & ")
	}
	for i, w := range words {
		parts[i] = `"` + w + `"*`
	}
	return `SELECT rowid FROM message_search WHERE message_search MATCH ? ORDER BY rowid DESC LIMIT 500`,
		strings.Join(parts, " AND ")
}

// SiteMessages returns a site's messages, newest first: everything it sent, processed or not.
func (s *Store) SiteMessages(ctx context.Context, ods string, limit int) ([]MessageHit, error) {
	var hits []MessageHit
	err := sel(ctx, s.db, &hits, hitSelect+` WHERE m.ods_code = ? ORDER BY m.id DESC LIMIT ?`,
		strings.ToUpper(strings.TrimSpace(ods)), limit)
	if err != nil {
		return nil, fmt.Errorf("store: site messages: %w", err)
	}
	return hits, nil
}

// indexBatch is how many messages one IndexPending pass reads at a time.
const indexBatch = 500

// IndexPending puts up to max (all when max <= 0) of the decided messages not yet in the
// search index (or changed since) into it, oldest first, and returns how many. text, when not
// nil, gives the words of a raw message's text (the parser lives above the store); it may be
// nil. Safe to run from several places at once.
func (s *Store) IndexPending(ctx context.Context, text func(raw []byte) string, max int) (int, error) {
	total := 0
	for {
		n, err := s.indexBatch(ctx, text)
		total += n
		if err != nil || n < indexBatch || (max > 0 && total >= max) {
			return total, err
		}
	}
}

// UnindexedMessages counts the decided messages the search cannot find yet.
func (s *Store) UnindexedMessages(ctx context.Context) (int, error) {
	var n int
	err := get(ctx, s.db, &n, `SELECT COUNT(*) FROM messages WHERE search_indexed = 0 AND state = 'done'`)
	return n, err
}

type indexRow struct {
	ID      int64  `db:"id"`
	Sender  string `db:"sender"`
	ODS     string `db:"ods_code"`
	Subject string `db:"subject"`
	Raw     []byte `db:"raw"`
}

func (s *Store) indexBatch(ctx context.Context, text func([]byte) string) (int, error) {
	raw := `'' AS raw`
	if text != nil {
		raw = `raw`
	}
	var rows []indexRow
	err := sel(ctx, s.db, &rows, `SELECT id, sender, ods_code, subject, `+raw+` FROM messages
		WHERE search_indexed = 0 AND state = 'done' ORDER BY id LIMIT ?`, indexBatch)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	fields, err := s.requestWords(ctx, rows[0].ID, rows[len(rows)-1].ID)
	if err != nil {
		return 0, err
	}
	ids := make([]int64, len(rows))
	docs := make([]string, len(rows))
	for i, r := range rows {
		doc := []string{Tag(r.ID), r.Sender, r.ODS, r.Subject, fields[r.ID]}
		if text != nil {
			doc = append(doc, text(r.Raw))
		}
		ids[i], docs[i] = r.ID, strings.Join(SearchWords(strings.Join(doc, " ")), " ")
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.putSearchDocs(ids, docs) }); err != nil {
		return 0, fmt.Errorf("store: index messages: %w", err)
	}
	return len(rows), nil
}

// requestWords gathers, per message in [from, to], the words of its requests: the account and
// every string field of the request as parsed (names, addresses, mobiles).
func (s *Store) requestWords(ctx context.Context, from, to int64) (map[int64]string, error) {
	var reqs []struct {
		Message int64  `db:"message"`
		Type    string `db:"type"`
		Account string `db:"account"`
		Fields  string `db:"fields"`
	}
	err := sel(ctx, s.db, &reqs, `SELECT message, type, account, fields FROM requests WHERE message BETWEEN ? AND ?`, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: index requests: %w", err)
	}
	out := map[int64]string{}
	for _, r := range reqs {
		words := []string{out[r.Message], domain.RequestName(domain.RequestType(r.Type)), r.Account}
		var fields map[string]any
		if json.Unmarshal([]byte(r.Fields), &fields) == nil {
			for k, v := range fields {
				if s, ok := v.(string); ok && k != "type" {
					words = append(words, s)
				}
			}
		}
		out[r.Message] = strings.Join(words, " ")
	}
	return out, nil
}

// putSearchDocs replaces messages' documents and marks them indexed, a batch in three
// statements. A message changed again meanwhile is marked anew by ReindexMessage.
func (t *Tx) putSearchDocs(ids []int64, docs []string) error {
	del, args, err := sqlx.In(`DELETE FROM message_search WHERE rowid IN (?)`, ids)
	if err != nil {
		return err
	}
	if _, err := exec(t.ctx, t.tx, del, args...); err != nil {
		return err
	}
	values := make([]string, len(ids))
	args = make([]any, 0, 2*len(ids))
	for i := range ids {
		values[i] = "(?, ?)"
		args = append(args, ids[i], docs[i])
	}
	if _, err := exec(t.ctx, t.tx, `INSERT INTO message_search (rowid, doc) VALUES `+strings.Join(values, ", "), args...); err != nil {
		return err
	}
	upd, args, err := sqlx.In(`UPDATE messages SET search_indexed = 1 WHERE id IN (?)`, ids)
	if err != nil {
		return err
	}
	_, err = exec(t.ctx, t.tx, upd, args...)
	return err
}

// ReindexMessage marks a message for the search index again, after staff changed its requests.
func (t *Tx) ReindexMessage(id int64) error {
	_, err := exec(t.ctx, t.tx, `UPDATE messages SET search_indexed = 0 WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("store: reindex message: %w", err)
	}
	return nil
}

// DirectoryHits are the directory entries a search found.
type DirectoryHits struct {
	Organisations []domain.Organisation
	Accounts      []domain.Account
}

// SearchDirectory finds sites by ODS code, shared mailbox (or an alias of it), name or town,
// and accounts by address (or alias) or name. Every word of q must match somewhere in the
// entry. The directory is small (thousands of rows), so a scan is enough.
func (s *Store) SearchDirectory(ctx context.Context, q string, limit int) (DirectoryHits, error) {
	var hits DirectoryHits
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return hits, nil
	}
	target, err := resolveAlias(ctx, s.db, q)
	if err != nil {
		return hits, err
	}
	orgCond, orgArgs := allWords(q, `LOWER(name || ' ' || town || ' ' || ods_code || ' ' || shared_mailbox)`)
	err = sel(ctx, s.db, &hits.Organisations, `SELECT `+organisationColumns+` FROM organisations
		WHERE LOWER(ods_code) = ? OR (shared_mailbox = ? AND shared_mailbox <> '') OR (`+orgCond+`)
		ORDER BY name, ods_code LIMIT ?`, append(append([]any{q, target}, orgArgs...), limit)...)
	if err != nil {
		return hits, fmt.Errorf("store: search organisations: %w", err)
	}
	accCond, accArgs := allWords(q, `LOWER(name || ' ' || email)`)
	err = sel(ctx, s.db, &hits.Accounts, `SELECT `+accountColumns+` FROM accounts
		WHERE email = ? OR (`+accCond+`) ORDER BY name, email LIMIT ?`, append(append([]any{target}, accArgs...), limit)...)
	if err != nil {
		return hits, fmt.Errorf("store: search accounts: %w", err)
	}
	return hits, nil
}

// allWords is a condition that every space-separated word of q is in expr.
func allWords(q, expr string) (string, []any) {
	var conds []string
	var args []any
	for i, w := range strings.Fields(q) {
		if i == maxSearchWords {
			break
		}
		conds = append(conds, expr+` LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(w)+"%")
	}
	return strings.Join(conds, " AND "), args
}
