package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Staff roles: a reviewer works the queue; an admin also releases or drops parked replies and
// manages staff.
const (
	StaffReviewer = "reviewer"
	StaffAdmin    = "admin"
)

// Staff statuses.
const (
	StaffActive   = "active"
	StaffDisabled = "disabled"
)

// Staff is one NAS staff member who may sign in to the desk.
type Staff struct {
	Email string `db:"email"`
	Name  string `db:"name"`
	Role  string `db:"role"`
	// PasswordHash is an argon2id PHC string; "" when the member signs in by OpenID Connect only.
	PasswordHash string     `db:"password_hash"`
	Status       string     `db:"status"`
	CreatedAt    time.Time  `db:"created_at"`
	LastLoginAt  *time.Time `db:"last_login_at"`
	// OIDCIssuer and OIDCSubject are the identity provider's account the member is bound to
	// since their first OpenID Connect sign-in; "" until then.
	OIDCIssuer  string `db:"oidc_issuer"`
	OIDCSubject string `db:"oidc_subject"`
}

const staffColumns = `email, name, role, password_hash, status, created_at, last_login_at, oidc_issuer, oidc_subject`

// ErrOtherIdentity is returned when a staff member bound to one identity provider account
// signs in with another: the same email, another issuer or subject.
var ErrOtherIdentity = errors.New("store: the staff member is bound to another sign-on identity")

