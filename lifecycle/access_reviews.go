package lifecycle

import (
	"fmt"
	"slices"
	"time"

	"nasbot/domain"
	"nasbot/store"
	"nasbot/templates"
)

// Access reviews: NHS organisations must review who can get into their systems (the Data
// Security and Protection Toolkit asks every year), and a site's owners hold no list of their
// accounts but the one the NAS sends. So each active shared mailbox is sent its list once a
// quarter by default, the oldest reviewed first, a bounded number a run so that a first run does
// not trip the outbox's circuit breaker.
const (
	// DefaultAccessReviewEvery is how often a site is sent its list (NASBOT_ACCESS_REVIEW_EVERY).
	DefaultAccessReviewEvery = 91 * 24 * time.Hour
	// AccessReviewQuiet: a site reviewed within this long (periodic or asked for) is left alone.
	AccessReviewQuiet = 80 * 24 * time.Hour
	// MaxAccessReviewsPerRun bounds the mails one run writes; the rest go on the next days.
	MaxAccessReviewsPerRun = 200
)

// AccessReviews decides which sites are sent their list now: those never reviewed, or last
// reviewed at least every ago (and never within AccessReviewQuiet), oldest first.
func AccessReviews(sites []store.ReviewSite, now time.Time, every time.Duration) []domain.Effect {
	wait := max(every, AccessReviewQuiet)
	var due []store.ReviewSite
	for _, s := range sites {
		if s.LastReview == nil || now.Sub(*s.LastReview) >= wait {
			due = append(due, s)
		}
	}
	// Never reviewed first, then the longest ago; ReviewSites reads them in ODS order.
	slices.SortStableFunc(due, func(a, b store.ReviewSite) int {
		switch {
		case a.LastReview == nil && b.LastReview == nil:
			return 0
		case a.LastReview == nil:
			return -1
		case b.LastReview == nil:
			return 1
		}
		return a.LastReview.Compare(*b.LastReview)
	})
	var out []domain.Effect
	for _, s := range due[:min(len(due), MaxAccessReviewsPerRun)] {
		last := "never reviewed"
		if s.LastReview != nil {
			last = "last reviewed " + day(*s.LastReview)
		}
		out = append(out, domain.SendAccessReview{ODS: s.ODS, Mailbox: s.Mailbox,
			Detail: fmt.Sprintf("access review sent to %s (%s)", s.Mailbox, last)})
	}
	return out
}

// review mails a site's shared mailbox its list of accounts and records the review.
func (r *Runner) review(tx *store.Tx, a domain.SendAccessReview, now time.Time) error {
	org, ok, err := tx.Organisation(a.ODS)
	if err != nil || !ok {
		return err
	}
	accts, err := tx.SiteAccounts(a.ODS)
	if err != nil {
		return err
	}
	l := &domain.Listing{Site: org, Accounts: accts, Aliases: map[string][]string{}, Limit: domain.MaxSiteAccounts}
	for _, acct := range accts {
		old, err := tx.Aliases(acct.Address)
		if err != nil {
			return err
		}
		if len(old) > 0 {
			l.Aliases[acct.Address] = old
		}
	}
	data := templates.Message{Organisation: org.DisplayName(),
		Subject: "Who has access to the shared mailbox of " + org.DisplayName(), Listing: templates.NewListing(l, now)}
	outboxID, err := r.mail.Notify(tx, a.Mailbox, templates.AccessReview, data, now)
	if err != nil {
		return err
	}
	return tx.RecordAccessReview(a.ODS, store.ReviewPeriodic, outboxID, now)
}
