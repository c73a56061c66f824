package handlers

import (
	"errors"
	"fmt"
	"strings"

	"nasbot/domain"
)

// addUser creates a new account at the sending site (docs/spec/rules.md "Accounts"): a UK mobile no other
// account holds, linked as the request says (mandatory for pharmacy, DAC and optometry), a
// first.last address numbered on a clash, and a temporary password by text message. An eleventh
// account goes to NAS staff.
func addUser(r *request) (domain.Decision, error) {
	nu, refusal, err := r.newUser()
	if err != nil || refusal != nil {
		return deref(refusal), err
	}
	full, err := r.siteFull(r.site.ODS)
	if err != nil {
		return domain.Decision{}, err
	}
	if full {
		return review(nu.address, domain.SiteAccountLimit, siteFullSummary(r.req.Name, r.site)), nil
	}
	return done(nu.address, fmt.Sprintf("Created the NHSmail account %s for %s, %s. The temporary "+
		"password has been sent by text message to their mobile (%s); they will be asked to change "+
		"it when they first log in at https://portal.nhs.net.",
		nu.address, r.req.Name, linkWords(nu.role), domain.MaskMobile(nu.mobile)),
		domain.CreateAccount{Address: nu.address, Name: r.req.Name, Mobile: nu.mobile, ODS: r.site.ODS, Role: nu.role},
		domain.SendTemporaryPassword{Address: nu.address},
	), nil
}

// newUser is a person the request asks a new account for.
type newUser struct {
	address string
	role    domain.Role
	mobile  string // as the directory stores it
}

// newUser checks the person named by an add_user (or the first owner of a register_mailbox) for
// the new-account rules and finds the address the account would get. It checks the mobile, the
// link to the site's mailbox and the name, which must give an address; an address of the
// shared-mailbox form goes to NAS staff, since it is never given to a person.
func (r *request) newUser() (newUser, *domain.Decision, error) {
	req := r.req
	if strings.TrimSpace(req.Name) == "" {
		d := missing("", "name", "The request gives no Name for the new user, so nothing was changed.")
		return newUser{}, &d, nil
	}
	mobile, d := checkMobile(req.Mobile)
	if d != nil {
		return newUser{}, d, nil
	}
	if d, err := mobileInUse(r.dir, mobile); err != nil || d != nil {
		return newUser{}, d, err
	}
	role, d := linkRole(req, r.site)
	if d != nil {
		return newUser{}, d, nil
	}
	address, err := newAddress(r.dir, req.Name, r.mailDomain())
	if d := nameRefusal(err, "", "name", req.Name); d != nil {
		return newUser{}, d, nil
	}
	if err != nil {
		return newUser{}, nil, err
	}
	if reserved(address) {
		d := reservedReview(address, address, req.Name)
		return newUser{}, &d, nil
	}
	return newUser{address: address, role: role, mobile: mobile}, nil, nil
}

// nameRefusal turns a name that gives no address into invalid_field for the field that holds
// it; nil when err is not about the name.
func nameRefusal(err error, account, field, name string) *domain.Decision {
	var d domain.Decision
	switch {
	case errors.Is(err, errOneWord):
		d = invalid(account, field, fmt.Sprintf("The name %q is one word, but an NHSmail address is made from a "+
			"first and a last name, so nothing was changed. Please give both (for example \"Jane Smith\").", name))
	case errors.Is(err, errNoLetters):
		d = invalid(account, field, fmt.Sprintf("We could not make an NHSmail address from the name %q: its first "+
			"and last names must each hold letters we can write in an address (a to z, accents allowed), so "+
			"nothing was changed.", name))
	default:
		return nil
	}
	return &d
}

// reservedReview sends to NAS staff a request whose new address would look like a shared
// mailbox's (pharmacy.<code>@…): such an address is never given to a person.
func reservedReview(address, account, name string) domain.Decision {
	return review(account, domain.AddressReserved, fmt.Sprintf("The name %s would give the address %s, which "+
		"has the form of a shared mailbox's address; those are never given to a person. The NAS team will "+
		"choose an address with you and reply.", name, address))
}
