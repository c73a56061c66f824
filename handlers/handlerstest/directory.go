// Package handlerstest is an in-memory NAS directory for tests of the rules and of anything that
// drives them (the pipeline). It implements handlers.Directory, loads the dryrun directory files
// (organisations.csv, accounts.csv; docs/spec/dryrun.md) or Go literals, and applies a Decision's
// Effects the way the store does, so sequences of requests can be tested without a database.
package handlerstest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/handlers"
)

var _ handlers.Directory = (*Directory)(nil)

// Directory is an in-memory NAS directory. The zero value is not ready: use New or Load.
type Directory struct {
	orgs     map[string]domain.Organisation // by upper-case ODS code
	accounts map[string]domain.Account      // by lower-case address
	aliases  map[string]string              // old address → current address
	// Texts lists, in order, the addresses a temporary password was sent to.
	Texts []string
}

// New makes a directory holding copies of the organisations and accounts.
func New(orgs []domain.Organisation, accts []domain.Account) *Directory {
	d := &Directory{
		orgs:     make(map[string]domain.Organisation, len(orgs)),
		accounts: make(map[string]domain.Account, len(accts)),
		aliases:  map[string]string{},
	}
	for _, o := range orgs {
		o.ODS = strings.ToUpper(o.ODS)
		o.Mailbox = strings.ToLower(o.Mailbox)
		if o.Status == "" {
			o.Status = domain.StatusActive
		}
		d.orgs[o.ODS] = o
	}
	for _, a := range accts {
		d.putAccount(a)
	}
	return d
}

func (d *Directory) putAccount(a domain.Account) {
	a.Address = strings.ToLower(a.Address)
	a.ODS = strings.ToUpper(a.ODS)
	if a.Status == "" {
		a.Status = domain.StatusActive
	}
	if a.Role == "" {
		a.Role = domain.RoleNone
	}
	d.accounts[a.Address] = a
}

// Load reads organisations.csv and accounts.csv from dir, and aliases.csv (alias,target: an old
// address and the account it forwards to) when dir has one.
func Load(dir string) (*Directory, error) {
	orgRows, err := readCSV(filepath.Join(dir, "organisations.csv"))
	if err != nil {
		return nil, err
	}
	acctRows, err := readCSV(filepath.Join(dir, "accounts.csv"))
	if err != nil {
		return nil, err
	}
	var orgs []domain.Organisation
	for _, r := range orgRows {
		orgs = append(orgs, domain.Organisation{ODS: r["ods_code"], Sector: domain.Sector(r["sector"]),
			Name: r["name"], Town: r["town"], Mailbox: r["shared_mailbox"], Status: r["status"]})
	}
	var accts []domain.Account
	for i, r := range acctRows {
		a := domain.Account{Address: r["email"], Name: r["name"], Mobile: r["mobile"], ODS: r["ods_code"],
			Status: r["status"], Role: domain.Role(r["role"])}
		if s := r["last_login"]; s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return nil, fmt.Errorf("handlerstest: accounts.csv row %d: last_login: %w", i+2, err)
			}
			a.LastLogin = &t
		}
		accts = append(accts, a)
	}
	d := New(orgs, accts)
	aliasRows, err := readCSV(filepath.Join(dir, "aliases.csv"))
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	for _, r := range aliasRows {
		d.aliases[strings.ToLower(r["alias"])] = strings.ToLower(r["target"])
	}
	return d, nil
}

// readCSV reads a CSV file with a header row into one map per data row.
func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("handlerstest: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("handlerstest: %s: header: %w", path, err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("handlerstest: %s: %w", path, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[strings.TrimSpace(h)] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, row)
	}
}

// Organisation implements handlers.Directory.
func (d *Directory) Organisation(ods string) (domain.Organisation, bool, error) {
	o, ok := d.orgs[strings.ToUpper(ods)]
	return o, ok, nil
}

// OrganisationByMailbox returns the site whose shared mailbox has the address.
func (d *Directory) OrganisationByMailbox(address string) (domain.Organisation, bool) {
	for _, o := range d.orgs {
		if o.Mailbox != "" && strings.EqualFold(o.Mailbox, address) {
			return o, true
		}
	}
	return domain.Organisation{}, false
}

// Account implements handlers.Directory: aliases resolve to the account.
func (d *Directory) Account(address string) (domain.Account, bool, error) {
	address = strings.ToLower(address)
	if target, ok := d.aliases[address]; ok {
		address = target
	}
	a, ok := d.accounts[address]
	return a, ok, nil
}

// AccountByMobile implements handlers.Directory.
func (d *Directory) AccountByMobile(mobile string) (domain.Account, bool, error) {
	for _, a := range d.accounts {
		if a.Mobile == mobile {
			return a, true, nil
		}
	}
	return domain.Account{}, false, nil
}

// AddressTaken implements handlers.Directory.
func (d *Directory) AddressTaken(address string) (bool, error) {
	address = strings.ToLower(address)
	_, acct := d.accounts[address]
	_, alias := d.aliases[address]
	return acct || alias, nil
}

