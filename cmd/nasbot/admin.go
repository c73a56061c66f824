package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"nasbot/service"
	"nasbot/store"
	"nasbot/web"
)

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, cfg service.Config) (*store.Store, error) {
	return store.OpenMigrated(ctx, cfg.DatabaseURL)
}

// configuredStore loads the config and opens the store, reporting errors the same way.
func configuredStore(name string, stderr io.Writer) (*store.Store, service.Config, bool) {
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
	// The desk's search index catches up here all at once (searches do it 2,000 at a time).
	n, err := st.IndexPending(context.Background(), web.SearchText, 0)
	if err != nil {
		fmt.Fprintln(stderr, "nasbot migrate: search index:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "search index is up to date (%d messages added)\n", n)
	return exitOK
}

// cmdDirectory imports or exports organisations.csv and accounts.csv (docs/spec/dryrun.md).
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
	var err error
	if args[0] == "import" {
		err = importDirectory(ctx, st, dir)
	} else {
		err = st.ExportDirectoryFiles(ctx, dir)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nasbot directory %s: %v\n", args[0], err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "directory %sed: %s\n", args[0], dir)
	return exitOK
}

// importDirectory loads a folder's directory files.
func importDirectory(ctx context.Context, st *store.Store, dir string) error {
	return st.ImportDirectoryFiles(ctx, os.DirFS(dir))
}
