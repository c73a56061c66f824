package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"nasbot/domain"
	"nasbot/pipeline"
	"nasbot/store"
)

// Staff actions on a case. Each is a POST form: read, validate, hand to the Desk (decisions) or
// the store (assign, note), then redirect to the case with a flash. The Desk writes its own audit
// lines; assign and note are written here, in the same transaction as the change.

const (
	maxReasonLen = 2000
	maxNoteLen   = 4000
)

// noMessageText is why a case no message caused (a lifecycle report, a failed text) cannot be
// approved or re-run: there is no request to decide again.
const noMessageText = "No message caused this case, so there is nothing to approve or re-run: " +
	"do what the case asks, then close it."

// caseFor loads the case a form is about; it answers 404 itself when there is none.
func (s *server) caseFor(w http.ResponseWriter, r *http.Request) (store.QueueItem, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.fail(w, r, http.StatusNotFound, "There is no such case.")
		return store.QueueItem{}, false
	}
	exc, err := s.store.Exception(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("There is no case %d.", id))
		return exc, false
	} else if err != nil {
		s.serverError(w, r, err)
		return exc, false
	}
	return exc, true
}

func caseURL(id int64) string { return fmt.Sprintf("/exceptions/%d", id) }

// formText is a form value with surrounding space trimmed; ok is false when it is too long.
func formText(r *http.Request, name string, maxLen int) (string, bool) {
	v := strings.TrimSpace(r.PostFormValue(name))
	return v, utf8.RuneCountInString(v) <= maxLen && utf8.ValidString(v)
}

// done redirects back to the case with the outcome of a Desk call as the flash.
func (s *server) done(w http.ResponseWriter, r *http.Request, me *store.Session, exc store.QueueItem, action string, err error, ok string) {
	if err != nil {
		s.log.Warn("desk: staff action failed", slog.String("action", action), slog.Int64("exception", exc.ID),
			slog.String("staff", me.Staff), slog.String("error", err.Error()))
		s.flash(r, me, "error", deskErrorText(action, err))
	} else {
		s.log.Info("desk: staff action", slog.String("action", action), slog.Int64("exception", exc.ID),
			slog.String("tag", exc.Tag()), slog.String("staff", me.Staff))
		s.flash(r, me, "ok", ok)
	}
	redirect(w, r, caseURL(exc.ID))
}

// deskErrorText says why an action was not done. The Desk's errors are written for staff (the
// cause, not a sender's reply), so they are shown.
func deskErrorText(action string, err error) string {
	switch {
	case errors.Is(err, store.ErrAlreadyOpen):
		return "Not done: this case is open already."
	case errors.Is(err, store.ErrAlreadyDecided):
		return "Not done: this case is already closed (someone may have decided it just now)."
	case errors.Is(err, store.ErrNotFound):
		return "Not done: it is no longer there (someone may have dealt with it just now)."
	}
	return fmt.Sprintf("Could not %s: %v", action, err)
}

// requiredText reads a form field that must be given and not too long; when it is not, it
// flashes why (empty says ifEmpty) and returns ok false.
func (s *server) requiredText(r *http.Request, me *store.Session, field string, max int, ifEmpty string) (string, bool) {
	text, ok := formText(r, field, max)
	switch {
	case !ok:
		s.flash(r, me, "error", fmt.Sprintf("The %s is too long (at most %d characters).", field, max))
	case text == "":
		s.flash(r, me, "error", ifEmpty)
	default:
		return text, true
	}
	return "", false
}

func (s *server) approve(w http.ResponseWriter, r *http.Request, me *store.Session) {
	exc, ok := s.caseFor(w, r)
	if !ok {
		return
	}
	// A note is optional: approving is what the rule asked staff for, and needs no words.
	reason, ok := formText(r, "reason", maxReasonLen)
	switch {
	case !ok:
		s.flash(r, me, "error", fmt.Sprintf("The note is too long (at most %d characters).", maxReasonLen))
	case !exc.HasMessage():
		s.flash(r, me, "error", noMessageText)
	case exc.RequestRef == nil || !canApprove(exc.Reason):
		s.flash(r, me, "error", fmt.Sprintf("This case (%s) cannot be approved.", reasonLabel(exc.Reason)))
	default:
		err := s.desk.Approve(r.Context(), exc.ID, me.Staff, reason)
		s.done(w, r, me, exc, "approve", err, "Approved: the request was carried out and the sender has been answered.")
		return
	}
	redirect(w, r, caseURL(exc.ID))
}

func (s *server) refuse(w http.ResponseWriter, r *http.Request, me *store.Session) {
	exc, ok := s.caseFor(w, r)
	if !ok {
		return
	}
	reason, ok := s.requiredText(r, me, "reason", maxReasonLen, "Give a reason for refusing: the sender reads it.")
	if !ok {
		redirect(w, r, caseURL(exc.ID))
		return
	}
	msg := "Refused: the case is closed and the sender has been told why."
	if exc.RequestRef == nil {
		msg = "Closed: nothing was changed."
	}
	s.done(w, r, me, exc, "refuse", s.desk.Refuse(r.Context(), exc.ID, me.Staff, reason), msg)
}

