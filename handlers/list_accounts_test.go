package handlers_test

import (
	"slices"
	"testing"

	"nasbot/domain"
	"nasbot/handlers"
)

// An access review lists every account of the sending site, leavers too, with the old addresses
// that forward to each; only a shared mailbox may ask, and nothing changes.
func TestListAccounts(t *testing.T) {
	dir := fixture(t)
	dental, _, _ := dir.Organisation("D4455")
	d, err := handlers.Decide(handlers.Context{Now: now, Site: &dental, Domain: "nhs.net"},
		domain.Request{Type: domain.ListAccounts}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != domain.Done || len(d.Effects) != 0 || d.Listing == nil {
		t.Fatalf("decision %+v", d)
	}
	var got []string
	for _, a := range d.Listing.Accounts {
		got = append(got, a.Address)
	}
	if want := []string{"dev.patel@nhs.net", "ellen.frost@nhs.net", "nia.evans@nhs.net"}; !slices.Equal(got, want) {
		t.Errorf("accounts %v, want %v", got, want)
	}
	if old := d.Listing.Aliases["nia.evans@nhs.net"]; !slices.Equal(old, []string{"mary.jones@nhs.net"}) {
		t.Errorf("nia.evans's old addresses %v", old)
	}
	if d.Listing.Limit != handlers.SiteAccountLimit || d.Listing.InUse() != 3 {
		t.Errorf("%d of %d in use", d.Listing.InUse(), d.Listing.Limit)
	}

	oak, _, _ := dir.Organisation("FA111")
	d, _ = handlers.Decide(handlers.Context{Now: now, Site: &oak, Domain: "nhs.net"}, domain.Request{Type: domain.ListAccounts}, dir)
	leaverListed := false
	for _, a := range d.Listing.Accounts {
		leaverListed = leaverListed || a.Address == "paul.hale@nhs.net" && a.Status == domain.StatusLeaver
	}
	if !leaverListed || d.Listing.InUse() != 4 {
		t.Errorf("Oak Tree: leaver listed %v, %d in use (want 4: leavers do not count)", leaverListed, d.Listing.InUse())
	}

	jane, _, _ := dir.Account("jane.smith@nhs.net")
	d, _ = handlers.Decide(handlers.Context{Now: now, SenderAccount: &jane, Domain: "nhs.net"}, domain.Request{Type: domain.ListAccounts}, dir)
	if d.Outcome != domain.Rejected || !slices.Contains(d.Reasons, domain.NotSharedMailbox) || d.Listing != nil {
		t.Errorf("from a personal account: %+v", d)
	}
}
