package domain

import "time"

// Decision is what the rules decided about one request: the outcome, why, and the changes to
// make. Handlers return decisions; the store applies their Effects.
type Decision struct {
	Outcome Outcome  `json:"outcome"`
	Reasons []Reason `json:"reasons"`
	// Account is the account the request is about (for add_user, the address it got or would get).
	Account string `json:"account,omitempty"`
	// Field names the request field a missing_field or invalid_field decision is about ("name",
	// "linked"), as the parser's Problem.Field does.
	Field string `json:"field,omitempty"`
	// Summary says in plain English what was done, or why not, for the reply and the staff queue.
	Summary string   `json:"summary"`
	Effects []Effect `json:"-"`
	// Listing is what a list_accounts reply shows; nil for every other request.
	Listing *Listing `json:"-"`
}

// Listing is a site's accounts as its owners see them in an access review: every account,
// leavers included, with the old addresses that still forward to each.
type Listing struct {
	Site     Organisation
	Accounts []Account
	Aliases  map[string][]string // account address → its old addresses
	Limit    int                 // accounts a site may hold
}

// InUse counts the accounts that take one of the site's places.
func (l *Listing) InUse() int {
	n := 0
	for _, a := range l.Accounts {
		if a.CountsTowardsLimit() {
			n++
		}
	}
	return n
}

// Effect is one change to the directory (or one side effect) that a done decision makes.
type Effect interface{ effect() }

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

func (CreateAccount) effect()         {}
func (SetRole) effect()               {}
func (MarkLeaver) effect()            {}
func (MarkJoiner) effect()            {}
func (RenameAccount) effect()         {}
func (CloseSharedMailbox) effect()    {}
func (RegisterSharedMailbox) effect() {}
func (SendTemporaryPassword) effect() {}
