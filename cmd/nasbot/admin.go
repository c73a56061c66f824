package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"nasbot/store"
)

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, cfg Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// configuredStore loads the config and opens the store, reporting errors the same way.
func configuredStore(name string, stderr io.Writer) (*store.Store, Config, bool) {
	cfg, err := loadConfig()
	if err == nil {
		err = cfg.Validate(false)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nasbot %s: %v\n", name, err)
		return nil, cfg, false
	}
	st, err := openStore(context.Background(), cfg)
	if err != nil {
		fmt.Fprintf(stderr, "nasbot %s: %v\n", name, err)
		return nil, cfg, false
	}
	return st, cfg, true
}

func cmdMigrate(args []string, stdout, stderr io.Writer) int {
	st, _, ok := configuredStore("migrate", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	fmt.Fprintln(stdout, "schema is up to date")
	return exitOK
}

// cmdDirectory imports or exports organisations.csv and accounts.csv (spec/dryrun.md).
func cmdDirectory(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || (args[0] != "import" && args[0] != "export") {
		fmt.Fprintln(stderr, "usage: nasbot directory import|export DIR")
		return exitBadArgs
	}
	st, _, ok := configuredStore("directory", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	ctx := context.Background()
	dir := args[1]
	orgPath, acctPath := filepath.Join(dir, "organisations.csv"), filepath.Join(dir, "accounts.csv")
	var err error
	if args[0] == "import" {
		err = importDirectory(ctx, st, orgPath, acctPath)
	} else {
		err = exportDirectory(ctx, st, orgPath, acctPath)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nasbot directory %s: %v\n", args[0], err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "directory %sed: %s\n", args[0], dir)
	return exitOK
}

func importDirectory(ctx context.Context, st *store.Store, orgPath, acctPath string) error {
	orgs, err := os.Open(orgPath)
	if err != nil {
		return err
	}
	defer orgs.Close()
	accts, err := os.Open(acctPath)
	if err != nil {
		return err
	}
	defer accts.Close()
	return st.ImportDirectory(ctx, orgs, accts)
}

func exportDirectory(ctx context.Context, st *store.Store, orgPath, acctPath string) error {
	if err := os.MkdirAll(filepath.Dir(orgPath), 0o755); err != nil {
		return err
	}
	orgs, err := os.Create(orgPath)
	if err != nil {
		return err
	}
	defer orgs.Close()
	accts, err := os.Create(acctPath)
	if err != nil {
		return err
	}
	defer accts.Close()
	return st.ExportDirectory(ctx, orgs, accts)
}
