package domain

// Field is a request field by its canonical name: the "field" of a missing_field or
// invalid_field, the CSV header's column, and the desk's edit form.
type Field string

// The fields of docs/spec/requests.md.
const (
	FieldName              Field = "name"
	FieldMobile            Field = "mobile"
	FieldEmail             Field = "email"
	FieldAccount           Field = "account"
	FieldLinked            Field = "linked"
	FieldRole              Field = "role"
	FieldNewName           Field = "new_name"
	FieldLeavingProfession Field = "leaving_profession"
	FieldODS               Field = "ods_code"
	FieldSector            Field = "sector"
	FieldOrganisationName  Field = "organisation_name"
	FieldTown              Field = "town"
	FieldReason            Field = "reason"
)

// FieldSet is what one request type takes.
type FieldSet struct {
	Required, Optional []Field
}

// RequestFields is the request table of docs/spec/requests.md: the one list of each type's
// fields, which the parser reads mail by and the desk's edit form offers. Every type may also
// carry an ODS code (it must be the sending site's); register_mailbox requires one, the new
// site's.
var RequestFields = map[RequestType]FieldSet{
	AddUser:           {Required: []Field{FieldName, FieldMobile, FieldEmail}, Optional: []Field{FieldLinked, FieldRole}},
	AddToMailbox:      {Required: []Field{FieldAccount}, Optional: []Field{FieldRole}},
	RemoveFromMailbox: {Required: []Field{FieldAccount}},
	ChangeRole:        {Required: []Field{FieldAccount, FieldRole}},
	Leaver:            {Required: []Field{FieldAccount}, Optional: []Field{FieldLeavingProfession}},
	Joiner:            {Required: []Field{FieldAccount}, Optional: []Field{FieldLinked, FieldRole}},
	ChangeName:        {Required: []Field{FieldAccount, FieldNewName}},
	CloseMailbox:      {Optional: []Field{FieldReason}},
	RegisterMailbox: {
		Required: []Field{FieldODS, FieldSector, FieldOrganisationName, FieldTown, FieldName, FieldMobile, FieldEmail},
		Optional: []Field{FieldLinked, FieldRole},
	},
	PasswordReset: {Required: []Field{FieldAccount, FieldMobile}},
	ListAccounts:  {},
}
