package parser

import (
	"strings"

	"nasbot/domain"
)

// field is a field nasbot knows, whatever name the sender gave it.
type field int

const (
	fieldUnknown field = iota
	fieldRequest
	fieldRequestedBy
	fieldName
	fieldMobile
	fieldEmail
	fieldAccount
	fieldLinked
	fieldRole
	fieldNewName
	fieldLeavingProfession
	fieldODS
	fieldSector
	fieldOrgName
	fieldTown
	fieldReason
	fieldCount // the number of fields above
)

// fieldInfo gives each field its canonical name (Problem.Field, the CSV header) and the label
// the guide and the replies use.
var fieldInfo = [...]struct{ canon, label string }{
	fieldUnknown:           {"", ""},
	fieldRequest:           {"request", "Request"},
	fieldRequestedBy:       {"requested_by", "Requested by"},
	fieldName:              {"name", "Name"},
	fieldMobile:            {"mobile", "Mobile"},
	fieldEmail:             {"email", "Email"},
	fieldAccount:           {"account", "Account"},
	fieldLinked:            {"linked", "Linked"},
	fieldRole:              {"role", "Role"},
	fieldNewName:           {"new_name", "New name"},
	fieldLeavingProfession: {"leaving_profession", "Leaving profession"},
	fieldODS:               {"ods_code", "ODS code"},
	fieldSector:            {"sector", "Sector"},
	fieldOrgName:           {"organisation_name", "Organisation name"},
	fieldTown:              {"town", "Town"},
	fieldReason:            {"reason", "Reason"},
}

// aliases maps a folded field name (see key) to the field. docs/spec/requests.md names the required
// synonyms; the rest are what people write when they don't have the guide to hand.
var aliases = map[string]field{
	"request":     fieldRequest,
	"requesttype": fieldRequest,
	"requestedby": fieldRequestedBy,

	"name":       fieldName,
	"fullname":   fieldName,
	"usersname":  fieldName,
	"nameofuser": fieldName,

	"mobile":            fieldMobile,
	"mobilenumber":      fieldMobile,
	"mobilephonenumber": fieldMobile,
	"mobilephone":       fieldMobile,
	"mobileno":          fieldMobile,
	"mob":               fieldMobile,
	"phone":             fieldMobile,
	"phonenumber":       fieldMobile,
	"phoneno":           fieldMobile,
	"telephone":         fieldMobile,
	"telephonenumber":   fieldMobile,
	"cellphone":         fieldMobile,

	"email":                fieldEmail,
	"emailaddress":         fieldEmail,
	"personalemail":        fieldEmail,
	"personalemailaddress": fieldEmail,
	"currentemail":         fieldEmail,
	"currentemailaddress":  fieldEmail,
	"contactemail":         fieldEmail,

	"account":             fieldAccount,
	"accountaddress":      fieldAccount,
	"nhsmailaddress":      fieldAccount,
	"nhsmailaccount":      fieldAccount,
	"nhsmailemail":        fieldAccount,
	"nhsmailemailaddress": fieldAccount,
	"nhsmail":             fieldAccount,
	"nhsnetaddress":       fieldAccount,
	"user":                fieldAccount,
	"useraccount":         fieldAccount,

	"linked":                   fieldLinked,
	"linkedtosharedmailbox":    fieldLinked,
	"linktosharedmailbox":      fieldLinked,
	"linkedtomailbox":          fieldLinked,
	"linkedtothesharedmailbox": fieldLinked,

	"role":          fieldRole,
	"ownerormember": fieldRole,
	"memberorowner": fieldRole,

	"newname":     fieldNewName,
	"newfullname": fieldNewName,

	"leavingprofession":    fieldLeavingProfession,
	"leavingtheprofession": fieldLeavingProfession,

	"odscode":   fieldODS,
	"ods":       fieldODS,
	"odsnumber": fieldODS,

	"sector": fieldSector,

	"organisationname": fieldOrgName,
	"organizationname": fieldOrgName,
	"organisation":     fieldOrgName,
	"organization":     fieldOrgName,
	"orgname":          fieldOrgName,

	"town":     fieldTown,
	"location": fieldTown,

	"reason": fieldReason,
}

func fieldID(name string) field { return aliases[key(name)] }

// requestWord is what a `Request:` word means.
type requestWord struct {
	typ  domain.RequestType
	role domain.Role // the role "Make owner" / "Make member" implies
}

