package lifecycle

import (
	"fmt"
	"time"

	"nasbot/domain"
	"nasbot/store"
	"nasbot/templates"
)

// Notices decides the notices job: each site gets one notice listing every change the jobs made
// to its accounts that it has not been told of, sent to its shared mailbox. The account jobs keep
// their changes for it (remember) in their own transactions, so a run's changes go in one mail
// per site, and a second run finds nothing left to tell. A site with no open, registered mailbox
// has nobody to tell: its changes are settled without a mail (the audit log has them).
func Notices(untold []store.LifecycleNotice) []Action {
	var out []Action
	for _, n := range untold {
		if len(out) == 0 || out[len(out)-1].ODS != n.ODS {
			mailbox := n.Mailbox
			if n.SiteStatus != domain.StatusActive {
				mailbox = ""
			}
			out = append(out, Action{Kind: Notify, ODS: n.ODS, Mailbox: mailbox})
		}
		last := &out[len(out)-1]
		last.Notices = append(last.Notices, n)
	}
	for i := range out {
		out[i].Detail = noticeDetail(out[i])
	}
	return out
}

func noticeDetail(a Action) string {
	deleted, inactive := 0, 0
	for _, n := range a.Notices {
		if Kind(n.Kind) == DeleteAccount {
			deleted++
		} else {
			inactive++
		}
	}
	to := "told " + a.Mailbox
	if a.Mailbox == "" {
		to = "no open shared mailbox to tell"
	}
	return fmt.Sprintf("%s: %d accounts deleted, %d made inactive", to, deleted, inactive)
}

// remember keeps an account the jobs deleted or made inactive for its site's notice.
func remember(tx *store.Tx, a Action, now time.Time) error {
	if a.Kind != DeleteAccount && a.Kind != MarkInactive {
		return nil
	}
	n := store.LifecycleNotice{ODS: a.ODS, Kind: string(a.Kind), Address: a.Address, Status: a.Status}
	if a.Kind == MarkInactive {
		n.DeleteAfter = &a.DeleteAfter
	}
	return tx.AddLifecycleNotice(n, now)
}

// notify mails the site's shared mailbox the changes a Notify action lists, and marks them told
// (told with no mail when the site has no mailbox to tell).
func (r *Runner) notify(tx *store.Tx, a Action, now time.Time) error {
	var outboxID int64
	if a.Mailbox != "" {
		org, _, err := tx.Organisation(a.ODS)
		if err != nil {
			return err
		}
		if outboxID, err = r.mail.Notify(tx, a.Mailbox, templates.Lifecycle, noticeMail(org, a.Notices), now); err != nil {
			return err
		}
	}
	ids := make([]int64, len(a.Notices))
	for i, n := range a.Notices {
		ids[i] = n.ID
	}
	return tx.MarkLifecycleNoticesTold(ids, outboxID, now)
}

// noticeMail is the notice's data: the site and its accounts' addresses, nothing more personal.
func noticeMail(org domain.Organisation, ns []store.LifecycleNotice) templates.Message {
	m := templates.Message{Organisation: org.DisplayName(), Subject: "Changes to NHSmail accounts at " + org.DisplayName()}
	for _, n := range ns {
		switch Kind(n.Kind) {
		case DeleteAccount:
			m.Deleted = append(m.Deleted, templates.AccountChange{Address: n.Address, Why: deletedBecause(n.Status)})
		case MarkInactive:
			// remember dates every account it made inactive.
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
