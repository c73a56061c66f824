package pipeline

import (
	"nasbot/domain"
	"nasbot/handlers"
	"nasbot/store"
)

// requestView is the directory one request is decided against: the message's transaction,
// with each answer kept for the rest of that request. The handlers ask some questions more than
// once (the site for the closed-sender check and again for the request; an account for the
// rule and again for the reply), and each repeat would be a database round trip. Nothing
// changes the directory while one request is decided (its effects are applied after Decide
// returns, and the next request gets a fresh view), so the kept answer is the one the
// database would give.
type requestView struct {
	tx       *store.Tx
	orgs     map[string]found[domain.Organisation]
	accounts map[string]found[domain.Account]
}

// found is one kept answer of the directory.
type found[T any] struct {
	v  T
	ok bool
}

var _ handlers.Directory = (*requestView)(nil)

func newRequestView(tx *store.Tx) *requestView {
	return &requestView{tx: tx, orgs: map[string]found[domain.Organisation]{}, accounts: map[string]found[domain.Account]{}}
}

func (v *requestView) Organisation(ods string) (domain.Organisation, bool, error) {
	if f, ok := v.orgs[ods]; ok {
		return f.v, f.ok, nil
	}
	o, ok, err := v.tx.Organisation(ods)
	if err == nil {
		v.orgs[ods] = found[domain.Organisation]{o, ok}
	}
	return o, ok, err
}

func (v *requestView) Account(address string) (domain.Account, bool, error) {
	if f, ok := v.accounts[address]; ok {
		return f.v, f.ok, nil
	}
	a, ok, err := v.tx.Account(address)
	if err == nil {
		v.accounts[address] = found[domain.Account]{a, ok}
	}
	return a, ok, err
}

// The questions asked at most once a request go straight to the transaction.

func (v *requestView) AccountByMobile(mobile string) (domain.Account, bool, error) {
	return v.tx.AccountByMobile(mobile)
}

func (v *requestView) AddressTaken(address string) (bool, error) { return v.tx.AddressTaken(address) }

func (v *requestView) SiteAccounts(ods string) ([]domain.Account, error) {
	return v.tx.SiteAccounts(ods)
}

func (v *requestView) Aliases(address string) ([]string, error) { return v.tx.Aliases(address) }