// requestWords maps the folded `Request:` words of docs/spec/requests.md to request types, and
// nothing else. Articles are dropped before the lookup ("Add a user"), see wordKey.
var requestWords = map[string]requestWord{
	"adduser":       {typ: domain.AddUser},
	"newuser":       {typ: domain.AddUser},
	"newaccount":    {typ: domain.AddUser},
	"createaccount": {typ: domain.AddUser},

	"addtosharedmailbox": {typ: domain.AddToMailbox},
	"giveaccess":         {typ: domain.AddToMailbox},

	"removeuser":              {typ: domain.RemoveFromMailbox},
	"removefromsharedmailbox": {typ: domain.RemoveFromMailbox},
	"removeaccess":            {typ: domain.RemoveFromMailbox},

	"changerole": {typ: domain.ChangeRole},
	"makeowner":  {typ: domain.ChangeRole, role: domain.RoleOwner},
	"makemember": {typ: domain.ChangeRole, role: domain.RoleMember},

	"leaver":       {typ: domain.Leaver},
	"markleaver":   {typ: domain.Leaver},
	"markasleaver": {typ: domain.Leaver},

	"joiner":       {typ: domain.Joiner},
	"markjoiner":   {typ: domain.Joiner},
	"markasjoiner": {typ: domain.Joiner},

	"namechange": {typ: domain.ChangeName},
	"changename": {typ: domain.ChangeName},

	"closesharedmailbox": {typ: domain.CloseMailbox},
	"closemailbox":       {typ: domain.CloseMailbox},

	"registersharedmailbox": {typ: domain.RegisterMailbox},
	"newsharedmailbox":      {typ: domain.RegisterMailbox},

	"passwordreset": {typ: domain.PasswordReset},
	"resetpassword": {typ: domain.PasswordReset},
	"unlockaccount": {typ: domain.PasswordReset},
	"unlock":        {typ: domain.PasswordReset},

	"odschange":        {typ: domain.ODSChange},
	"updateodsdetails": {typ: domain.ODSChange},

	"listaccounts": {typ: domain.ListAccounts},
	"whohasaccess": {typ: domain.ListAccounts},
	"accessreview": {typ: domain.ListAccounts},
}

// wordKey folds a `Request:` word: articles dropped, then key, so case and spacing do not matter.
func wordKey(s string) string {
	ws := strings.Fields(s)
	kept := ws[:0]
	for _, w := range ws {
		switch strings.ToLower(w) {
		case "a", "an", "the":
			continue
		}
		kept = append(kept, w)
	}
	return key(strings.Join(kept, " "))
}

// lookupWord finds the request type of a `Request:` word (docs/spec/requests.md "Readings decided"): what
// follows a colon, a dash or a comma is ignored ("Leaver: please action", "Add user - urgent");
// what stands before must be the request words, in any case and spacing, with articles
// ignored. Any other word, and nothing at all, is no request type.
func lookupWord(s string) (requestWord, bool) {
	if i := strings.IndexAny(s, ":,-–—："); i >= 0 {
		s = s[:i]
	}
	w, ok := requestWords[wordKey(s)]
	return w, ok
}

// typeSpec says which fields a request type reads, and which of them it needs.
type typeSpec struct {
	required []field
	optional []field
}

// specs are the request table of docs/spec/requests.md (domain.RequestFields) in the parser's
// own terms. Every type may also carry `ODS code:` (register_mailbox needs it: it is the new
// site's code).
var specs = func() map[domain.RequestType]typeSpec {
	byCanon := map[domain.Field]field{}
	for f, info := range fieldInfo {
		byCanon[domain.Field(info.canon)] = field(f)
	}
	fields := func(fs []domain.Field) []field {
		out := make([]field, 0, len(fs))
		for _, f := range fs {
			pf, ok := byCanon[f]
			if !ok {
				panic("parser: domain.RequestFields names a field the parser does not know: " + string(f))
			}
			out = append(out, pf)
		}
		return out
	}
	out := map[domain.RequestType]typeSpec{}
	for t, fs := range domain.RequestFields {
		out[t] = typeSpec{required: fields(fs.Required), optional: fields(fs.Optional)}
	}
	return out
}()

func (s typeSpec) reads(f field) bool {
	if f == fieldODS {
		return true
	}
	for _, g := range s.required {
		if g == f {
			return true
		}
	}
	for _, g := range s.optional {
		if g == f {
			return true
		}
	}
	return false
}

// sectors are the words of the sector table in docs/spec/rules.md, the only values Sector takes: each
// sector's name and the words the table gives it.
var sectors = map[string]domain.Sector{
	"pharmacy":                      domain.Pharmacy,
	"communitypharmacy":             domain.Pharmacy,
	"dac":                           domain.DAC,
	"dispensingappliancecontractor": domain.DAC,
	"dental":                        domain.Dental,
	"care":                          domain.Care,
	"socialcare":                    domain.Care,
	"optometry":                     domain.Optometry,
}
