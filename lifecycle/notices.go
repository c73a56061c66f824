package lifecycle

import (
	"fmt"
	"time"

	"nasbot/domain"
	"nasbot/store"
	"nasbot/templates"
)

// Notices decides the notices job: each site gets one notice listing every change the jobs made
// to its accounts that it has not been told of, sent to its shared mailbox. The store keeps each
// change for it as it makes it (store.Tx.Change), in the account job's own transaction, so a
// run's changes go in one mail per site, and a second run finds nothing left to tell. A site with
// no open, registered mailbox has nobody to tell: its changes are settled without a mail (the
// audit log has them).
func Notices(untold []store.LifecycleNotice) []domain.Effect {
	var out []domain.NotifySite
	for _, n := range untold {
		if len(out) == 0 || out[len(out)-1].ODS != n.ODS {
			mailbox := n.Mailbox
			if n.SiteStatus != domain.StatusActive {
				mailbox = ""
			}
			out = append(out, domain.NotifySite{ODS: n.ODS, Mailbox: mailbox})
		}
		last := &out[len(out)-1]
		last.Notices = append(last.Notices, n.ID)
		if c := change(n); c != nil {
			last.Changes = append(last.Changes, c)
		}
	}
	effects := make([]domain.Effect, len(out))
	for i, n := range out {
		n.Detail = noticeDetail(n)
		effects[i] = n
	}
	return effects
}

// change is the change a kept notice records, as the effect that made it.
func change(n store.LifecycleNotice) domain.Effect {
	switch n.Kind {
	case store.NoticeDeleted:
		return domain.DeleteAccount{Address: n.Address, ODS: n.ODS, Status: n.Status}
	case store.NoticeInactive:
		m := domain.MarkInactive{Address: n.Address, ODS: n.ODS, Status: n.Status}
		if n.DeleteAfter != nil { // the store dates every account it makes inactive
			m.DeleteAfter = *n.DeleteAfter
		}
		return m
	}
	return nil
}

func noticeDetail(n domain.NotifySite) string {
	deleted := Count(n.Changes, domain.DeleteAccount{})
	inactive := len(n.Notices) - deleted
	to := "told " + n.Mailbox
	if n.Mailbox == "" {
		to = "no open shared mailbox to tell"
	}
	return fmt.Sprintf("%s: %d accounts deleted, %d made inactive", to, deleted, inactive)
}

// notify mails the site's shared mailbox the changes a NotifySite lists, and marks them told
// (told with no mail when the site has no mailbox to tell).
func (r *Runner) notify(tx *store.Tx, a domain.NotifySite, now time.Time) error {
	var outboxID int64
	if a.Mailbox != "" {
		org, _, err := tx.Organisation(a.ODS)
		if err != nil {
			return err
		}
		if outboxID, err = r.mail.Notify(tx, a.Mailbox, templates.Lifecycle, noticeMail(org, a.Changes), now); err != nil {
			return err
		}
	}
	return tx.MarkLifecycleNoticesTold(a.Notices, outboxID, now)
}

// noticeMail is the notice's data: the site and its accounts' addresses, nothing more personal.
func noticeMail(org domain.Organisation, changes []domain.Effect) templates.Message {
	m := templates.Message{Organisation: org.DisplayName(), Subject: "Changes to NHSmail accounts at " + org.DisplayName()}
	for _, c := range changes {
		switch n := c.(type) {
		case domain.DeleteAccount:
			m.Deleted = append(m.Deleted, templates.AccountChange{Address: n.Address, Why: deletedBecause(n.Status)})
		case domain.MarkInactive:
			until := n.DeleteAfter.UTC().Format("2 January 2006")
			m.Inactive = append(m.Inactive, templates.AccountChange{Address: n.Address, Until: until})
		}
	}
	return m
}

// deletedBecause says in an owner's words which rule deleted an account of the status.
func deletedBecause(status string) string {
	if status == domain.StatusLeaver {
		return fmt.Sprintf("marked as a leaver, and not joined to another organisation within %d days", LeaverGraceDays)
	}
	return fmt.Sprintf("not used in the %d days after it became inactive", InactiveGraceDays)
}
