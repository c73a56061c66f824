package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"nasbot/store"
)

// Staff management, for admins: who may sign in, with which role. A member without a password
// signs in by OpenID Connect only.

type staffData struct {
	Staff []store.Staff
	Form  staffForm
}

type staffForm struct {
	Email, Name, Role string
	Error             string
}

func (s *server) staffPage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	s.showStaff(w, r, me, http.StatusOK, staffForm{Role: store.StaffReviewer})
}

func (s *server) showStaff(w http.ResponseWriter, r *http.Request, me *store.Session, status int, form staffForm) {
	list, err := s.store.StaffList(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "staff", me, "Staff", "staff", staffData{Staff: list, Form: form})
}

func (s *server) staffAdd(w http.ResponseWriter, r *http.Request, me *store.Session) {
	form := staffForm{
		Email: strings.ToLower(strings.TrimSpace(r.PostFormValue("email"))),
		Name:  strings.TrimSpace(r.PostFormValue("name")),
		Role:  r.PostFormValue("role"),
	}
	password := r.PostFormValue("password")
	var hash string
	switch {
	case !addressPattern.MatchString(form.Email):
		form.Error = "Enter the staff member's email address."
	case form.Role != store.StaffReviewer && form.Role != store.StaffAdmin:
		form.Error = "Choose reviewer or admin."
	case len(form.Name) > 200:
		form.Error = "The name is too long."
	case password != "":
		var err error
		if busy := s.passwords.do(r.Context(), func() { hash, err = HashPassword(password) }); busy != nil {
			err = busy
		}
		if errors.Is(err, ErrWeakPassword) {
			form.Error = fmt.Sprintf("A password needs at least %d characters.", MinPasswordLength)
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if form.Error != "" {
		s.showStaff(w, r, me, http.StatusUnprocessableEntity, form)
		return
	}
	now := s.cfg.Now()
	created, err := s.store.PutStaff(r.Context(), store.Staff{Email: form.Email, Name: form.Name, Role: form.Role,
		PasswordHash: hash}, now)
	if err == nil {
		err = s.store.InTx(r.Context(), func(tx *store.Tx) error {
			action := "staff updated"
			if created {
				action = "staff added"
			}
			return tx.Audit(me.Staff, action, "staff "+form.Email, "role "+form.Role, now)
		})
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.Info("desk: staff saved", slog.String("staff", form.Email), slog.String("role", form.Role), slog.String("by", me.Staff))
	if created {
		s.flash(r, me, "ok", form.Email+" can now sign in as "+form.Role+".")
	} else {
		s.flash(r, me, "ok", form.Email+" updated ("+form.Role+").")
	}
	redirect(w, r, "/staff")
}

func (s *server) staffStatus(w http.ResponseWriter, r *http.Request, me *store.Session) {
	email := strings.ToLower(r.PathValue("email"))
	status := r.PostFormValue("status")
	if status != store.StaffActive && status != store.StaffDisabled {
		s.fail(w, r, http.StatusBadRequest, "Choose active or disabled.")
		return
	}
	if email == me.Staff && status == store.StaffDisabled {
		s.flash(r, me, "error", "You cannot disable yourself.")
		redirect(w, r, "/staff")
		return
	}
	err := s.store.SetStaffStatus(r.Context(), email, status)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "There is no staff member "+email+".")
		return
	}
	if err == nil {
		err = s.store.InTx(r.Context(), func(tx *store.Tx) error {
			return tx.Audit(me.Staff, "staff "+status, "staff "+email, "", s.cfg.Now())
		})
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, me, "ok", email+" is now "+status+".")
	redirect(w, r, "/staff")
}

// staffForgetIdentity unbinds a staff member from their sign-on account (the provider or their
// account there changed), so the next sign-on binds again; it ends their sessions.
func (s *server) staffForgetIdentity(w http.ResponseWriter, r *http.Request, me *store.Session) {
	email := strings.ToLower(r.PathValue("email"))
	err := s.store.ForgetStaffIdentity(r.Context(), email)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "There is no staff member "+email+".")
		return
	}
	if err == nil {
		err = s.store.InTx(r.Context(), func(tx *store.Tx) error {
			return tx.Audit(me.Staff, "staff sign-on identity forgotten", "staff "+email, "", s.cfg.Now())
		})
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.Info("desk: sign-on identity forgotten", slog.String("staff", email), slog.String("by", me.Staff))
	s.flash(r, me, "ok", email+"'s next single sign-on will bind their account again.")
	redirect(w, r, "/staff")
}
