package lifecycle_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/lifecycle"
	"nasbot/store"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func days(n int) time.Time { return now.AddDate(0, 0, n) }
func at(t time.Time) *time.Time {
	return &t
}

// acct builds an account of site FQ7K2 created a year before now.
func acct(status string, mods ...func(*store.LifecycleAccount)) store.LifecycleAccount {
	a := store.LifecycleAccount{
		Account:   domain.Account{Address: "jo.bloggs@nhs.net", Name: "Jo Bloggs", ODS: "FQ7K2", Status: status, Role: domain.RoleMember},
		CreatedAt: now.AddDate(-1, 0, 0),
	}
	for _, m := range mods {
		m(&a)
	}
	return a
}

func login(t time.Time) func(*store.LifecycleAccount) {
	return func(a *store.LifecycleAccount) { a.LastLogin = at(t) }
}
func deleteAfter(t time.Time) func(*store.LifecycleAccount) {
	return func(a *store.LifecycleAccount) { a.DeleteAfter = at(t) }
}
func inactiveSince(t time.Time) func(*store.LifecycleAccount) {
	return func(a *store.LifecycleAccount) { a.InactiveSince = at(t) }
}
func created(t time.Time) func(*store.LifecycleAccount) {
	return func(a *store.LifecycleAccount) { a.CreatedAt = t }
}

// kinds lists the effects as "kind" or "kind reason", for comparing.
func kinds(es []domain.Effect) string {
	var s []string
	for _, e := range es {
		s = append(s, lifecycle.Summarize(e).What())
	}
	return strings.Join(s, ",")
}

func TestLeavers(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    store.LifecycleAccount
		want string
	}{
		{"deletion date exactly now", acct(domain.StatusLeaver, deleteAfter(now)), "delete_account"},
		{"deletion date passed", acct(domain.StatusLeaver, deleteAfter(days(-3))), "delete_account"},
		{"one second before the date", acct(domain.StatusLeaver, deleteAfter(now.Add(time.Second))), ""},
		{"marked yesterday", acct(domain.StatusLeaver, deleteAfter(days(29))), ""},
		{"leaver without a date gets one", acct(domain.StatusLeaver), "schedule_deletion"},
		{"joiner cancels deletion", acct(domain.StatusActive, login(days(-1))), ""},
		{"joined, stale date left behind", acct(domain.StatusActive, deleteAfter(days(-5))), ""},
		{"inactive is the inactivity job's", acct(domain.StatusInactive, deleteAfter(days(-5)), inactiveSince(days(-35))), ""},
		{"a login does not save a leaver", acct(domain.StatusLeaver, login(days(-1)), deleteAfter(days(-1))), "delete_account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lifecycle.Leavers([]store.LifecycleAccount{tc.a}, now)
			if kinds(got) != tc.want {
				t.Fatalf("got %q, want %q (%+v)", kinds(got), tc.want, got)
			}
			for _, e := range got {
				var address, status string
				switch e := e.(type) {
				case domain.DeleteAccount:
					address, status = e.Address, e.Status
				case domain.ScheduleDeletion:
					address, status = e.Address, e.Status
					if !e.DeleteAfter.Equal(days(30)) {
						t.Errorf("scheduled for %v, want 30 days from now", e.DeleteAfter)
					}
				}
				if status != tc.a.Status || address != tc.a.Address {
					t.Errorf("effect does not carry the status decided on: %+v", e)
				}
			}
		})
	}
}

