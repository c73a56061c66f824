package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/handlers"
	"nasbot/store"
)

// Directory pages: a site by ODS code and an account by address, as they stand now, with the
// cases and requests about them.

type organisationData struct {
	Org       domain.Organisation
	Accounts  []domain.Account
	Counting  int
	Limit     int
	Owners    int
	Cases     []queueRow
	Messages  []store.MessageHit // everything the site sent, newest first
	Mandatory bool
	// LastReview is when the site's shared mailbox was last sent its list of accounts (the
	// quarterly review, or one it asked for); nil when never.
	LastReview *time.Time
}

type accountData struct {
	Asked    string // the address looked up, when it is an alias
	Account  domain.Account
	Org      *domain.Organisation
	Aliases  []string
	Requests []store.RequestRow
	History  []store.AuditRow
}

func (s *server) organisationPage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	ctx := r.Context()
	ods := strings.ToUpper(strings.TrimSpace(r.PathValue("ods")))
	org, err := s.store.Organisation(ctx, ods)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "No organisation in the directory has the ODS code "+ods+".")
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := organisationData{Org: org, Limit: handlers.SiteAccountLimit, Mandatory: org.Sector.LinkMandatory()}
	if d.Accounts, err = s.store.SiteAccounts(ctx, ods); err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, a := range d.Accounts {
		if a.CountsTowardsLimit() {
			d.Counting++
		}
		if a.Role == domain.RoleOwner && a.Status == domain.StatusActive {
			d.Owners++
		}
	}
	items, err := s.store.Queue(ctx, store.QueueFilter{ODS: ods, State: "all", Limit: 50})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, it := range items {
		d.Cases = append(d.Cases, queueRow{QueueItem: it, Overdue: it.State == store.ExceptionOpen && s.overdue(it.CreatedAt)})
	}
	if d.Messages, err = s.store.SiteMessages(ctx, ods, 50); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.LastReview, err = s.store.LastAccessReview(ctx, ods); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "organisation", me, org.ODS+" · "+org.Name, "directory", d)
}

func (s *server) accountPage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	ctx := r.Context()
	address := strings.ToLower(strings.TrimSpace(r.PathValue("address")))
	a, err := s.store.Account(ctx, address)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "No account in the directory has the address "+address+".")
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := accountData{Account: a}
	if a.Address != address {
		d.Asked = address
	}
	if org, err := s.store.Organisation(ctx, a.ODS); err == nil {
		d.Org = &org
	} else if !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	if d.Aliases, err = s.store.Aliases(ctx, a.Address); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Requests, err = s.store.AccountRequests(ctx, a.Address, 50); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.History, err = s.store.AccountHistory(ctx, a.Address, 50); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account", me, a.Address, "directory", d)
}
