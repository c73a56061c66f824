package web

import (
	"context"
	"errors"
	"fmt"
	"nasbot/domain"
	"nasbot/handlers"
	"nasbot/store"
	"net/http"
	"strings"
)

// ruleFacts is the directory state a rule looked at, as it stands now.
type ruleFacts struct {
	Lines    []factLine
	Accounts []domain.Account // the site's accounts, when the rule counted or read them
	Counting int
	Limit    int
	ODS      string
}

type factLine struct {
	Label, Value, Link string
	Bad                bool
}

// facts reads the directory state that the rule behind reason looks at, as it is now.
func (s *server) facts(r *http.Request, reason string, q domain.Request, siteODS string) (*ruleFacts, error) {
	ff := factFinder{s: s, ctx: r.Context(), f: &ruleFacts{Limit: handlers.SiteAccountLimit, ODS: siteODS}}
	var err error
	switch domain.Reason(reason) {
	case domain.SiteAccountLimit:
		err = ff.limit()
	case domain.MobileMismatch:
		err = ff.mobileOnRecord(q)
	case domain.MobileInUse, domain.MobileInvalid:
		err = ff.mobileHolder(q.Mobile)
	case domain.NewMailboxReview, domain.AddressInUse:
		err = s.registerFacts(r, ff.f, q, siteODS)
	case domain.ODSUnknown:
		err = ff.odsCode(q.ODS)
	case domain.LastOwner, domain.NotOwner:
		err = ff.siteAccounts()
		if err == nil && q.RequestedBy != nil {
			err = ff.account("Requested by", q.RequestedBy.Address)
		}
	default:
		err = ff.account("Account", q.Account)
	}
	if err != nil {
		return nil, err
	}
	return ff.f, nil
}

// factFinder looks up, for one case, the directory rows staff need beside the rule that stopped
// it, and writes them as lines.
type factFinder struct {
	s   *server
	ctx context.Context
	f   *ruleFacts
}

func (ff factFinder) line(l factLine) { ff.f.Lines = append(ff.f.Lines, l) }

// account adds the account at address, or says it is not in the directory.
func (ff factFinder) account(label, address string) error {
	if address == "" {
		return nil
	}
	a, err := ff.s.store.Account(ff.ctx, address)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ff.line(factLine{Label: label, Value: address + ": not in the directory", Bad: true})
	case err != nil:
		return err
	default:
		ff.line(factLine{Label: label, Link: "/accounts/" + a.Address,
			Value: fmt.Sprintf("%s, %s, %s at %s, role %s, mobile %s", a.Address, a.Name, a.Status, a.ODS, a.Role, a.Mobile)})
	}
	return nil
}

// siteAccounts lists the site's accounts and counts those that take a place.
func (ff factFinder) siteAccounts() error {
	if ff.f.ODS == "" {
		return nil
	}
	as, err := ff.s.store.SiteAccounts(ff.ctx, ff.f.ODS)
	if err != nil {
		return err
	}
	ff.f.Accounts = as
	for _, a := range as {
		if a.CountsTowardsLimit() {
			ff.f.Counting++
		}
	}
	return nil
}

// limit says how full the site is, and how full the request would make it.
func (ff factFinder) limit() error {
	if err := ff.siteAccounts(); err != nil {
		return err
	}
	ff.line(factLine{Label: "Accounts counting towards the limit",
		Value: fmt.Sprintf("%d of %d (leavers do not count); this request makes %d", ff.f.Counting, ff.f.Limit, ff.f.Counting+1),
		Bad:   ff.f.Counting >= ff.f.Limit})
	return nil
}

// mobileOnRecord puts the number on record beside the one the owner confirmed.
func (ff factFinder) mobileOnRecord(q domain.Request) error {
	a, err := ff.s.store.Account(ff.ctx, q.Account)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ff.line(factLine{Label: "Account", Value: q.Account + ": not in the directory", Bad: true})
	case err != nil:
		return err
	default:
		ff.line(factLine{Label: "Number on record", Value: a.Mobile + " (" + a.Address + ")", Link: "/accounts/" + a.Address})
		ff.line(factLine{Label: "Number the owner confirmed", Value: q.Mobile, Bad: q.Mobile != a.Mobile})
	}
	return nil
}

