package domain

import "time"

// Account status values.
const (
	StatusActive   = "active"
	StatusLeaver   = "leaver"
	StatusInactive = "inactive"
	StatusClosed   = "closed" // organisations only
)

// Organisation is a site: an ODS code with its sector and, once registered, its shared mailbox.
type Organisation struct {
	ODS     string `db:"ods_code" json:"ods"`
	Sector  Sector `db:"sector" json:"sector"`
	Name    string `db:"name" json:"name"`
	Town    string `db:"town" json:"town"`
	Mailbox string `db:"shared_mailbox" json:"shared_mailbox"` // "" while awaiting registration
	Status  string `db:"status" json:"status"`                 // active or closed
}

// DisplayName is the shared mailbox's display name, "<Organisation name>, <Town>".
func (o Organisation) DisplayName() string { return o.Name + ", " + o.Town }

// Account is one NHSmail account and its link to its site's shared mailbox.
type Account struct {
	Address     string     `db:"email" json:"email"`
	Name        string     `db:"name" json:"name"`
	Mobile      string     `db:"mobile" json:"mobile"` // 11 digits, 07…
	ODS         string     `db:"ods_code" json:"ods"`
	Status      string     `db:"status" json:"status"` // active, leaver, inactive
	Role        Role       `db:"role" json:"role"`     // owner, member, none
	LastLogin   *time.Time `db:"last_login" json:"last_login,omitempty"`
	DeleteAfter *time.Time `db:"delete_after" json:"delete_after,omitempty"`
}

// Linked reports whether the account is linked to its site's shared mailbox.
func (a Account) Linked() bool { return a.Role == RoleOwner || a.Role == RoleMember }

// CountsTowardsLimit reports whether the account takes one of its site's ten places
// (active and inactive accounts do; leavers do not).
func (a Account) CountsTowardsLimit() bool { return a.Status != StatusLeaver }
