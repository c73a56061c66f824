package handlers

import (
	"errors"
	"fmt"
	"strings"

	"nasbot/domain"
)

// addUser creates a new account at the sending site (rules.md "Accounts"): a UK mobile no other
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
// link to the site's mailbox, and the name.
func (r *request) newUser() (newUser, *domain.Decision, error) {
	req := r.req
	if strings.TrimSpace(req.Name) == "" {
		d := rejected("", domain.MissingField, "The request gives no Name for the new user, so nothing was changed.")
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
	if errors.Is(err, errNoLetters) {
		d := rejected("", domain.InvalidField, fmt.Sprintf(
			"We could not make an NHSmail address from the name %q: please give the person's first and "+
				"last name in letters (for example \"Name: Jane Smith\").", req.Name))
		return newUser{}, &d, nil
	}
	if err != nil {
		return newUser{}, nil, err
	}
	return newUser{address: address, role: role, mobile: mobile}, nil, nil
}
