package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"nasbot/domain"
	"nasbot/handlers"
	"nasbot/handlers/handlerstest"
	"nasbot/internal/testenv"
	"nasbot/store"
)

// The store's transaction is the directory the handlers read in production.
var _ handlers.Directory = (*store.Tx)(nil)

// TestDirectoryContract holds the handlers' test directory to the store: loaded from the same
// files, both answer every question of handlers.Directory alike, so a handler test that passes
// against the fake passes against the database too.
func TestDirectoryContract(t *testing.T) {
	dir := "../testdata/rules/directory" // organisations, accounts and aliases
	fake, err := handlerstest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := testenv.OpenStore(t, filepath.Join(t.TempDir(), "contract.db"))
	orgs, _ := os.Open(filepath.Join(dir, "organisations.csv"))
	accts, _ := os.Open(filepath.Join(dir, "accounts.csv"))
	aliases, _ := os.Open(filepath.Join(dir, "aliases.csv"))
	defer orgs.Close()
	defer accts.Close()
	defer aliases.Close()
	if err := st.ImportDirectory(ctx, orgs, accts); err != nil {
		t.Fatal(err)
	}
	if err := st.ImportAliases(ctx, aliases); err != nil {
		t.Fatal(err)
	}
	all, err := st.Accounts(ctx)
	if err != nil || len(all) == 0 {
		t.Fatalf("accounts: %d, %v", len(all), err)
	}
	sites, _ := st.Organisations(ctx)
	err = st.InTx(ctx, func(tx *store.Tx) error {
		same := func(what string, got, want any) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: store %+v, handlerstest %+v", what, got, want)
			}
		}
		addresses := []string{"nobody@nhs.net", "grace.lind@nhs.net", "pharmacy.fz111@nhs.net"}
		for _, a := range all {
			addresses = append(addresses, a.Address)
			m1, ok1, err1 := tx.AccountByMobile(a.Mobile)
			m2, ok2, err2 := fake.AccountByMobile(a.Mobile)
			same("AccountByMobile "+a.Mobile, []any{m1.Address, ok1, err1}, []any{m2.Address, ok2, err2})
		}
		for _, address := range addresses {
			a1, ok1, err1 := tx.Account(address)
			a2, ok2, err2 := fake.Account(address)
			same("Account "+address, []any{a1.Address, a1.ODS, a1.Status, a1.Role, ok1, err1}, []any{a2.Address, a2.ODS, a2.Status, a2.Role, ok2, err2})
			t1, err1 := tx.AddressTaken(address)
			t2, err2 := fake.AddressTaken(address)
			same("AddressTaken "+address, []any{t1, err1}, []any{t2, err2})
			l1, err1 := tx.Aliases(address)
			l2, err2 := fake.Aliases(address)
			same("Aliases "+address, []any{nonNil(l1), err1}, []any{nonNil(l2), err2})
		}
		for _, o := range append(sites, domain.Organisation{ODS: "ZZ999"}) {
			o1, ok1, err1 := tx.Organisation(o.ODS)
			o2, ok2, err2 := fake.Organisation(o.ODS)
			same("Organisation "+o.ODS, []any{o1, ok1, err1}, []any{o2, ok2, err2})
			s1, err1 := tx.SiteAccounts(o.ODS)
			s2, err2 := fake.SiteAccounts(o.ODS)
			same("SiteAccounts "+o.ODS, []any{addressesOf(s1), err1}, []any{addressesOf(s2), err2})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func addressesOf(as []domain.Account) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Address)
	}
	return out
}
