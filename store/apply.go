package store

import (
	"fmt"
	"strings"
	"time"

	"nasbot/domain"
)

// Apply makes one effect's change (domain/effects.go lists them): a done request's, or a
// lifecycle job's. A job's change that finds its account no longer as the job decided on changes
// nothing, and is no error; Change says whether it changed anything.
func (t *Tx) Apply(e domain.Effect, now time.Time) error {
	_, err := t.Change(e, now)
	return err
}

// Change makes one effect's change, as Apply, and says whether it changed anything. A request's
// effects always do. A lifecycle job's change to an account is made only if the account still
// has the status the job found (the guard in each write), since a joiner request or a login may
// have won meanwhile; then changed is false. A change that is made to an account is kept for its
// site's next notice (AddLifecycleNotice), in the same transaction.
func (t *Tx) Change(e domain.Effect, now time.Time) (changed bool, err error) {
	switch e := e.(type) {
	case domain.DeleteAccount:
		if changed, err = t.DeleteAccount(e.Address, e.Status, now); changed && err == nil {
			err = t.AddLifecycleNotice(LifecycleNotice{ODS: e.ODS, Kind: NoticeDeleted, Address: e.Address,
				Status: e.Status}, now)
		}
	case domain.MarkInactive:
		if changed, err = t.MarkInactive(e.Address, e.Status, now, e.DeleteAfter); changed && err == nil {
			err = t.AddLifecycleNotice(LifecycleNotice{ODS: e.ODS, Kind: NoticeInactive, Address: e.Address,
				Status: e.Status, DeleteAfter: &e.DeleteAfter}, now)
		}
	case domain.ScheduleDeletion:
		changed, err = t.ScheduleDeletion(e.Address, e.DeleteAfter)
	case domain.Reactivate:
		changed, err = t.Reactivate(e.Address)
	case domain.ReportToStaff:
		_, err = t.ReportMailbox(e.ODS, e.Reason, e.Detail, now)
		changed = err == nil
	case domain.NotifySite, domain.SendAccessReview, domain.SendDigest:
		// The lifecycle writes these mails to the outbox itself (domain/effects.go says why).
		err = fmt.Errorf("store: apply %T: a mail, which its lifecycle job sends", e)
	default:
		err = t.applyRequest(e, now)
		changed = err == nil
	}
	if err != nil {
		return false, err
	}
	return changed, nil
}

// applyRequest makes the change of one effect of a done request's decision.
func (t *Tx) applyRequest(e domain.Effect, now time.Time) error {
	var err error
	switch e := e.(type) {
	case domain.CreateAccount:
		_, err = exec(t.ctx, t.tx, `INSERT INTO accounts (email, name, mobile, ods_code, status, role, created_at)
			VALUES (?, ?, ?, ?, 'active', ?, ?)`,
			strings.ToLower(e.Address), e.Name, e.Mobile, strings.ToUpper(e.ODS), e.Role, now.UTC())
	case domain.SetRole:
		_, err = exec(t.ctx, t.tx, `UPDATE accounts SET role = ? WHERE email = ?`, e.Role, e.Address)
	case domain.MarkLeaver:
		_, err = exec(t.ctx, t.tx, `UPDATE accounts SET status = 'leaver', role = 'none', delete_after = ?
			WHERE email = ?`, e.DeleteAfter.UTC(), e.Address)
	case domain.MarkJoiner:
		_, err = exec(t.ctx, t.tx, `UPDATE accounts SET status = 'active', ods_code = ?, role = ?,
			delete_after = NULL WHERE email = ?`, strings.ToUpper(e.ODS), e.Role, e.Address)
	case domain.RenameAccount:
		err = t.rename(e)
	case domain.CloseSharedMailbox:
		if _, err = exec(t.ctx, t.tx, `UPDATE organisations SET status = 'closed' WHERE ods_code = ?`, e.ODS); err == nil {
			_, err = exec(t.ctx, t.tx, `UPDATE accounts SET role = 'none' WHERE ods_code = ?`, e.ODS)
		}
	case domain.RegisterSharedMailbox:
		err = t.PutOrganisation(domain.Organisation{ODS: e.ODS, Sector: e.Sector, Name: e.Name,
			Town: e.Town, Mailbox: e.Mailbox, Status: domain.StatusActive})
	case domain.SendTemporaryPassword:
		// The password itself is made and sent by the text-message sender, never stored here.
		_, err = exec(t.ctx, t.tx, `INSERT INTO text_messages (account, kind, created_at) VALUES (?, 'temporary_password', ?)`,
			e.Address, now.UTC())
	default:
		err = fmt.Errorf("unknown effect %T", e)
	}
	if err != nil {
		return fmt.Errorf("store: apply %T: %w", e, err)
	}
	return nil
}

// rename moves an account to its new address and keeps the old one as an alias forever.
// A new name with the same first and last words keeps the address: then only the name changes.
func (t *Tx) rename(e domain.RenameAccount) error {
	if e.OldAddress == e.NewAddress {
		_, err := exec(t.ctx, t.tx, `UPDATE accounts SET name = ? WHERE email = ?`, e.NewName, e.OldAddress)
		return err
	}
	if _, err := exec(t.ctx, t.tx, `UPDATE accounts SET email = ?, name = ? WHERE email = ?`,
		e.NewAddress, e.NewName, e.OldAddress); err != nil {
		return err
	}
	// Earlier aliases follow the account to its new address.
	if _, err := exec(t.ctx, t.tx, `UPDATE aliases SET target = ? WHERE target = ?`, e.NewAddress, e.OldAddress); err != nil {
		return err
	}
	return t.PutAlias(e.OldAddress, e.NewAddress)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