func TestInactivity(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    store.LifecycleAccount
		want string
	}{
		{"login exactly 30 days ago", acct(domain.StatusActive, login(days(-30))), "mark_inactive"},
		{"login 30 days less a second ago", acct(domain.StatusActive, login(days(-30).Add(time.Second))), ""},
		{"login yesterday", acct(domain.StatusActive, login(days(-1))), ""},
		{"never logged in, created 30 days ago", acct(domain.StatusActive, created(days(-30))), "mark_inactive"},
		{"never logged in, created 29 days ago", acct(domain.StatusActive, created(days(-29))), ""},
		{"login resets an inactive account", acct(domain.StatusInactive, login(days(-2)),
			inactiveSince(days(-10)), deleteAfter(days(20))), "reactivate"},
		{"login resets even after the deletion date", acct(domain.StatusInactive, login(days(-1)),
			inactiveSince(days(-31)), deleteAfter(days(-1))), "reactivate"},
		{"inactive 30 days: deleted", acct(domain.StatusInactive, login(days(-60)),
			inactiveSince(days(-30)), deleteAfter(now)), "delete_account"},
		{"inactive 30 days less a second", acct(domain.StatusInactive, login(days(-60)),
			inactiveSince(days(-30).Add(time.Second)), deleteAfter(now.Add(time.Second))), ""},
		{"imported inactive, idle: the further 30 days start now", acct(domain.StatusInactive, login(days(-90))), "mark_inactive"},
		{"imported inactive, used lately", acct(domain.StatusInactive, login(days(-3))), "reactivate"},
		{"logged in after being marked, long ago: marked again, not deleted", acct(domain.StatusInactive,
			login(days(-31)), inactiveSince(days(-45)), deleteAfter(days(-15))), "mark_inactive"},
		{"leavers are the leavers job's", acct(domain.StatusLeaver, login(days(-90)), deleteAfter(days(-1))), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lifecycle.Inactivity([]store.LifecycleAccount{tc.a}, now)
			if kinds(got) != tc.want {
				t.Fatalf("got %q, want %q (%+v)", kinds(got), tc.want, got)
			}
			for _, e := range got {
				if m, ok := e.(domain.MarkInactive); ok && !m.DeleteAfter.Equal(days(30)) {
					t.Errorf("deletion %v, want 30 days from now", m.DeleteAfter)
				}
			}
		})
	}
}

// TestDecisionsAreStable checks idempotency at the level of the rules: applying what a job
// decided leaves nothing for the same job to decide at the same time.
func TestDecisionsAreStable(t *testing.T) {
	accts := []store.LifecycleAccount{
		acct(domain.StatusActive, login(days(-30))),
		acct(domain.StatusInactive, login(days(-1)), inactiveSince(days(-10)), deleteAfter(days(20))),
		acct(domain.StatusInactive, login(days(-31)), inactiveSince(days(-45)), deleteAfter(days(-15))),
		acct(domain.StatusInactive, login(days(-90))),
		acct(domain.StatusLeaver),
	}
	for i := range accts {
		accts[i].Address = fmt.Sprintf("user%d@nhs.net", i)
	}
	for _, job := range []func([]store.LifecycleAccount, time.Time) []domain.Effect{lifecycle.Leavers, lifecycle.Inactivity} {
		after := simulate(accts, job(accts, now))
		if again := job(after, now); len(again) != 0 {
			t.Errorf("second run decided %s", kinds(again))
		}
	}
}

// simulate applies effects to a copy of accts as the store would.
func simulate(accts []store.LifecycleAccount, effects []domain.Effect) []store.LifecycleAccount {
	var out []store.LifecycleAccount
next:
	for _, a := range accts {
		for _, e := range effects {
			if lifecycle.Summarize(e).Address != a.Address {
				continue
			}
			switch e := e.(type) {
			case domain.DeleteAccount:
				continue next
			case domain.ScheduleDeletion:
				a.DeleteAfter = at(e.DeleteAfter)
			case domain.MarkInactive:
				a.Status, a.InactiveSince, a.DeleteAfter = domain.StatusInactive, at(now), at(e.DeleteAfter)
			case domain.Reactivate:
				a.Status, a.InactiveSince, a.DeleteAfter = domain.StatusActive, nil, nil
			}
		}
		out = append(out, a)
	}
	return out
}

func TestDeletingTheLastOwnerIsReported(t *testing.T) {
	owner := func(addr, status string, mods ...func(*store.LifecycleAccount)) store.LifecycleAccount {
		a := acct(status, mods...)
		a.Address, a.Role = addr, domain.RoleOwner
		return a
	}
	goneOwner := owner("old.owner@nhs.net", domain.StatusInactive, login(days(-70)), inactiveSince(days(-40)), deleteAfter(days(-10)))
	t.Run("only owner", func(t *testing.T) {
		got := lifecycle.Inactivity([]store.LifecycleAccount{goneOwner, acct(domain.StatusActive, login(days(-1)))}, now)
		if kinds(got) != "delete_account,report last_owner" || lifecycle.Summarize(got[1]).ODS != "FQ7K2" {
			t.Fatalf("got %s %+v", kinds(got), got)
		}
	})
	t.Run("another active owner", func(t *testing.T) {
		got := lifecycle.Inactivity([]store.LifecycleAccount{goneOwner, owner("new.owner@nhs.net", domain.StatusActive, login(days(-1)))}, now)
		if kinds(got) != "delete_account" {
			t.Fatalf("got %s", kinds(got))
		}
	})
	t.Run("the other owner becomes inactive in the same run", func(t *testing.T) {
		got := lifecycle.Inactivity([]store.LifecycleAccount{goneOwner, owner("new.owner@nhs.net", domain.StatusActive, login(days(-40)))}, now)
		if kinds(got) != "delete_account,mark_inactive,report last_owner" {
			t.Fatalf("got %s", kinds(got))
		}
	})
}

