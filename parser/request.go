package parser

import (
	"fmt"
	"strings"
	"unicode"

	"nasbot/domain"
)

// kv is one field of a block or CSV row: the name as written, its value and what nasbot
// understands it to be.
type kv struct {
	name, value string
	id          field
}

// buildRequest turns a `Request:` word and its fields into a domain.Request, checking each value
// and which fields the type needs (docs/spec/requests.md). It never fails: what is wrong becomes a
// Problem, and the other blocks of the mail still go ahead.
func buildRequest(word string, fields []kv) domain.Request {
	r := domain.Request{Word: word}
	w, ok := lookupWord(word)
	if !ok {
		r.Type = domain.Unknown
		r.Problems = append(r.Problems, unknownWordProblem(word))
		return r
	}
	r.Type = w.typ
	if w.typ == domain.ODSChange {
		// Always answered with the ODS helpdesk pointer: the fields are read only for the ODS code.
		r.ODS = firstODS(fields)
		return r
	}
	spec := specs[w.typ]
	fr := readFields(&r, spec, fields)
	if w.role != "" {
		roleFromWord(&r, &fr, word, w.role)
	}
	r.Problems = append(r.Problems, missingFields(spec, w.typ, fr)...)
	return r
}

// unknownWordProblem names a `Request:` word nasbot does not know, or an empty one.
func unknownWordProblem(word string) domain.Problem {
	detail := fmt.Sprintf("%q is not a request nasbot knows. Write one of the request types in the guide, such as \"Request: Add user\".", word)
	if strings.TrimSpace(word) == "" {
		detail = "The Request line does not say what is being asked for. Write the request type after it, such as \"Request: Add user\"."
	}
	return domain.Problem{Reason: domain.UnknownRequest, Field: "request", Detail: detail}
}

// firstODS is the first ODS field's code that reads as one, or "".
func firstODS(fields []kv) string {
	for _, f := range fields {
		if f.id != fieldODS {
			continue
		}
		if ods, ok := readODS(f.value); ok {
			return ods
		}
	}
	return ""
}

// fieldsRead says, for each field, whether a value was taken (set) or refused with a Problem
// (bad). Either way a field is read once, the first time it has a value; a repeat is not used.
type fieldsRead struct {
	set, bad [fieldCount]bool
}

// readFields stores the values of the fields the request type reads into r; the others, and
// repeats, are listed in r.Unused, and values that do not read become Problems.
func readFields(r *domain.Request, spec typeSpec, fields []kv) fieldsRead {
	emailIsAccount := emailMeansAccount(spec, fields)
	var fr fieldsRead
	for _, f := range fields {
		id := f.id
		if id == fieldEmail && emailIsAccount {
			id = fieldAccount
		}
		if id == fieldUnknown || !spec.reads(id) || fr.set[id] || fr.bad[id] {
			if f.value != "" || id == fieldUnknown {
				r.Unused = append(r.Unused, f.name)
			}
			continue
		}
		if f.value == "" {
			continue // an empty field is a missing one
		}
		if p, ok := setField(r, id, f.value); !ok {
			r.Problems = append(r.Problems, p)
			fr.bad[id] = true
			continue
		}
		fr.set[id] = true
	}
	return fr
}

// emailMeansAccount reports whether Email names the account: in a request about an existing
// account (the type reads Account, not Email), unless an Account field with a value is there.
func emailMeansAccount(spec typeSpec, fields []kv) bool {
	if spec.reads(fieldEmail) || !spec.reads(fieldAccount) {
		return false
	}
	for _, f := range fields {
		if f.id == fieldAccount && f.value != "" {
			return false
		}
	}
	return true
}

// roleFromWord applies the role of "Make owner" / "Make member": the word gives the role; a Role
// field may only agree.
func roleFromWord(r *domain.Request, fr *fieldsRead, word string, role domain.Role) {
	if fr.set[fieldRole] && r.Role != role {
		r.Problems = append(r.Problems, domain.Problem{
			Reason: domain.InvalidField, Field: "role",
			Detail: fmt.Sprintf("%q asks for the %s role but the Role field says %s. Remove the Role line or make them agree.", word, role, r.Role),
		})
		fr.bad[fieldRole] = true
	}
	r.Role = role
	fr.set[fieldRole] = true
}

