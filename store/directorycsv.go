package store

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"nasbot/domain"
)

// The CSV columns of docs/spec/dryrun.md ("Directory files").
var (
	organisationsHeader = []string{"ods_code", "sector", "name", "town", "shared_mailbox", "status"}
	accountsHeader      = []string{"email", "name", "mobile", "ods_code", "status", "role", "last_login"}
)

// ImportDirectory loads organisations.csv and accounts.csv in one transaction, replacing rows
// with the same key. A bad row fails the whole import, naming the file line.
func (s *Store) ImportDirectory(ctx context.Context, organisations, accounts io.Reader) error {
	orgs, err := readCSV(organisations, organisationsHeader)
	if err != nil {
		return fmt.Errorf("store: organisations.csv: %w", err)
	}
	accts, err := readCSV(accounts, accountsHeader)
	if err != nil {
		return fmt.Errorf("store: accounts.csv: %w", err)
	}
	return s.InTx(ctx, func(tx *Tx) error {
		for _, r := range orgs {
			o := domain.Organisation{ODS: r["ods_code"], Sector: domain.Sector(strings.ToLower(r["sector"])),
				Name: r["name"], Town: r["town"], Mailbox: r["shared_mailbox"], Status: strings.ToLower(r["status"])}
			if o.Status == "" {
				o.Status = domain.StatusActive
			}
			if err := tx.PutOrganisation(o); err != nil {
				return err
			}
		}
		for i, r := range accts {
			a := domain.Account{Address: r["email"], Name: r["name"], Mobile: r["mobile"], ODS: r["ods_code"],
				Status: strings.ToLower(r["status"]), Role: domain.Role(strings.ToLower(r["role"]))}
			if a.Role == "" {
				a.Role = domain.RoleNone
			}
			if v := r["last_login"]; v != "" {
				t, err := time.Parse(time.DateOnly, v)
				if err != nil {
					return fmt.Errorf("store: accounts.csv row %d: last_login %q is not YYYY-MM-DD", i+2, v)
				}
				a.LastLogin = &t
			}
			if err := tx.PutAccount(a); err != nil {
				return err
			}
		}
		return nil
	})
}

// readCSV reads rows keyed by the header's column names, which must include want.
func readCSV(r io.Reader, want []string) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	for _, w := range want {
		if !slices.Contains(header, w) {
			return nil, fmt.Errorf("header lacks column %q", w)
		}
	}
	var rows []map[string]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		row := make(map[string]string, len(header))
		for i, v := range rec {
			if i < len(header) {
				row[header[i]] = strings.TrimSpace(v)
			}
		}
		rows = append(rows, row)
	}
}

// ExportDirectory writes the directory in the same CSV form ImportDirectory reads.
func (s *Store) ExportDirectory(ctx context.Context, organisations, accounts io.Writer) error {
	orgs, err := s.Organisations(ctx)
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	w := csv.NewWriter(organisations)
	w.Write(organisationsHeader)
	for _, o := range orgs {
		w.Write([]string{o.ODS, string(o.Sector), o.Name, o.Town, o.Mailbox, o.Status})
	}
	if w.Flush(); w.Error() != nil {
		return fmt.Errorf("store: export organisations: %w", w.Error())
	}
	accts, err := s.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	w = csv.NewWriter(accounts)
	w.Write(accountsHeader)
	for _, a := range accts {
		login := ""
		if a.LastLogin != nil {
			login = a.LastLogin.UTC().Format(time.DateOnly)
		}
		w.Write([]string{a.Address, a.Name, a.Mobile, a.ODS, a.Status, string(a.Role), login})
	}
	if w.Flush(); w.Error() != nil {
		return fmt.Errorf("store: export accounts: %w", w.Error())
	}
	return nil
}

var aliasesHeader = []string{"alias", "target"}

// ImportAliases loads aliases.csv (alias,target): old addresses kept after name changes and
// legacy names of shared mailboxes (nhspharmacy.<town>.<name><ODS>@nhs.net), which count as
// the address they stand for.
func (s *Store) ImportAliases(ctx context.Context, aliases io.Reader) error {
	rows, err := readCSV(aliases, aliasesHeader)
	if err != nil {
		return fmt.Errorf("store: aliases.csv: %w", err)
	}
	return s.InTx(ctx, func(tx *Tx) error {
		for _, r := range rows {
			if err := tx.PutAlias(r["alias"], r["target"]); err != nil {
				return err
			}
		}
		return nil
	})
}

// ExportAliases writes every alias in the form ImportAliases reads.
func (s *Store) ExportAliases(ctx context.Context, w io.Writer) error {
	var rows []struct {
		Alias  string `db:"alias"`
		Target string `db:"target"`
	}
	if err := sel(ctx, s.db, &rows, `SELECT alias, target FROM aliases ORDER BY alias`); err != nil {
		return fmt.Errorf("store: export aliases: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.Write(aliasesHeader)
	for _, r := range rows {
		cw.Write([]string{r.Alias, r.Target})
	}
	cw.Flush()
	return cw.Error()
}
