package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"nasbot/domain"
)

const accountColumns = `email, name, mobile, ods_code, status, role, last_login, delete_after`
const organisationColumns = `ods_code, sector, name, town, shared_mailbox, status`

// resolveAlias returns the address an alias stands for, or address itself.
func resolveAlias(ctx context.Context, q dbtx, address string) (string, error) {
	address = strings.ToLower(strings.TrimSpace(address))
	var target string
	err := get(ctx, q, &target, `SELECT target FROM aliases WHERE alias = ?`, address)
	switch {
	case errors.Is(err, ErrNotFound):
		return address, nil
	case err != nil:
		return "", fmt.Errorf("store: alias %w", err)
	}
	return target, nil
}

func organisation(ctx context.Context, q dbtx, ods string) (domain.Organisation, error) {
	var o domain.Organisation
	err := get(ctx, q, &o, `SELECT `+organisationColumns+` FROM organisations WHERE ods_code = ?`,
		strings.ToUpper(ods))
	return o, err
}

// canonical is the SQL for an address, alias resolved (its two ? are the address twice): an
// alias's target, or the address itself. It lets a lookup by address and the alias lookup go in
// one round trip.
const canonical = `COALESCE((SELECT target FROM aliases WHERE alias = ?), ?)`

func organisationByMailbox(ctx context.Context, q dbtx, mailbox string) (domain.Organisation, error) {
	mailbox = strings.ToLower(strings.TrimSpace(mailbox))
	var o domain.Organisation
	err := get(ctx, q, &o, `SELECT `+organisationColumns+` FROM organisations
		WHERE shared_mailbox = `+canonical+` AND shared_mailbox <> ''`, mailbox, mailbox)
	return o, err
}

func account(ctx context.Context, q dbtx, address string) (domain.Account, error) {
	address = strings.ToLower(strings.TrimSpace(address))
	var a domain.Account
	err := get(ctx, q, &a, `SELECT `+accountColumns+` FROM accounts WHERE email = `+canonical, address, address)
	return a, err
}

func accountByMobile(ctx context.Context, q dbtx, mobile string) (domain.Account, error) {
	var a domain.Account
	err := get(ctx, q, &a, `SELECT `+accountColumns+` FROM accounts WHERE mobile = ?`, mobile)
	return a, err
}

func addressTaken(ctx context.Context, q dbtx, address string) (bool, error) {
	address = strings.ToLower(address)
	var n int
	err := get(ctx, q, &n, `SELECT
		(SELECT COUNT(*) FROM accounts WHERE email = ?) +
		(SELECT COUNT(*) FROM aliases WHERE alias = ?) +
		(SELECT COUNT(*) FROM organisations WHERE shared_mailbox = ?)`, address, address, address)
	return n > 0, err
}

func siteAccounts(ctx context.Context, q dbtx, ods string) ([]domain.Account, error) {
	var as []domain.Account
	err := sel(ctx, q, &as, `SELECT `+accountColumns+` FROM accounts WHERE ods_code = ? ORDER BY email`,
		strings.ToUpper(ods))
	return as, err
}

func linkedToMailbox(ctx context.Context, q dbtx, acct, mailbox string) (bool, error) {
	org, err := organisationByMailbox(ctx, q, mailbox)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	a, err := account(ctx, q, acct)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return a.ODS == org.ODS && a.Status == domain.StatusActive && a.Linked(), nil
}

// found turns ErrNotFound into ok=false, as the rules' Directory interface wants.
func found[T any](v T, err error) (T, bool, error) {
	if errors.Is(err, ErrNotFound) {
		var zero T
		return zero, false, nil
	}
	return v, err == nil, err
}

// Organisation returns the site with the ODS code.
func (t *Tx) Organisation(ods string) (domain.Organisation, bool, error) {
	return found(organisation(t.ctx, t.tx, ods))
}

// OrganisationByMailbox returns the site whose shared mailbox (or legacy alias of it) is address.
func (t *Tx) OrganisationByMailbox(address string) (domain.Organisation, bool, error) {
	return found(organisationByMailbox(t.ctx, t.tx, address))
}

// OrganisationByMailboxLocked is OrganisationByMailbox, and LockSite of the site it finds in the
// same round trip where the dialect can: locked reports whether the lock is taken (when it is
// not, LockSite takes it). The site is read as before the lock, as OrganisationByMailbox then
// LockSite would read it.
func (t *Tx) OrganisationByMailboxLocked(address string) (org domain.Organisation, ok, locked bool, err error) {
	if t.d.lockSiteColumn == "" {
		org, ok, err = t.OrganisationByMailbox(address)
		return org, ok, false, err
	}
	address = strings.ToLower(strings.TrimSpace(address))
	var row struct {
		domain.Organisation
		Locked string `db:"locked"`
	}
	err = get(t.ctx, t.tx, &row, `SELECT `+organisationColumns+`, `+t.d.lockSiteColumn+` AS locked FROM organisations
		WHERE shared_mailbox = `+canonical+` AND shared_mailbox <> ''`, address, address)
	org, ok, err = found(row.Organisation, err)
	return org, ok, ok, err
}

// Account returns the account at address or at one of its aliases.
func (t *Tx) Account(address string) (domain.Account, bool, error) {
	return found(account(t.ctx, t.tx, address))
}

// AccountByMobile returns the account holding the mobile number, whatever its status.
func (t *Tx) AccountByMobile(mobile string) (domain.Account, bool, error) {
	return found(accountByMobile(t.ctx, t.tx, mobile))
}

// AddressTaken reports whether address is in use by an account, an alias or a shared mailbox.
func (t *Tx) AddressTaken(address string) (bool, error) { return addressTaken(t.ctx, t.tx, address) }

