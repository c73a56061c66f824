package domain

// Decision is what the rules decided about one request: the outcome, why, and the changes to
// make. Handlers return decisions; the store applies their Effects (effects.go).
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