// PutStaff adds a staff member, or updates the role, name and password of an existing one
// (an empty PasswordHash keeps the old one). created is false for an update. A new role, a new
// password or a status other than active ends the member's sessions at once.
func (s *Store) PutStaff(ctx context.Context, st Staff, now time.Time) (created bool, err error) {
	email := strings.ToLower(strings.TrimSpace(st.Email))
	status := st.Status
	if status == "" {
		status = StaffActive
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		var old []Staff
		if err := sel(ctx, tx.tx, &old, `SELECT `+staffColumns+` FROM staff WHERE email = ?`, email); err != nil {
			return err
		}
		if len(old) == 0 {
			created = true
			_, err := exec(ctx, tx.tx, `INSERT INTO staff (email, name, role, password_hash, status, created_at)
				VALUES (?, ?, ?, ?, ?, ?)`, email, st.Name, st.Role, st.PasswordHash, status, now.UTC())
			return err
		}
		if _, err := exec(ctx, tx.tx, `UPDATE staff SET name = CASE WHEN ? = '' THEN name ELSE ? END, role = ?,
			password_hash = CASE WHEN ? = '' THEN password_hash ELSE ? END, status = ? WHERE email = ?`,
			st.Name, st.Name, st.Role, st.PasswordHash, st.PasswordHash, status, email); err != nil {
			return err
		}
		o := old[0]
		if o.Role != st.Role || (st.PasswordHash != "" && st.PasswordHash != o.PasswordHash) || status != StaffActive {
			return endSessions(ctx, tx, email)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: put staff %s: %w", email, err)
	}
	return created, nil
}

func endSessions(ctx context.Context, tx *Tx, email string) error {
	if _, err := exec(ctx, tx.tx, `DELETE FROM staff_sessions WHERE staff = ?`, email); err != nil {
		return fmt.Errorf("store: end sessions: %w", err)
	}
	return nil
}

// BindStaffIdentity checks an OpenID Connect sign-in's issuer and subject against the staff
// member's: the first sign-in binds them (bound is true then, and it is audited); a later one
// with another issuer or subject gets ErrOtherIdentity, as does an identity already bound to
// another staff member. ErrNotFound when there is no such member.
func (s *Store) BindStaffIdentity(ctx context.Context, email, issuer, subject string, now time.Time) (bound bool, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if issuer == "" || subject == "" {
		return false, fmt.Errorf("store: bind %s: %w", email, ErrOtherIdentity)
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		var st Staff
		if err := get(ctx, tx.tx, &st, `SELECT `+staffColumns+` FROM staff WHERE email = ?`, email); err != nil {
			return err
		}
		if st.OIDCSubject != "" {
			if st.OIDCIssuer != issuer || st.OIDCSubject != subject {
				return ErrOtherIdentity
			}
			return nil
		}
		var others int
		if err := get(ctx, tx.tx, &others, `SELECT COUNT(*) FROM staff WHERE oidc_issuer = ? AND oidc_subject = ?`,
			issuer, subject); err != nil {
			return err
		}
		if others > 0 {
			return ErrOtherIdentity
		}
		// The subject = '' condition makes two first sign-ins at once bind one identity only.
		res, err := exec(ctx, tx.tx, `UPDATE staff SET oidc_issuer = ?, oidc_subject = ? WHERE email = ? AND oidc_subject = ''`,
			issuer, subject, email)
		if err != nil {
			if isUniqueViolation(err) {
				return ErrOtherIdentity
			}
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrOtherIdentity
		}
		bound = true
		return tx.Audit(email, "sign-on identity bound", "staff "+email, "issuer "+issuer+" subject "+subject, now)
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrOtherIdentity) {
		return false, fmt.Errorf("store: bind %s: %w", email, err)
	}
	return bound, err
}

// ForgetStaffIdentity unbinds a staff member from their identity provider account (say, when
// the provider changes), so that their next sign-on binds again; it ends their sessions.
func (s *Store) ForgetStaffIdentity(ctx context.Context, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := exec(ctx, tx.tx, `UPDATE staff SET oidc_issuer = '', oidc_subject = '' WHERE email = ?`, email)
		if err != nil {
			return fmt.Errorf("store: forget identity %s: %w", email, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return endSessions(ctx, tx, email)
	})
}

// StaffMember returns the staff member with the address, or ErrNotFound.
func (s *Store) StaffMember(ctx context.Context, email string) (Staff, error) {
	var st Staff
	err := get(ctx, s.db, &st, `SELECT `+staffColumns+` FROM staff WHERE email = ?`,
		strings.ToLower(strings.TrimSpace(email)))
	return st, err
}

// StaffList returns every staff member, by address.
func (s *Store) StaffList(ctx context.Context) ([]Staff, error) {
	var sts []Staff
	err := sel(ctx, s.db, &sts, `SELECT `+staffColumns+` FROM staff ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: staff list: %w", err)
	}
	return sts, nil
}

// SetStaffStatus enables or disables a staff member; disabling also ends their sessions.
func (s *Store) SetStaffStatus(ctx context.Context, email, status string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := exec(ctx, tx.tx, `UPDATE staff SET status = ? WHERE email = ?`, status, email)
		if err != nil {
			return fmt.Errorf("store: staff status: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		if status != StaffActive {
			return endSessions(ctx, tx, email)
		}
		return nil
	})
}

// Session is a signed-in staff member's session, with who they are now.
type Session struct {
	IDHash    string    `db:"id_hash"`
	Staff     string    `db:"staff"`
	Name      string    `db:"name"`
	Role      string    `db:"role"`
	Status    string    `db:"status"`
	CreatedAt time.Time `db:"created_at"`
	SeenAt    time.Time `db:"seen_at"`
	ExpiresAt time.Time `db:"expires_at"`
	Flash     string    `db:"flash"`
	FlashKind string    `db:"flash_kind"`
}

// CreateSession records a new session for an active staff member who just signed in, with
// their role now, and the sign-in; ErrNotFound when the member is not active. idHash is the
// hash of the cookie value; the value itself is never stored.
func (s *Store) CreateSession(ctx context.Context, idHash, email string, now, expires time.Time) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := exec(ctx, tx.tx, `INSERT INTO staff_sessions (id_hash, staff, created_at, seen_at, expires_at, role)
			SELECT ?, email, ?, ?, ?, role FROM staff WHERE email = ? AND status = 'active'`,
			idHash, now.UTC(), now.UTC(), expires.UTC(), email)
		if err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		if _, err := exec(ctx, tx.tx, `UPDATE staff SET last_login_at = ? WHERE email = ?`, now.UTC(), email); err != nil {
			return fmt.Errorf("store: record sign-in: %w", err)
		}
		return tx.Audit(email, "sign in", "staff "+email, "", now)
	})
}

// Session returns a live session (not expired at now, its staff member active and still in the
// role the session began with), or ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (Session, error) {
	var ss Session
	err := get(ctx, s.db, &ss, `SELECT x.id_hash, x.staff, st.name, st.role, st.status, x.created_at, x.seen_at,
		x.expires_at, x.flash, x.flash_kind
		FROM staff_sessions x JOIN staff st ON st.email = x.staff
		WHERE x.id_hash = ? AND x.expires_at > ? AND st.status = 'active' AND x.role = st.role`, idHash, now.UTC())
	return ss, err
}

// TouchSession records that a session was used at now (for the idle timeout).
func (s *Store) TouchSession(ctx context.Context, idHash string, now time.Time) error {
	_, err := exec(ctx, s.db, `UPDATE staff_sessions SET seen_at = ? WHERE id_hash = ?`, now.UTC(), idHash)
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session (sign out).
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := exec(ctx, s.db, `DELETE FROM staff_sessions WHERE id_hash = ?`, idHash)
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions that expired before now, or that were idle since
// idleSince, and returns how many went.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleSince time.Time) (int64, error) {
	res, err := exec(ctx, s.db, `DELETE FROM staff_sessions WHERE expires_at <= ? OR seen_at < ?`,
		now.UTC(), idleSince.UTC())
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// SetFlash keeps one message for the session's next page (shown after a redirect).
func (s *Store) SetFlash(ctx context.Context, idHash, kind, text string) error {
	_, err := exec(ctx, s.db, `UPDATE staff_sessions SET flash = ?, flash_kind = ? WHERE id_hash = ?`, text, kind, idHash)
	if err != nil {
		return fmt.Errorf("store: set flash: %w", err)
	}
	return nil
}

// ClearFlash forgets the session's message once it has been shown.
func (s *Store) ClearFlash(ctx context.Context, idHash string) error {
	_, err := exec(ctx, s.db, `UPDATE staff_sessions SET flash = '', flash_kind = '' WHERE id_hash = ?`, idHash)
	if err != nil {
		return fmt.Errorf("store: clear flash: %w", err)
	}
	return nil
}
