package lifecycle

import (
	"fmt"
	"time"

	"nasbot/domain"
	"nasbot/store"
)

// DormantMailboxes decides the dormant-mailbox job: a registered, open shared mailbox that has
// sent no email for over DormantAfterMonths months (since its last send, or since the site was
// created when it was never seen sending) is reported to NAS staff, who decide whether to
// delete it: the guide makes it eligible for deletion, never deleted automatically. A mailbox
// is reported once: again only if it sent mail after the last report and then fell silent for
// another six months. Exactly six months is not yet "over six months".
func DormantMailboxes(mbs []store.MailboxActivity, now time.Time) []domain.Effect {
	cutoff := now.AddDate(0, -DormantAfterMonths, 0)
	var out []domain.Effect
	for _, m := range mbs {
		if m.Mailbox == "" || m.Status != domain.StatusActive {
			continue
		}
		since, what := m.CreatedAt, "has never been seen sending (site created "+day(m.CreatedAt)+")"
		if m.LastSentAt != nil {
			since, what = *m.LastSentAt, "last sent an email on "+day(*m.LastSentAt)
		}
		if !since.Before(cutoff) {
			continue
		}
		if m.ReportedAt != nil && !(m.LastSentAt != nil && m.LastSentAt.After(*m.ReportedAt)) {
			continue // reported, and silent since
		}
		out = append(out, domain.ReportToStaff{ODS: m.ODS, Reason: MailboxDormant,
			Detail: fmt.Sprintf("the shared mailbox %s (%s) %s: no email for over %d months, so it is "+
				"eligible for deletion. Nothing was deleted: decide with the site whether to keep it.",
				m.Mailbox, m.ODS, what, DormantAfterMonths)})
	}
	return out
}