// missingFields names each field the type needs that was neither given nor refused already.
func missingFields(spec typeSpec, typ domain.RequestType, fr fieldsRead) []domain.Problem {
	var missing []domain.Problem
	for _, f := range spec.required {
		if !fr.set[f] && !fr.bad[f] {
			missing = append(missing, domain.Problem{
				Reason: domain.MissingField, Field: fieldInfo[f].canon,
				Detail: fmt.Sprintf("The %s field is missing: a %s request needs it.", fieldInfo[f].label, typeLabel(typ)),
			})
		}
	}
	return missing
}

// setField stores one value, normalised, or says what is wrong with it.
func setField(r *domain.Request, id field, v string) (domain.Problem, bool) {
	label := fieldInfo[id].label
	invalid := func(detail string) (domain.Problem, bool) {
		return domain.Problem{Reason: domain.InvalidField, Field: fieldInfo[id].canon, Detail: detail}, false
	}
	switch id {
	case fieldName:
		r.Name = collapse(v)
	case fieldNewName:
		r.NewName = collapse(v)
	case fieldOrgName:
		r.OrganisationName = collapse(v)
	case fieldTown:
		r.Town = collapse(v)
	case fieldReason:
		r.CloseReason = collapse(v)
	case fieldEmail, fieldAccount:
		addr, ok := extractAddress(v)
		if !ok {
			return invalid(fmt.Sprintf("The %s field must be an email address, such as jane.smith@nhs.net.", label))
		}
		if id == fieldEmail {
			r.Email = addr
		} else {
			r.Account = addr
		}
	case fieldMobile:
		m, ok := domain.NormaliseMobile(v)
		if !ok {
			r.Mobile = v
			return domain.Problem{
				Reason: domain.MobileInvalid, Field: "mobile",
				Detail: "The mobile number is not a UK mobile number: it must be 07 followed by 9 digits (spaces, dashes and +44 are fine).",
			}, false
		}
		r.Mobile = m
	case fieldLinked, fieldLeavingProfession:
		b, ok := parseYesNo(v)
		if !ok {
			return invalid(fmt.Sprintf("The %s field must be Yes or No, not %q.", label, clip(v)))
		}
		if id == fieldLinked {
			r.Linked = &b
		} else {
			r.LeavingProfession = &b
		}
	case fieldRole:
		role, ok := listedValue(v, roleValues)
		if !ok {
			return invalid(fmt.Sprintf("The Role field must be Owner or Member, not %q.", clip(v)))
		}
		r.Role = role
	case fieldODS:
		ods, ok := readODS(v)
		if !ok {
			return invalid(fmt.Sprintf("The ODS code %q is not an ODS code: 3 to 12 letters, digits and dashes with no spaces, such as FA123.", clip(v)))
		}
		r.ODS = ods
	case fieldSector:
		s, ok := sectors[key(v)]
		if !ok {
			return invalid(fmt.Sprintf("The Sector field must be one of Pharmacy, DAC, Dental, Care or Optometry, not %q.", clip(v)))
		}
		r.Sector = s
	}
	return domain.Problem{}, true
}

func typeLabel(t domain.RequestType) string {
	switch t {
	case domain.AddUser:
		return "Add user"
	case domain.AddToMailbox:
		return "Add to shared mailbox"
	case domain.RemoveFromMailbox:
		return "Remove from shared mailbox"
	case domain.ChangeRole:
		return "Change role"
	case domain.Leaver:
		return "Leaver"
	case domain.Joiner:
		return "Joiner"
	case domain.ChangeName:
		return "Change name"
	case domain.CloseMailbox:
		return "Close shared mailbox"
	case domain.RegisterMailbox:
		return "Register shared mailbox"
	case domain.PasswordReset:
		return "Password reset"
	case domain.ODSChange:
		return "ODS change"
	case domain.ListAccounts:
		return "List accounts"
	}
	return string(t)
}

// yesNoValues and roleValues are the listed values of docs/spec/requests.md, lower case.
var (
	yesNoValues = map[string]bool{"yes": true, "y": true, "true": true, "no": false, "n": false, "false": false}
	roleValues  = map[string]domain.Role{"owner": domain.RoleOwner, "member": domain.RoleMember}
)