// SiteAccounts implements handlers.Directory, in address order.
func (d *Directory) SiteAccounts(ods string) ([]domain.Account, error) {
	var out []domain.Account
	for _, a := range d.accounts {
		if strings.EqualFold(a.ODS, ods) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

// Aliases implements handlers.Directory: the old addresses that forward to the account, in order.
func (d *Directory) Aliases(address string) ([]string, error) {
	var out []string
	for alias, target := range d.aliases {
		if target == strings.ToLower(address) {
			out = append(out, alias)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Apply makes the changes of a done decision's effects, as the store does.
func (d *Directory) Apply(effects ...domain.Effect) error {
	for _, e := range effects {
		if err := d.apply(e); err != nil {
			return fmt.Errorf("handlerstest: apply %T: %w", e, err)
		}
	}
	return nil
}

func (d *Directory) apply(e domain.Effect) error {
	switch e := e.(type) {
	case domain.CreateAccount:
		if taken, _ := d.AddressTaken(e.Address); taken {
			return fmt.Errorf("address %s taken", e.Address)
		}
		if _, ok := d.orgs[strings.ToUpper(e.ODS)]; !ok {
			return fmt.Errorf("no organisation %s", e.ODS)
		}
		d.putAccount(domain.Account{Address: e.Address, Name: e.Name, Mobile: e.Mobile, ODS: e.ODS,
			Status: domain.StatusActive, Role: e.Role})
	case domain.SetRole:
		return d.update(e.Address, func(a *domain.Account) { a.Role = e.Role })
	case domain.MarkLeaver:
		return d.update(e.Address, func(a *domain.Account) {
			a.Status, a.Role = domain.StatusLeaver, domain.RoleNone
			t := e.DeleteAfter
			a.DeleteAfter = &t
		})
	case domain.MarkJoiner:
		return d.update(e.Address, func(a *domain.Account) {
			a.Status, a.ODS, a.Role, a.DeleteAfter = domain.StatusActive, strings.ToUpper(e.ODS), e.Role, nil
		})
	case domain.RenameAccount:
		return d.rename(e)
	case domain.CloseSharedMailbox:
		o, ok := d.orgs[strings.ToUpper(e.ODS)]
		if !ok {
			return fmt.Errorf("no organisation %s", e.ODS)
		}
		o.Status = domain.StatusClosed
		d.orgs[o.ODS] = o
		for addr, a := range d.accounts {
			if a.ODS == o.ODS {
				a.Role = domain.RoleNone
				d.accounts[addr] = a
			}
		}
	case domain.RegisterSharedMailbox:
		d.orgs[strings.ToUpper(e.ODS)] = domain.Organisation{ODS: strings.ToUpper(e.ODS), Sector: e.Sector,
			Name: e.Name, Town: e.Town, Mailbox: strings.ToLower(e.Mailbox), Status: domain.StatusActive}
	case domain.SendTemporaryPassword:
		if _, ok := d.accounts[strings.ToLower(e.Address)]; !ok {
			return fmt.Errorf("no account %s", e.Address)
		}
		d.Texts = append(d.Texts, strings.ToLower(e.Address))
	default:
		return fmt.Errorf("unknown effect")
	}
	return nil
}

// update changes the account at address (its own address, as effects name it).
func (d *Directory) update(address string, change func(*domain.Account)) error {
	address = strings.ToLower(address)
	a, ok := d.accounts[address]
	if !ok {
		return fmt.Errorf("no account %s", address)
	}
	change(&a)
	d.accounts[address] = a
	return nil
}

// rename moves the account to its new address; the old one (and earlier aliases) forward to it.
// A rename that keeps the address only changes the name.
func (d *Directory) rename(e domain.RenameAccount) error {
	oldAddr, newAddr := strings.ToLower(e.OldAddress), strings.ToLower(e.NewAddress)
	a, ok := d.accounts[oldAddr]
	if !ok {
		return fmt.Errorf("no account %s", oldAddr)
	}
	a.Name = e.NewName
	if oldAddr == newAddr {
		d.accounts[oldAddr] = a
		return nil
	}
	if taken, _ := d.AddressTaken(newAddr); taken {
		return fmt.Errorf("address %s taken", newAddr)
	}
	delete(d.accounts, oldAddr)
	a.Address = newAddr
	d.accounts[newAddr] = a
	for alias, target := range d.aliases {
		if target == oldAddr {
			d.aliases[alias] = newAddr
		}
	}
	d.aliases[oldAddr] = newAddr
	return nil
}

// Context is the handlers.Context for mail from the address: the site whose shared mailbox it
// is, or else the personal account it is (Site and SenderAccount both nil when neither).
func (d *Directory) Context(from string, now time.Time) handlers.Context {
	ctx := handlers.Context{Now: now, Domain: "nhs.net"}
	if o, ok := d.OrganisationByMailbox(from); ok {
		ctx.Site = &o
		return ctx
	}
	if a, ok, _ := d.Account(from); ok {
		ctx.SenderAccount = &a
	}
	return ctx
}
