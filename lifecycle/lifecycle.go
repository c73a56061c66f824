// Package lifecycle runs the NAS's scheduled account and mailbox jobs (docs/spec/rules.md "Leavers
// and joiners", "Sites, sectors and shared mailboxes"; the NAS guide's password and leaver pages):
//
//   - leavers: a leaver is deleted 30 days after being marked, unless a joiner request made it
//     active again first;
//   - inactivity: an account not used for 30 days becomes inactive, and is deleted a further 30
//     days later; a login meanwhile makes it active again;
//   - dormant mailboxes: a shared mailbox that has sent no email for over six months is reported
//     to NAS staff (mailbox_dormant), once, and never deleted automatically;
//   - notices: each site's shared mailbox gets one mail a run listing the accounts the jobs
//     deleted or made inactive there, with the day each inactive one goes unless used.
//
// As in handlers, the decisions are pure functions (accounts or mailboxes and the time → effects,
// declared in domain/effects.go) and a Runner applies them, one transaction per job, with an audit
// row for each change: the store makes the changes (store.Tx.Change), the runner writes the mails.
// Every job is idempotent: what it did changes what it reads, so a second run finds nothing to do.
package lifecycle

import (
	"time"

	"nasbot/domain"
)

// The periods of the rules, as domain/rules.go sets them.
const (
	LeaverGraceDays    = domain.LeaverGraceDays
	InactiveAfterDays  = domain.InactiveAfterDays
	InactiveGraceDays  = domain.InactiveGraceDays
	DormantAfterMonths = domain.DormantAfterMonths
)

// Reason codes of lifecycle reports (exceptions for NAS staff). Stable: never rename one.
const (
	// MailboxDormant: the site's shared mailbox has sent no email for over six months and is
	// eligible for deletion; staff decide.
	MailboxDormant = domain.MailboxDormant
	// LastOwner (the rules' own code): deleting an account left its site's shared mailbox with
	// no active owner; staff find a new one.
	LastOwner = domain.LastOwner
)

// Kinds lists one effect of each kind the jobs decide on, in the order summaries print them.
var Kinds = []domain.Effect{domain.DeleteAccount{}, domain.ScheduleDeletion{}, domain.MarkInactive{},
	domain.Reactivate{}, domain.ReportToStaff{}, domain.NotifySite{}, domain.SendAccessReview{}, domain.SendDigest{}}

// Summary is how the audit log, the logs and `nasbot lifecycle` name an effect a job decided on.
type Summary struct {
	// Name is the effect's stable name: "delete_account", "report"… The audit log writes it
	// with spaces ("delete account"), the logs count by it. Never rename one.
	Name string
	// Reason is a report's reason code, "" for the other effects.
	Reason  domain.Reason
	Address string // the account the effect is about, if any
	ODS     string // the site the effect is about, if any
	// Detail says why, in plain words, for the audit log and the staff queue.
	Detail string
}

// Summarize names an effect the jobs decide on; any other effect has no Name.
func Summarize(e domain.Effect) Summary {
	switch e := e.(type) {
	case domain.DeleteAccount:
		return Summary{Name: "delete_account", Address: e.Address, ODS: e.ODS, Detail: e.Detail}
	case domain.ScheduleDeletion:
		return Summary{Name: "schedule_deletion", Address: e.Address, Detail: e.Detail}
	case domain.MarkInactive:
		return Summary{Name: "mark_inactive", Address: e.Address, ODS: e.ODS, Detail: e.Detail}
	case domain.Reactivate:
		return Summary{Name: "reactivate", Address: e.Address, Detail: e.Detail}
	case domain.ReportToStaff:
		return Summary{Name: "report", Reason: e.Reason, ODS: e.ODS, Detail: e.Detail}
	case domain.NotifySite:
		return Summary{Name: "notify", ODS: e.ODS, Detail: e.Detail}
	case domain.SendAccessReview:
		return Summary{Name: "access_review", ODS: e.ODS, Detail: e.Detail}
	case domain.SendDigest:
		return Summary{Name: "digest", Detail: e.Detail}
	}
	return Summary{}
}

// Subject is what the effect is about: the account's address, or the site's ODS code.
func (s Summary) Subject() string {
	if s.Address != "" {
		return s.Address
	}
	return s.ODS
}

// What is the effect's Name with a report's reason: "delete_account", "report mailbox_dormant".
func (s Summary) What() string {
	if s.Reason != "" {
		return s.Name + " " + string(s.Reason)
	}
	return s.Name
}

// Count is how many of the effects are of the kind of kind (one of Kinds).
func Count(effects []domain.Effect, kind domain.Effect) int {
	name, n := Summarize(kind).Name, 0
	for _, e := range effects {
		if Summarize(e).Name == name {
			n++
		}
	}
	return n
}

// day formats a time for Detail texts.
func day(t time.Time) string { return t.UTC().Format("2 January 2006 15:04 MST") }