// mobileHolder says which account holds the mobile number, if any.
func (ff factFinder) mobileHolder(mobile string) error {
	if mobile == "" {
		return nil
	}
	a, err := ff.s.store.AccountByMobile(ff.ctx, mobile)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ff.line(factLine{Label: "Mobile " + mobile, Value: "held by no account"})
	case err != nil:
		return err
	default:
		ff.line(factLine{Label: "Mobile " + mobile, Bad: true, Link: "/accounts/" + a.Address,
			Value: fmt.Sprintf("held by %s (%s, %s at %s)", a.Address, a.Name, a.Status, a.ODS)})
	}
	return nil
}

// odsCode says whether the code has reached the directory since.
func (ff factFinder) odsCode(ods string) error {
	o, err := ff.s.store.Organisation(ff.ctx, ods)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ff.line(factLine{Label: "ODS code " + ods, Value: "not in the directory", Bad: true})
	case err != nil:
		return err
	default:
		ff.line(factLine{Label: "ODS code " + ods, Link: "/organisations/" + o.ODS,
			Value: fmt.Sprintf("now in the directory: %s (%s), mailbox %q", o.DisplayName(), o.Sector, o.Mailbox)})
	}
	return nil
}

// registerFacts puts side by side what staff compare before a new shared mailbox is made
// (docs/spec/rules.md "Safety rules added after review"): the site that asks, the new code's directory row,
// the first owner, and who holds the new mailbox's address if anyone does.
func (s *server) registerFacts(r *http.Request, f *ruleFacts, q domain.Request, siteODS string) error {
	ctx := r.Context()
	orgLine := func(label, ods string) (domain.Organisation, error) {
		o, err := s.store.Organisation(ctx, ods)
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.Lines = append(f.Lines, factLine{Label: label, Value: ods + ": not in the directory", Bad: true})
			return o, nil
		case err != nil:
			return o, err
		}
		mailbox := o.Mailbox
		if mailbox == "" {
			mailbox = "no shared mailbox yet"
		}
		f.Lines = append(f.Lines, factLine{Label: label, Link: "/organisations/" + o.ODS,
			Value: fmt.Sprintf("%s: %s (%s), %s, %s", o.ODS, o.DisplayName(), o.Sector, mailbox, o.Status),
			Bad:   o.Status == domain.StatusClosed})
		return o, nil
	}
	// The desk has no domain setting: the requesting site's mailbox gives it.
	mailDomain := "nhs.net"
	if siteODS != "" {
		site, err := orgLine("Requesting site", siteODS)
		if err != nil {
			return err
		}
		if _, d, ok := strings.Cut(site.Mailbox, "@"); ok {
			mailDomain = d
		}
	}
	if _, err := orgLine("New code in the directory", q.ODS); err != nil {
		return err
	}
	f.Lines = append(f.Lines, factLine{Label: "Asked for",
		Value: fmt.Sprintf("%s, %s (%s)", q.OrganisationName, q.Town, q.Sector)})
	owner := fmt.Sprintf("%s, mobile %s, email %s", q.Name, q.Mobile, q.Email)
	if q.RequestedBy != nil {
		owner += ", requested by " + q.RequestedBy.Address
	}
	f.Lines = append(f.Lines, factLine{Label: "First owner", Value: owner})
	if q.Mobile != "" {
		a, err := s.store.AccountByMobile(ctx, q.Mobile)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			f.Lines = append(f.Lines, factLine{Label: "First owner's mobile", Bad: true, Link: "/accounts/" + a.Address,
				Value: fmt.Sprintf("already held by %s (%s, %s at %s)", a.Address, a.Name, a.Status, a.ODS)})
		}
	}
	if q.Sector != "" && q.ODS != "" {
		address := string(q.Sector) + "." + strings.ToLower(q.ODS) + "@" + mailDomain
		a, err := s.store.Account(ctx, address)
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.Lines = append(f.Lines, factLine{Label: "Address " + address, Value: "held by no account or alias"})
		case err != nil:
			return err
		default:
			f.Lines = append(f.Lines, factLine{Label: "Address " + address, Bad: true, Link: "/accounts/" + a.Address,
				Value: fmt.Sprintf("held by the account %s (%s, %s at %s)", a.Address, a.Name, a.Status, a.ODS)})
		}
	}
	return nil
}