func TestDormantMailboxes(t *testing.T) {
	sixMonths := now.AddDate(0, -6, 0)
	mb := func(mods ...func(*store.MailboxActivity)) store.MailboxActivity {
		m := store.MailboxActivity{ODS: "FQ7K2", Mailbox: "pharmacy.fq7k2@nhs.net", Status: domain.StatusActive,
			CreatedAt: now.AddDate(-3, 0, 0)}
		for _, f := range mods {
			f(&m)
		}
		return m
	}
	sent := func(t time.Time) func(*store.MailboxActivity) {
		return func(m *store.MailboxActivity) { m.LastSentAt = at(t) }
	}
	reported := func(t time.Time) func(*store.MailboxActivity) {
		return func(m *store.MailboxActivity) { m.ReportedAt = at(t) }
	}
	for _, tc := range []struct {
		name string
		m    store.MailboxActivity
		want string
	}{
		{"sent exactly six months ago", mb(sent(sixMonths)), ""},
		{"sent six months and a second ago", mb(sent(sixMonths.Add(-time.Second))), "report mailbox_dormant"},
		{"sent last week", mb(sent(days(-7))), ""},
		{"never sent, site created over six months ago", mb(), "report mailbox_dormant"},
		{"never sent, site created five months ago", mb(func(m *store.MailboxActivity) { m.CreatedAt = now.AddDate(0, -5, 0) }), ""},
		{"closed mailbox", mb(func(m *store.MailboxActivity) { m.Status = domain.StatusClosed }), ""},
		{"awaiting registration", mb(func(m *store.MailboxActivity) { m.Mailbox = "" }), ""},
		{"reported and silent since", mb(sent(now.AddDate(-1, 0, 0)), reported(days(-30))), ""},
		{"never sent, reported", mb(reported(days(-200))), ""},
		{"sent after the report, then silent again", mb(sent(now.AddDate(0, -7, 0)), reported(now.AddDate(-1, 0, 0))), "report mailbox_dormant"},
		{"sent after the report, lately", mb(sent(days(-3)), reported(now.AddDate(-1, 0, 0))), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lifecycle.DormantMailboxes([]store.MailboxActivity{tc.m}, now)
			if kinds(got) != tc.want {
				t.Fatalf("got %q, want %q", kinds(got), tc.want)
			}
			for _, e := range got {
				a := lifecycle.Summarize(e)
				if a.ODS != "FQ7K2" || !strings.Contains(a.Detail, "pharmacy.fq7k2@nhs.net") || !strings.Contains(a.Detail, "Nothing was deleted") {
					t.Errorf("report: %+v", a)
				}
			}
		})
	}
}

// TestNoticesOnePerSite groups the untold changes by site, and tells only an open site with a
// registered mailbox.
func TestNoticesOnePerSite(t *testing.T) {
	change := func(ods, mailbox, siteStatus, address string) store.LifecycleNotice {
		return store.LifecycleNotice{ODS: ods, Kind: store.NoticeDeleted, Address: address,
			Status: domain.StatusLeaver, Mailbox: mailbox, SiteStatus: siteStatus}
	}
	got := lifecycle.Notices([]store.LifecycleNotice{
		change("FH3M8", "pharmacy.fh3m8@nhs.net", domain.StatusActive, "a@nhs.net"),
		change("FH3M8", "pharmacy.fh3m8@nhs.net", domain.StatusActive, "b@nhs.net"),
		change("FR2W5", "pharmacy.fr2w5@nhs.net", domain.StatusClosed, "c@nhs.net"),
		change("FT9P4", "", domain.StatusActive, "d@nhs.net"),
	})
	var sites []string
	for _, e := range got {
		a, _ := e.(domain.NotifySite)
		sites = append(sites, fmt.Sprintf("%s %s %s %d", lifecycle.Summarize(e).Name, a.ODS, a.Mailbox, len(a.Notices)))
	}
	want := []string{"notify FH3M8 pharmacy.fh3m8@nhs.net 2", "notify FR2W5  1", "notify FT9P4  1"}
	if strings.Join(sites, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", sites, want)
	}
	if d := lifecycle.Summarize(got[1]).Detail; !strings.Contains(d, "no open shared mailbox") {
		t.Errorf("closed site's detail: %q", d)
	}
}
