package lifecycle

import (
	"fmt"
	"slices"
	"time"

	"nasbot/domain"
	"nasbot/store"
)

// Leavers decides the leavers job: every leaver whose deletion date has come is deleted. A joiner
// request makes the account active and clears its date, so a joined account is never a leaver
// here. A leaver without a date (say, imported that way) gets one LeaverGraceDays from now rather
// than being deleted at once: the job never deletes earlier than the rules say.
func Leavers(accts []store.LifecycleAccount, now time.Time) []domain.Effect {
	var out []domain.Effect
	for _, a := range accts {
		if a.Status != domain.StatusLeaver {
			continue
		}
		switch {
		case a.DeleteAfter == nil:
			until := now.AddDate(0, 0, LeaverGraceDays)
			out = append(out, domain.ScheduleDeletion{Address: a.Address, Status: a.Status, DeleteAfter: until,
				Detail: fmt.Sprintf("leaver without a deletion date: to be deleted after %s", day(until))})
		case !now.Before(*a.DeleteAfter):
			out = append(out, domain.DeleteAccount{Address: a.Address, ODS: a.ODS, Status: a.Status,
				Detail: fmt.Sprintf("leaver, deletion date %s has come and no joiner request arrived", day(*a.DeleteAfter))})
		}
	}
	return append(out, lastOwnerReports(accts, out)...)
}

// Inactivity decides the inactivity job. An account is idle when InactiveAfterDays have passed
// since it was last used: its last login, or its creation when it never logged in. Then:
//
//   - an active idle account becomes inactive now, to be deleted InactiveGraceDays later;
//   - an inactive account that is not idle (a login within the period) becomes active again;
//   - an inactive idle account whose deletion date has come is deleted, unless it logged in
//     after being marked; then (as when it was marked by someone else, with no date) the
//     further InactiveGraceDays start again from now;
//
// Leavers are the leavers job's.
func Inactivity(accts []store.LifecycleAccount, now time.Time) []domain.Effect {
	var out []domain.Effect
	for _, a := range accts {
		lastUse, how := a.CreatedAt, "created"
		if a.LastLogin != nil {
			lastUse, how = *a.LastLogin, "last login"
		}
		idle := !now.Before(lastUse.AddDate(0, 0, InactiveAfterDays))
		until := now.AddDate(0, 0, InactiveGraceDays)
		mark := domain.MarkInactive{Address: a.Address, ODS: a.ODS, Status: a.Status, DeleteAfter: until,
			Detail: fmt.Sprintf("not used for %d days (%s %s): inactive, to be deleted after %s",
				InactiveAfterDays, how, day(lastUse), day(until))}
		switch a.Status {
		case domain.StatusActive:
			if idle {
				out = append(out, mark)
			}
		case domain.StatusInactive:
			usedSinceMarked := a.InactiveSince != nil && a.LastLogin != nil && a.LastLogin.After(*a.InactiveSince)
			switch {
			case !idle:
				out = append(out, domain.Reactivate{Address: a.Address, Status: a.Status,
					Detail: fmt.Sprintf("used again (%s %s): active, deletion cancelled", how, day(lastUse))})
			case a.InactiveSince == nil || a.DeleteAfter == nil || usedSinceMarked:
				out = append(out, mark)
			case !now.Before(*a.DeleteAfter):
				out = append(out, domain.DeleteAccount{Address: a.Address, ODS: a.ODS, Status: a.Status,
					Detail: fmt.Sprintf("inactive since %s and not used since (%s %s); deletion date %s has come",
						day(*a.InactiveSince), how, day(lastUse), day(*a.DeleteAfter))})
			}
		}
	}
	return append(out, lastOwnerReports(accts, out)...)
}

// lastOwnerReports reports each site where deleting an owner leaves the shared mailbox without
// an active owner (docs/spec/rules.md: every shared mailbox keeps at least one owner). The deletion
// goes ahead, as the rules say; staff find a new owner. Statuses are taken after the effects.
func lastOwnerReports(accts []store.LifecycleAccount, effects []domain.Effect) []domain.Effect {
	status := map[string]string{} // address → status after the effects ("" when deleted)
	for _, a := range accts {
		status[a.Address] = a.Status
	}
	var deleted []string
	for _, e := range effects {
		switch e := e.(type) {
		case domain.DeleteAccount:
			status[e.Address] = ""
			deleted = append(deleted, e.Address)
		case domain.MarkInactive:
			status[e.Address] = domain.StatusInactive
		case domain.Reactivate:
			status[e.Address] = domain.StatusActive
		}
	}
	var sites []string
	for _, addr := range deleted {
		for _, a := range accts {
			if a.Address == addr && a.Role == domain.RoleOwner && !slices.Contains(sites, a.ODS) {
				sites = append(sites, a.ODS)
			}
		}
	}
	var out []domain.Effect
	for _, ods := range sites {
		owners := 0
		for _, a := range accts {
			if a.ODS == ods && a.Role == domain.RoleOwner && status[a.Address] == domain.StatusActive {
				owners++
			}
		}
		if owners == 0 {
			out = append(out, domain.ReportToStaff{ODS: ods, Reason: LastOwner,
				Detail: fmt.Sprintf("the lifecycle job deleted an owner of the shared mailbox of %s, which now has no "+
					"active owner: ask the site who should own it", ods)})
		}
	}
	return out
}