// parseYesNo reads a yes/no value by listedValue: "Yes please" is yes, "N/A" and "yes or no"
// are not read.
func parseYesNo(v string) (bool, bool) { return listedValue(v, yesNoValues) }

// listedValue reads a value that must be one of a list (docs/spec/requests.md "Readings decided"): the
// first word, with its trailing punctuation dropped, must be a listed value in any case, and no
// later word may be one too. So "Member." and "Yes please" are read, while "Owner/member",
// "Owner member" and "yes or no" are not.
func listedValue[T any](v string, values map[string]T) (T, bool) {
	var zero T
	words := strings.Fields(v)
	if len(words) == 0 {
		return zero, false
	}
	got, ok := values[strings.ToLower(strings.TrimRightFunc(words[0], isPunct))]
	if !ok {
		return zero, false
	}
	for _, w := range words[1:] {
		if _, listed := values[strings.ToLower(strings.TrimFunc(w, isPunct))]; listed {
			return zero, false
		}
	}
	return got, true
}

func isPunct(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }

// readODS reads an ODS code (domain.NormaliseODS).
func readODS(v string) (string, bool) { return domain.NormaliseODS(v) }

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip shortens a value quoted back to the sender.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// extractAddress finds the addr-spec in a value as people paste it: bare, "Name <addr>",
// "mailto:addr", "addr (Name)" or an Outlook link "addr <mailto:addr>". Lower case. A value
// that names no address, or two different ones, gives none: which one would be meant?
func extractAddress(v string) (string, bool) {
	found := ""
	for _, tok := range strings.FieldsFunc(v, isAddressSeparator) {
		a, ok := addrToken(tok)
		if !ok {
			continue
		}
		if found != "" && a != found {
			return "", false
		}
		found = a
	}
	return found, found != ""
}

func isAddressSeparator(r rune) bool {
	switch r {
	case ',', ';', '(', ')', '<', '>', '[', ']', '"', '\'', '“', '”', '‘', '’', '«', '»':
		return true
	}
	return unicode.IsSpace(r)
}

// addrToken accepts one token as an addr-spec (RFC 5322 section 3.4.1, dot-atom form, with the
// UTF-8 of RFC 6532): a local part of atext, "@", and a domain of letters, digits, hyphens and
// at least one dot. Quoted local parts and domain literals are not taken from request fields.
func addrToken(tok string) (string, bool) {
	tok = strings.TrimSpace(tok)
	if len(tok) > 7 && strings.EqualFold(tok[:7], "mailto:") {
		tok = tok[7:]
	}
	tok = strings.TrimRight(tok, ".:;,")
	at := strings.LastIndexByte(tok, '@')
	if at <= 0 || at == len(tok)-1 || len(tok) > 254 {
		return "", false
	}
	local, domain := tok[:at], tok[at+1:]
	for _, r := range local {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("!#$%&*+/=?^_`{|}~.-'", r)) {
			return "", false
		}
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.Contains(domain, "..") {
		return "", false
	}
	for _, r := range domain {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.') {
			return "", false
		}
	}
	return strings.ToLower(tok), true
}

var personLeftovers = strings.NewReplacer("mailto:", "", "MAILTO:", "", "()", "", "<>", "", "[]", "")

// parsePerson reads a `Requested by:` value, "Name (address)" or "Name <address>" or just an
// address or a name.
func parsePerson(v string) *domain.Person {
	p := &domain.Person{}
	addr, ok := extractAddress(v)
	if ok {
		p.Address = addr
		// The name is what remains once the address, and the brackets or link around it, go.
		name := v
		lower := strings.ToLower(v)
		if i := strings.Index(lower, addr); i >= 0 {
			name = v[:i] + v[i+len(addr):]
		}
		name = personLeftovers.Replace(name)
		p.Name = strings.ReplaceAll(collapse(strings.Trim(collapse(name), " ,-–:;()<>[]\"")), " ,", ",")
	} else {
		p.Name = collapse(v)
	}
	if p.Name == "" && p.Address == "" {
		return nil
	}
	return p
}
