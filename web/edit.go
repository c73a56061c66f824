package web

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"nasbot/domain"
)

// The edit-and-re-run form: the request's fields as the parser read them, for staff to correct
// (say, a mobile number confirmed by phone) before the rules decide the request again. Values
// are normalised and checked as the parser would, so the rules see the same shapes as from mail.

type editForm struct {
	Fields []editField
	Errors int
	Open   bool // show the form unfolded (after an error)
}

type editField struct {
	Name     string
	Label    string
	Value    string
	Options  []string // a select when set ("" first means "not given")
	Required bool
	Hint     string
	Error    string
}

// fieldSpec describes one editable field of domain.Request.
type fieldSpec struct {
	label   string
	options []string
	hint    string
	get     func(*domain.Request) string
	set     func(*domain.Request, string) string // returns what is wrong with the value, or ""
}

var (
	yesNoOptions  = []string{"", "yes", "no"}
	roleOptions   = []string{"", string(domain.RoleOwner), string(domain.RoleMember)}
	sectorOptions = append([]string{""}, sectorStrings()...)
)

func sectorStrings() []string {
	var out []string
	for _, s := range domain.Sectors {
		out = append(out, string(s))
	}
	return out
}

var fieldSpecs = map[string]fieldSpec{
	"name": {label: "Name", get: func(q *domain.Request) string { return q.Name },
		set: func(q *domain.Request, v string) string { q.Name = v; return "" }},
	"mobile": {label: "Mobile", hint: "UK mobile, e.g. 07700 900123", get: func(q *domain.Request) string { return q.Mobile },
		set: func(q *domain.Request, v string) string {
			if v == "" {
				q.Mobile = ""
				return ""
			}
			m, ok := domain.NormaliseMobile(v)
			if !ok {
				return "not a UK mobile number (07 and 9 digits)"
			}
			q.Mobile = m
			return ""
		}},
	"email": {label: "Current email", get: func(q *domain.Request) string { return q.Email },
		set: func(q *domain.Request, v string) string { return setAddress(&q.Email, v) }},
	"account": {label: "NHSmail account", get: func(q *domain.Request) string { return q.Account },
		set: func(q *domain.Request, v string) string { return setAddress(&q.Account, v) }},
	"linked": {label: "Linked to shared mailbox", options: yesNoOptions,
		get: func(q *domain.Request) string { return yesNo(q.Linked) },
		set: func(q *domain.Request, v string) string { return setYesNo(&q.Linked, v) }},
	"role": {label: "Role", options: roleOptions, get: func(q *domain.Request) string { return string(q.Role) },
		set: func(q *domain.Request, v string) string {
			if v != "" && !slices.Contains(roleOptions, v) {
				return "owner or member"
			}
			q.Role = domain.Role(v)
			return ""
		}},
	"leaving_profession": {label: "Leaving profession", options: yesNoOptions,
		get: func(q *domain.Request) string { return yesNo(q.LeavingProfession) },
		set: func(q *domain.Request, v string) string { return setYesNo(&q.LeavingProfession, v) }},
	"new_name": {label: "New name", get: func(q *domain.Request) string { return q.NewName },
		set: func(q *domain.Request, v string) string { q.NewName = v; return "" }},
	"ods": {label: "ODS code", get: func(q *domain.Request) string { return q.ODS },
		set: func(q *domain.Request, v string) string {
			if v == "" {
				q.ODS = ""
				return ""
			}
			ods, ok := domain.NormaliseODS(v)
			if !ok {
				return "3 to 12 letters, digits and dashes, with no spaces"
			}
			q.ODS = ods
			return ""
		}},
	"sector": {label: "Sector", options: sectorOptions, get: func(q *domain.Request) string { return string(q.Sector) },
		set: func(q *domain.Request, v string) string {
			if v != "" && !slices.Contains(sectorOptions, v) {
				return "not a sector"
			}
			q.Sector = domain.Sector(v)
			return ""
		}},
	"organisation_name": {label: "Organisation name", hint: "at most 20 characters",
		get: func(q *domain.Request) string { return q.OrganisationName },
		set: func(q *domain.Request, v string) string { q.OrganisationName = v; return "" }},
	"town": {label: "Town", hint: "at most 10 characters", get: func(q *domain.Request) string { return q.Town },
		set: func(q *domain.Request, v string) string { q.Town = v; return "" }},
	"close_reason": {label: "Close reason", get: func(q *domain.Request) string { return q.CloseReason },
		set: func(q *domain.Request, v string) string { q.CloseReason = v; return "" }},
	"requested_by_name": {label: "Requested by (name)",
		get: func(q *domain.Request) string {
			if q.RequestedBy == nil {
				return ""
			}
			return q.RequestedBy.Name
		},
		set: func(q *domain.Request, v string) string {
			if q.RequestedBy == nil {
				q.RequestedBy = &domain.Person{}
			}
			q.RequestedBy.Name = v
			return ""
		}},
	"requested_by_address": {label: "Requested by (address)", hint: "an owner of the site, for owner-only requests",
		get: func(q *domain.Request) string {
			if q.RequestedBy == nil {
				return ""
			}
			return q.RequestedBy.Address
		},
		set: func(q *domain.Request, v string) string {
			if q.RequestedBy == nil {
				q.RequestedBy = &domain.Person{}
			}
			return setAddress(&q.RequestedBy.Address, v)
		}},
}

