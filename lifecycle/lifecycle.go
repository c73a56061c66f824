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
// As in handlers, the decisions are pure functions (accounts or mailboxes and the time → actions)
// and a Runner applies them, one transaction per job, with an audit row for each change. Every
// job is idempotent: what it did changes what it reads, so a second run finds nothing to do.
package lifecycle

import (
	"time"

	"nasbot/domain"
	"nasbot/store"
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

// Kind is what an action does.
type Kind string

// Action kinds.
const (
	// DeleteAccount deletes an account whose deletion date has come; its address stays reserved.
	DeleteAccount Kind = "delete_account"
	// ScheduleDeletion gives a leaver without a deletion date one (LeaverGraceDays from now).
	ScheduleDeletion Kind = "schedule_deletion"
	// MarkInactive makes an account inactive now, to be deleted InactiveGraceDays later.
	MarkInactive Kind = "mark_inactive"
	// Reactivate makes an inactive account that was used again active and cancels its deletion.
	Reactivate Kind = "reactivate"
	// Report puts a finding about a site's shared mailbox in the staff queue.
	Report Kind = "report"
	// Notify mails a site's shared mailbox the changes the jobs made to its accounts.
	Notify Kind = "notify"
	// AccessReview mails a site's shared mailbox the list of its accounts (quarterly).
	AccessReview Kind = "access_review"
	// Digest mails NAS staff yesterday's figures.
	Digest Kind = "digest"
)

// Kinds lists the kinds in the order summaries print them.
var Kinds = []Kind{DeleteAccount, ScheduleDeletion, MarkInactive, Reactivate, Report, Notify, AccessReview, Digest}

// Action is one change a job decided on. Account actions name Address and the Status the account
// had when decided (the store applies them only if it still has it); reports name ODS and Reason;
// notices name ODS, the Mailbox told ("" when there is none to tell) and the Notices listed.
type Action struct {
	Kind    Kind
	Address string
	Status  string
	ODS     string
	Mailbox string
	// DeleteAfter is the deletion date set by ScheduleDeletion and MarkInactive.
	DeleteAfter time.Time
	Reason      domain.Reason
	Notices     []store.LifecycleNotice
	// Detail says why, in plain words, for the audit log and the staff queue.
	Detail string
}

// Subject is what the action is about: the account's address, or the site's ODS code.
func (a Action) Subject() string {
	if a.Address != "" {
		return a.Address
	}
	return a.ODS
}

// day formats a time for Detail texts.
func day(t time.Time) string { return t.UTC().Format("2 January 2006 15:04 MST") }
