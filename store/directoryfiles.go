package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// The directory's files (docs/spec/dryrun.md, "Directory files").
const (
	OrganisationsFile = "organisations.csv"
	AccountsFile      = "accounts.csv"
	AliasesFile       = "aliases.csv"
)

// ImportDirectoryFiles loads OrganisationsFile and AccountsFile from fsys (a folder, or the
// demo's embedded one), then AliasesFile when fsys has one.
func (s *Store) ImportDirectoryFiles(ctx context.Context, fsys fs.FS) error {
	orgs, err := fsys.Open(OrganisationsFile)
	if err != nil {
		return err
	}
	defer orgs.Close()
	accts, err := fsys.Open(AccountsFile)
	if err != nil {
		return err
	}
	defer accts.Close()
	if err := s.ImportDirectory(ctx, orgs, accts); err != nil {
		return err
	}
	aliases, err := fsys.Open(AliasesFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	defer aliases.Close()
	return s.ImportAliases(ctx, aliases)
}

// ExportDirectoryFiles writes the three files into dir, which it makes if need be, in the form
// ImportDirectoryFiles reads.
func (s *Store) ExportDirectoryFiles(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]*os.File{}
	for _, name := range []string{OrganisationsFile, AccountsFile, AliasesFile} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		defer f.Close()
		files[name] = f
	}
	if err := s.ExportDirectory(ctx, files[OrganisationsFile], files[AccountsFile]); err != nil {
		return err
	}
	if err := s.ExportAliases(ctx, files[AliasesFile]); err != nil {
		return err
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
