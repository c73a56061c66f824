package domain

import "time"

// Effect is one change a rule decided on. Every change the rules can make is declared in this
// file, with its meaning: a done request's decision makes the first group (Decision.Effects), the
// scheduled lifecycle jobs the second and third. The store makes them (store.Tx.Apply and
// Tx.Change), all in one place, except the jobs' mails (see NotifySite).
type Effect interface{ effect() }

// The changes a done request makes.

// CreateAccount makes a new active account at a site, linked with Role (RoleNone: not linked).
type CreateAccount struct {
	Address, Name, Mobile, ODS string
	Role                       Role
}

// SetRole links an account to its site's mailbox with a role, or unlinks it (RoleNone).
type SetRole struct {
	Address string
	Role    Role
}

// MarkLeaver sets an account's status to leaver, unlinks it and schedules its deletion.
type MarkLeaver struct {
	Address           string
	DeleteAfter       time.Time
	LeavingProfession bool
}

// MarkJoiner makes a leaver active again at a new site, cancels its deletion and links it.
type MarkJoiner struct {
	Address, ODS string
	Role         Role
}

// RenameAccount changes an account's name and address; the old address stays as an alias.
type RenameAccount struct {
	OldAddress, NewAddress, NewName string
}

// CloseSharedMailbox closes a site's shared mailbox and removes every link to it.
type CloseSharedMailbox struct{ ODS string }

// RegisterSharedMailbox gives a site (created if the directory lacks it) its shared mailbox.
type RegisterSharedMailbox struct {
	ODS     string
	Sector  Sector
	Name    string
	Town    string
	Mailbox string
}

// SendTemporaryPassword sends a new temporary password by text message to the number on record.
type SendTemporaryPassword struct{ Address string }

// The changes the lifecycle jobs make (lifecycle/). Each change to an account names the account
// and the status the job found it in: the store makes the change only if the account is still
// so, since a joiner request or a login may have won meanwhile, and then says it changed
// nothing. Detail says why, in plain words, for the audit log.

// DeleteAccount deletes an account whose deletion date has come; its address stays reserved for
// ever, and its site (ODS) is told in the next NotifySite.
type DeleteAccount struct {
	Address, ODS, Status string
	Detail               string
}

// ScheduleDeletion gives a leaver without a deletion date one: DeleteAfter.
type ScheduleDeletion struct {
	Address, Status string
	DeleteAfter     time.Time
	Detail          string
}

// MarkInactive makes an unused account inactive now, to be deleted after DeleteAfter unless it
// is used; its site (ODS) is told in the next NotifySite.
type MarkInactive struct {
	Address, ODS, Status string
	DeleteAfter          time.Time
	Detail               string
}

// Reactivate makes an inactive account that was used again active, and cancels its deletion.
type Reactivate struct {
	Address, Status string
	Detail          string
}

// ReportToStaff puts a finding about a site's shared mailbox in the NAS staff queue, with Reason
// and Detail, and records it as the site's latest report for Reason, so that it is not repeated.
type ReportToStaff struct {
	ODS    string
	Reason Reason
	Detail string
}

// The lifecycle jobs' mails. They change nothing in the directory, but are decided and applied
// like the changes above: in the job's transaction, with an audit row, never in a dry run, and
// recorded in the store so that none goes twice. The lifecycle writes them to the outbox itself,
// not the store, because they need the mail templates and the outbox's per-address guards
// (pipeline.Notifier).

// NotifySite mails a site's shared mailbox the DeleteAccount and MarkInactive changes the jobs
// made to its accounts (Changes), and marks them told; with no Mailbox (the site has no open,
// registered one) they are marked told without a mail.
type NotifySite struct {
	ODS, Mailbox string
	Changes      []Effect
	// Notices are the store's records of Changes, which the store keeps when it makes one.
	Notices []int64
	Detail  string
}

// SendAccessReview mails a site's shared mailbox the list of its accounts, for its owners to
// review who has access, and records the review.
type SendAccessReview struct {
	ODS, Mailbox string
	Detail       string
}

// SendDigest mails NAS staff (To) yesterday's figures and the cases waiting, once a day.
type SendDigest struct {
	To     string
	Detail string
}

func (CreateAccount) effect()         {}
func (SetRole) effect()               {}
func (MarkLeaver) effect()            {}
func (MarkJoiner) effect()            {}
func (RenameAccount) effect()         {}
func (CloseSharedMailbox) effect()    {}
func (RegisterSharedMailbox) effect() {}
func (SendTemporaryPassword) effect() {}
func (DeleteAccount) effect()         {}
func (ScheduleDeletion) effect()      {}
func (MarkInactive) effect()          {}
func (Reactivate) effect()            {}
func (ReportToStaff) effect()         {}
func (NotifySite) effect()            {}
func (SendAccessReview) effect()      {}
func (SendDigest) effect()            {}