// formNames are the edit form's names of the fields whose canonical names differ.
var formNames = map[domain.Field]string{domain.FieldODS: "ods", domain.FieldReason: "close_reason"}

// editable lists a request type's fields as the form names them, required ones marked with "*",
// from the one request table (domain.RequestFields). Every type may carry an ODS code, so the
// form offers one where the type does not require it.
func editable(t domain.RequestType) ([]string, bool) {
	fs, ok := domain.RequestFields[t]
	if !ok {
		return nil, false
	}
	name := func(f domain.Field) string {
		if n, ok := formNames[f]; ok {
			return n
		}
		return string(f)
	}
	var out []string
	for _, f := range fs.Required {
		out = append(out, name(f)+"*")
	}
	for _, f := range fs.Optional {
		out = append(out, name(f))
	}
	if !slices.Contains(fs.Required, domain.FieldODS) {
		out = append(out, name(domain.FieldODS))
	}
	return out, true
}

var requestedByFields = []string{"requested_by_name", "requested_by_address"}

func newEditForm(t domain.RequestType) *editForm {
	names, ok := editable(t)
	if !ok {
		return nil
	}
	f := &editForm{}
	for _, n := range append(slices.Clone(names), requestedByFields...) {
		name, required := strings.CutSuffix(n, "*")
		spec := fieldSpecs[name]
		f.Fields = append(f.Fields, editField{Name: name, Label: spec.label, Options: spec.options, Hint: spec.hint, Required: required})
	}
	return f
}

// fill puts a request's values in the form.
func (f *editForm) fill(q domain.Request) {
	for i := range f.Fields {
		f.Fields[i].Value = fieldSpecs[f.Fields[i].Name].get(&q)
	}
}

// parse reads the posted values over the original request and checks them. The form keeps what
// was typed and says what is wrong, field by field.
func (f *editForm) parse(orig domain.Request, v url.Values) domain.Request {
	q := orig
	if orig.RequestedBy != nil {
		p := *orig.RequestedBy
		q.RequestedBy = &p
	}
	q.Problems = nil
	for i := range f.Fields {
		fld := &f.Fields[i]
		fld.Value = strings.Join(strings.Fields(v.Get(fld.Name)), " ")
		if fld.Required && fld.Value == "" {
			fld.Error = "needed for this request"
		} else if fld.Options != nil && !slices.Contains(fld.Options, fld.Value) {
			fld.Error = "choose one of the list"
		} else {
			fld.Error = fieldSpecs[fld.Name].set(&q, fld.Value)
		}
		if fld.Error != "" {
			f.Errors++
		}
	}
	if q.RequestedBy != nil && q.RequestedBy.Name == "" && q.RequestedBy.Address == "" {
		q.RequestedBy = nil
	}
	return q
}

// addressPattern is a plain check that a value is one addr-spec; the rules check the rest.
var addressPattern = regexp.MustCompile(`^[a-z0-9.!#$%&'*+/=?^_{|}~-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$`)

func setAddress(dst *string, v string) string {
	v = strings.ToLower(v)
	if v != "" && !addressPattern.MatchString(v) {
		return "not an email address"
	}
	*dst = v
	return ""
}

func setYesNo(dst **bool, v string) string {
	switch v {
	case "":
		*dst = nil
	case "yes", "no":
		b := v == "yes"
		*dst = &b
	default:
		return "yes or no"
	}
	return ""
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}
