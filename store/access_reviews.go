package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Kinds of access review.
const (
	ReviewPeriodic  = "periodic"  // the quarterly job sent it
	ReviewRequested = "requested" // the site asked (list_accounts)
)

// ReviewSite is an active site with a shared mailbox, and when it last had an access review.
type ReviewSite struct {
	ODS        string `db:"ods_code"`
	Mailbox    string `db:"shared_mailbox"`
	LastReview *time.Time
}

// ReviewSites returns every active site with a shared mailbox, with its last access review.
func (t *Tx) ReviewSites() ([]ReviewSite, error) {
	var sites []ReviewSite
	err := sel(t.ctx, t.tx, &sites, `SELECT ods_code, shared_mailbox FROM organisations
		WHERE status = 'active' AND shared_mailbox <> '' ORDER BY ods_code`)
	if err != nil {
		return nil, fmt.Errorf("store: review sites: %w", err)
	}
	last, err := lastReviews(t.ctx, t.tx)
	if err != nil {
		return nil, err
	}
	for i := range sites {
		if at, ok := last[sites[i].ODS]; ok {
			sites[i].LastReview = &at
		}
	}
	return sites, nil
}

// LastAccessReview returns when the site last had an access review, or nil.
func (s *Store) LastAccessReview(ctx context.Context, ods string) (*time.Time, error) {
	var at []time.Time
	err := sel(ctx, s.db, &at, `SELECT sent_at FROM access_reviews WHERE ods_code = ? ORDER BY sent_at DESC LIMIT 1`,
		strings.ToUpper(ods))
	if err != nil || len(at) == 0 {
		return nil, err
	}
	return &at[0], nil
}

// lastReviews maps each reviewed site to its latest review; read whole and reduced here, since
// SQLite would hand MAX(sent_at) back as text.
func lastReviews(ctx context.Context, q dbtx) (map[string]time.Time, error) {
	var rows []struct {
		ODS string    `db:"ods_code"`
		At  time.Time `db:"sent_at"`
	}
	if err := sel(ctx, q, &rows, `SELECT ods_code, sent_at FROM access_reviews`); err != nil {
		return nil, fmt.Errorf("store: access reviews: %w", err)
	}
	last := map[string]time.Time{}
	for _, r := range rows {
		if r.At.After(last[r.ODS]) {
			last[r.ODS] = r.At
		}
	}
	return last, nil
}

// RecordAccessReview notes that the site was sent its list of accounts (outbox 0: no mail row).
func (t *Tx) RecordAccessReview(ods, kind string, outbox int64, now time.Time) error {
	var ref any
	if outbox != 0 {
		ref = outbox
	}
	_, err := exec(t.ctx, t.tx, `INSERT INTO access_reviews (ods_code, kind, outbox, sent_at) VALUES (?, ?, ?, ?)`,
		strings.ToUpper(ods), kind, ref, now.UTC())
	if err != nil {
		return fmt.Errorf("store: record access review: %w", err)
	}
	return nil
}