// SiteAccounts returns every account of the site, leavers included.
func (t *Tx) SiteAccounts(ods string) ([]domain.Account, error) {
	return siteAccounts(t.ctx, t.tx, ods)
}

// LinkedToMailbox reports whether acct is an active account linked to the shared mailbox.
func (t *Tx) LinkedToMailbox(acct, mailbox string) (bool, error) {
	return linkedToMailbox(t.ctx, t.tx, acct, mailbox)
}

// LinkedToMailbox reports whether acct is an active account linked to the shared mailbox, read
// outside any transaction (verification runs before the decision's transaction opens).
func (s *Store) LinkedToMailbox(ctx context.Context, acct, mailbox string) (bool, error) {
	return linkedToMailbox(ctx, s.db, acct, mailbox)
}

// Organisation returns the site with the ODS code, or ErrNotFound.
func (s *Store) Organisation(ctx context.Context, ods string) (domain.Organisation, error) {
	return organisation(ctx, s.db, ods)
}

// Account returns the account at address or one of its aliases, or ErrNotFound.
func (s *Store) Account(ctx context.Context, address string) (domain.Account, error) {
	return account(ctx, s.db, address)
}

// SiteAccounts returns every account of the site, leavers included.
func (s *Store) SiteAccounts(ctx context.Context, ods string) ([]domain.Account, error) {
	return siteAccounts(ctx, s.db, ods)
}

// Organisations returns every site, by ODS code.
func (s *Store) Organisations(ctx context.Context) ([]domain.Organisation, error) {
	var os []domain.Organisation
	err := sel(ctx, s.db, &os, `SELECT `+organisationColumns+` FROM organisations ORDER BY ods_code`)
	return os, err
}

// Accounts returns every account, by address.
func (s *Store) Accounts(ctx context.Context) ([]domain.Account, error) {
	var as []domain.Account
	err := sel(ctx, s.db, &as, `SELECT `+accountColumns+` FROM accounts ORDER BY email`)
	return as, err
}

// Aliases returns the aliases that point at address.
func (s *Store) Aliases(ctx context.Context, address string) ([]string, error) {
	return aliases(ctx, s.db, address)
}

// Aliases returns the aliases that point at address.
func (t *Tx) Aliases(address string) ([]string, error) { return aliases(t.ctx, t.tx, address) }

func aliases(ctx context.Context, q dbtx, address string) ([]string, error) {
	var as []string
	err := sel(ctx, q, &as, `SELECT alias FROM aliases WHERE target = ? ORDER BY alias`, strings.ToLower(address))
	return as, err
}

// PutOrganisation inserts or replaces a site (directory import).
func (t *Tx) PutOrganisation(o domain.Organisation) error {
	_, err := exec(t.ctx, t.tx, `INSERT INTO organisations (`+organisationColumns+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (ods_code) DO UPDATE SET sector = excluded.sector, name = excluded.name,
		town = excluded.town, shared_mailbox = excluded.shared_mailbox, status = excluded.status`,
		strings.ToUpper(o.ODS), o.Sector, o.Name, o.Town, strings.ToLower(o.Mailbox), o.Status)
	if err != nil {
		return fmt.Errorf("store: put organisation %s: %w", o.ODS, err)
	}
	return nil
}

// PutAccount inserts or replaces an account (directory import). An account given no deletion
// date keeps the one it has while its status stays the same: the CSV carries none, and a
// re-import must not restart a leaver's or an inactive account's 30 days.
func (t *Tx) PutAccount(a domain.Account) error {
	_, err := exec(t.ctx, t.tx, `INSERT INTO accounts (`+accountColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (email) DO UPDATE SET name = excluded.name, mobile = excluded.mobile,
		ods_code = excluded.ods_code, status = excluded.status, role = excluded.role,
		last_login = excluded.last_login,
		delete_after = CASE WHEN excluded.delete_after IS NULL AND accounts.status = excluded.status
			THEN accounts.delete_after ELSE excluded.delete_after END`,
		strings.ToLower(a.Address), a.Name, a.Mobile, strings.ToUpper(a.ODS), a.Status, a.Role,
		utcPtr(a.LastLogin), utcPtr(a.DeleteAfter))
	if err != nil {
		return fmt.Errorf("store: put account %s: %w", a.Address, err)
	}
	return nil
}

// PutAlias records that alias (an old or legacy address) stands for target.
func (t *Tx) PutAlias(alias, target string) error {
	_, err := exec(t.ctx, t.tx, `INSERT INTO aliases (alias, target) VALUES (?, ?)
		ON CONFLICT (alias) DO UPDATE SET target = excluded.target`,
		strings.ToLower(alias), strings.ToLower(target))
	if err != nil {
		return fmt.Errorf("store: put alias: %w", err)
	}
	return nil
}

// RecordSiteSent is RecordMailboxSent for a site already found by its mailbox (the pipeline's
// sender): one UPDATE by ODS code, without resolving the address again, which also returns the
// site as it now is (the first request's handlers ask for it: one round trip instead of two).
// An earlier time than the one recorded changes nothing; ok is false when no site has the code.
func (t *Tx) RecordSiteSent(ods string, at time.Time) (org domain.Organisation, ok bool, err error) {
	err = get(t.ctx, t.tx, &org, `UPDATE organisations SET last_sent_at =
		CASE WHEN last_sent_at IS NULL OR last_sent_at < ? THEN ? ELSE last_sent_at END
		WHERE ods_code = ? RETURNING `+organisationColumns, at.UTC(), at.UTC(), strings.ToUpper(ods))
	if org, ok, err = found(org, err); err != nil {
		return org, false, fmt.Errorf("store: record site sent: %w", err)
	}
	return org, ok, nil
}
