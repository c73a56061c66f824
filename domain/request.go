// Package domain holds nasbot's plain data types: what a request email says (Request, Envelope,
// Message), what the rules decided (Decision, Effect) and the stable reason codes. It imports only
// the standard library and does no I/O, so every stage can share it without depending on another.
package domain

// RequestType names one kind of NAS request, as it appears in the dryrun JSON.
type RequestType string

// The request types of docs/spec/requests.md.
const (
	AddUser           RequestType = "add_user"
	AddToMailbox      RequestType = "add_to_mailbox"
	RemoveFromMailbox RequestType = "remove_from_mailbox"
	ChangeRole        RequestType = "change_role"
	Leaver            RequestType = "leaver"
	Joiner            RequestType = "joiner"
	ChangeName        RequestType = "change_name"
	CloseMailbox      RequestType = "close_mailbox"
	RegisterMailbox   RequestType = "register_mailbox"
	PasswordReset     RequestType = "password_reset"
	ODSChange         RequestType = "ods_change"
	ListAccounts      RequestType = "list_accounts"
	Unknown           RequestType = "unknown"
)

// Role is how an account is linked to its site's shared mailbox.
type Role string

// Roles; RoleNone means the account is not linked.
const (
	RoleOwner  Role = "owner"
	RoleMember Role = "member"
	RoleNone   Role = "none"
)

// Sector is the kind of organisation a site is.
type Sector string

// Sectors of docs/spec/rules.md.
const (
	Pharmacy  Sector = "pharmacy"
	DAC       Sector = "dac"
	Dental    Sector = "dental"
	Care      Sector = "care"
	Optometry Sector = "optometry"
)

// Sectors lists every sector, in the order the guide names them.
var Sectors = []Sector{Pharmacy, Dental, Care, DAC, Optometry}

// LinkMandatory reports whether accounts of the sector must be linked to the shared mailbox.
func (s Sector) LinkMandatory() bool { return s == Pharmacy || s == DAC || s == Optometry }

// Person is someone named in a mail, such as the `Requested by:` line.
type Person struct {
	Name    string `json:"name"`
	Address string `json:"address"` // lower case addr-spec
}

// Problem is one thing wrong with a request block, found by the parser.
type Problem struct {
	Reason Reason `json:"reason"`          // missing_field, invalid_field or unknown_request
	Field  string `json:"field,omitempty"` // canonical field name, e.g. "mobile"
	Detail string `json:"detail"`          // plain words for the sender
}

// Request is one request block (or CSV row) as the parser understood it. Values are normalised:
// mobiles as 11 digits starting 07, addresses lower case, names trimmed, yes/no and roles canonical.
// A field the block did not carry is empty (or nil for yes/no).
type Request struct {
	Type RequestType `json:"type"`
	Word string      `json:"word"` // the `Request:` value as written
	Line int         `json:"line"` // 1-based line of the `Request:` line in Message.Text; 0 for CSV
	Row  int         `json:"row"`  // 1-based CSV data row; 0 for a block in the body

	Name              string `json:"name,omitempty"`
	Mobile            string `json:"mobile,omitempty"`
	Email             string `json:"email,omitempty"`   // add_user / register_mailbox: the user's current address
	Account           string `json:"account,omitempty"` // the NHSmail account the request is about
	Linked            *bool  `json:"linked,omitempty"`
	Role              Role   `json:"role,omitempty"`
	LeavingProfession *bool  `json:"leaving_profession,omitempty"`
	NewName           string `json:"new_name,omitempty"`
	ODS               string `json:"ods,omitempty"` // upper case
	Sector            Sector `json:"sector,omitempty"`
	OrganisationName  string `json:"organisation_name,omitempty"`
	Town              string `json:"town,omitempty"`
	CloseReason       string `json:"close_reason,omitempty"`

	// RequestedBy is the block's own `Requested by:` line, or else the email's.
	RequestedBy *Person `json:"requested_by,omitempty"`
	// Unused lists field names the block carried that the parser does not use.
	Unused []string `json:"unused,omitempty"`
	// Problems found while parsing; a request with problems is rejected before any rule runs.
	Problems []Problem `json:"problems,omitempty"`
	// Source is the block's lines as written, for staff and for replies that quote them.
	Source []string `json:"source,omitempty"`
}

// HasProblems reports whether the parser already found the request unusable.
func (r *Request) HasProblems() bool { return len(r.Problems) > 0 }

// OwnerOnly reports whether the request needs a `Requested by:` line naming an active owner of the
// sending site (docs/spec/rules.md "Who may ask for what"): change_role, close_mailbox, password_reset and
// register_mailbox always, and any request that gives the Owner role. It is the one list of them:
// the parser marks owner-only requests whose Requested by lines disagree, the handlers check the
// owner.
func (r *Request) OwnerOnly() bool {
	switch r.Type {
	case ChangeRole, CloseMailbox, PasswordReset, RegisterMailbox:
		return true
	}
	return r.Role == RoleOwner
}
