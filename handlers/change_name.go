package handlers

import (
	"fmt"
	"strings"

	"nasbot/domain"
)

// changeName gives an account its new name and the address made from it (numbered on a clash);
// the old address stays as an alias forwarding to the new one forever. The site's shared mailbox
// or the account holder (from their own account) may ask. A new name with the same first and last
// words keeps the address.
func changeName(r *request) (domain.Decision, error) {
	acct, refusal, err := r.siteAccount()
	if err != nil || refusal != nil {
		return deref(refusal), err
	}
	newName := strings.Join(strings.Fields(r.req.NewName), " ")
	if newName == "" {
		return missing(r.req.Account, "new_name", "The request gives no New name, so nothing was changed."), nil
	}
	if newName == acct.Name {
		return done(r.req.Account, fmt.Sprintf("The account %s already has the name %s; nothing was changed.",
			acct.Address, newName)), nil
	}
	local, err := addressLocal(newName)
	if d := nameRefusal(err, r.req.Account, "new_name", newName); d != nil {
		return *d, nil
	}
	domainPart := r.mailDomain()
	if at := strings.LastIndexByte(acct.Address, '@'); at >= 0 {
		domainPart = acct.Address[at+1:]
	}
	if sameLocal(acct.Address, local, domainPart) {
		return done(r.req.Account, fmt.Sprintf("The name on %s is now %s. The address stays the same.",
			acct.Address, newName),
			domain.RenameAccount{OldAddress: acct.Address, NewAddress: acct.Address, NewName: newName}), nil
	}
	address, err := newAddress(r.dir, newName, domainPart)
	if d := nameRefusal(err, r.req.Account, "new_name", newName); d != nil {
		return *d, nil
	}
	if err != nil {
		return domain.Decision{}, err
	}
	if reserved(address) {
		return reservedReview(address, r.req.Account, newName), nil
	}
	return done(r.req.Account, fmt.Sprintf("The name on the account is now %s and its address is %s. Mail "+
		"sent to the old address, %s, will keep arriving in the same mailbox. The password is unchanged.",
		newName, address, acct.Address),
		domain.RenameAccount{OldAddress: acct.Address, NewAddress: address, NewName: newName}), nil
}
