package store

import (
	"context"
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
}

const staffColumns = `email, name, role, password_hash, status, created_at, last_login_at`

// PutStaff adds a staff member, or updates the role, name and password of an existing one
// (an empty PasswordHash keeps the old one). created is false for an update.
func (s *Store) PutStaff(ctx context.Context, st Staff, now time.Time) (created bool, err error) {
	email := strings.ToLower(strings.TrimSpace(st.Email))
	status := st.Status
	if status == "" {
		status = StaffActive
	}
	var n int
	if err := get(ctx, s.db, &n, `SELECT COUNT(*) FROM staff WHERE email = ?`, email); err != nil {
		return false, fmt.Errorf("store: staff %s: %w", email, err)
	}
	if n == 0 {
		_, err = exec(ctx, s.db, `INSERT INTO staff (email, name, role, password_hash, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, email, st.Name, st.Role, st.PasswordHash, status, now.UTC())
	} else {
		_, err = exec(ctx, s.db, `UPDATE staff SET name = CASE WHEN ? = '' THEN name ELSE ? END, role = ?,
			password_hash = CASE WHEN ? = '' THEN password_hash ELSE ? END, status = ? WHERE email = ?`,
			st.Name, st.Name, st.Role, st.PasswordHash, st.PasswordHash, status, email)
	}
	if err != nil {
		return false, fmt.Errorf("store: put staff %s: %w", email, err)
	}
	return n == 0, nil
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
			if _, err := exec(ctx, tx.tx, `DELETE FROM staff_sessions WHERE staff = ?`, email); err != nil {
				return fmt.Errorf("store: end sessions: %w", err)
			}
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

// CreateSession records a new session for a staff member who just signed in, and the sign-in.
// idHash is the hash of the cookie value; the value itself is never stored.
func (s *Store) CreateSession(ctx context.Context, idHash, email string, now, expires time.Time) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := exec(ctx, tx.tx, `INSERT INTO staff_sessions (id_hash, staff, created_at, seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, idHash, email, now.UTC(), now.UTC(), expires.UTC()); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		if _, err := exec(ctx, tx.tx, `UPDATE staff SET last_login_at = ? WHERE email = ?`, now.UTC(), email); err != nil {
			return fmt.Errorf("store: record sign-in: %w", err)
		}
		return tx.Audit(email, "sign in", "staff "+email, "", now)
	})
}

// Session returns a live session (not expired at now, its staff member active), or ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (Session, error) {
	var ss Session
	err := get(ctx, s.db, &ss, `SELECT x.id_hash, x.staff, st.name, st.role, st.status, x.created_at, x.seen_at,
		x.expires_at, x.flash, x.flash_kind
		FROM staff_sessions x JOIN staff st ON st.email = x.staff
		WHERE x.id_hash = ? AND x.expires_at > ? AND st.status = 'active'`, idHash, now.UTC())
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