func (s *server) rerun(w http.ResponseWriter, r *http.Request, me *store.Session) {
	exc, ok := s.caseFor(w, r)
	if !ok {
		return
	}
	if exc.RequestRef == nil {
		msg := "This case is about the whole message; there is no request to edit."
		if !exc.HasMessage() {
			msg = noMessageText
		}
		s.flash(r, me, "error", msg)
		redirect(w, r, caseURL(exc.ID))
		return
	}
	orig, err := s.requestOf(r, exc)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	form := newEditForm(orig.Type)
	if form == nil {
		s.flash(r, me, "error", fmt.Sprintf("A %s request cannot be edited.", orig.Type))
		redirect(w, r, caseURL(exc.ID))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	edited := form.parse(orig, r.PostForm)
	if form.Errors > 0 {
		s.showCaseWithEdit(w, r, me, exc.ID, form)
		return
	}
	err = s.desk.Rerun(r.Context(), exc.ID, me.Staff, edited)
	s.done(w, r, me, exc, "re-run", err, "Re-run with your changes: see the request's new outcome below.")
}

// requestOf reads the parsed request a case is about, as recorded.
func (s *server) requestOf(r *http.Request, exc store.QueueItem) (domain.Request, error) {
	rows, err := s.store.MessageRequests(r.Context(), exc.MessageRef)
	if err != nil {
		return domain.Request{}, err
	}
	for _, row := range rows {
		if row.ID == *exc.RequestRef {
			var q domain.Request
			if err := json.Unmarshal([]byte(row.Fields), &q); err != nil {
				return q, fmt.Errorf("web: request %d fields: %w", row.ID, err)
			}
			return q, nil
		}
	}
	return domain.Request{}, fmt.Errorf("web: request %d: %w", *exc.RequestRef, store.ErrNotFound)
}

// reparsable loads a case that may be parsed again, or flashes why not and redirects.
func (s *server) reparsable(w http.ResponseWriter, r *http.Request, me *store.Session) (store.QueueItem, bool) {
	exc, ok := s.caseFor(w, r)
	if !ok {
		return exc, false
	}
	if exc.State != store.ExceptionOpen || exc.Reason != reasonUnparseable {
		s.flash(r, me, "error", "Only an open case of unreadable mail can be parsed again.")
		redirect(w, r, caseURL(exc.ID))
		return exc, false
	}
	return exc, true
}

type reparseData struct {
	Exc  store.QueueItem
	Plan pipeline.ReparsePlan
}

// reparsePreview shows what parsing the mail again would decide, before anything is done.
func (s *server) reparsePreview(w http.ResponseWriter, r *http.Request, me *store.Session) {
	exc, ok := s.reparsable(w, r, me)
	if !ok {
		return
	}
	plan, err := s.desk.ReparsePreview(r.Context(), exc.MessageRef)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reparse", me, exc.Tag()+" · parse again", "queue", reparseData{Exc: exc, Plan: plan})
}

func (s *server) reparse(w http.ResponseWriter, r *http.Request, me *store.Session) {
	exc, ok := s.reparsable(w, r, me)
	if !ok {
		return
	}
	changed, err := s.desk.Reparse(r.Context(), exc.MessageRef, me.Staff)
	msg := "Parsed again and decided afresh: see the requests and any new cases below."
	if !changed {
		msg = "Parsed again: the outcome would be the same, so nothing was changed and no reply was sent."
	}
	s.done(w, r, me, exc, "re-parse", err, msg)
}

func (s *server) reopen(w http.ResponseWriter, r *http.Request, me *store.Session) {
	exc, ok := s.caseFor(w, r)
	if !ok {
		return
	}
	note, ok := formText(r, "note", maxNoteLen)
	if !ok {
		s.flash(r, me, "error", fmt.Sprintf("The note is too long (at most %d characters).", maxNoteLen))
		redirect(w, r, caseURL(exc.ID))
		return
	}
	s.done(w, r, me, exc, "reopen", s.desk.Reopen(r.Context(), exc.ID, me.Staff, note), "Reopened: the case is back in the queue.")
}

func (s *server) assign(w http.ResponseWriter, r *http.Request, me *store.Session) {
	exc, ok := s.caseFor(w, r)
	if !ok {
		return
	}
	to, action, msg := me.Staff, "assign", "Assigned to you."
	if r.PostFormValue("to") == "nobody" {
		to, action, msg = "", "unassign", "Nobody has this case now."
	}
	now := s.cfg.Now()
	err := s.store.InTx(r.Context(), func(tx *store.Tx) error {
		if err := tx.AssignException(exc.ID, to); err != nil {
			return err
		}
		return tx.Audit(me.Staff, action, exc.Tag(), fmt.Sprintf("case %d", exc.ID), now)
	})
	s.done(w, r, me, exc, action, err, msg)
}

func (s *server) note(w http.ResponseWriter, r *http.Request, me *store.Session) {
	exc, ok := s.caseFor(w, r)
	if !ok {
		return
	}
	text, ok := s.requiredText(r, me, "note", maxNoteLen, "The note is empty.")
	if !ok {
		redirect(w, r, caseURL(exc.ID))
		return
	}
	err := s.store.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.Audit(me.Staff, "note", exc.Tag(), text, s.cfg.Now())
	})
	s.done(w, r, me, exc, "add a note", err, "Note added.")
}
