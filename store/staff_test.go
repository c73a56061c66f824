package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"nasbot/internal/testenv"
	"nasbot/store"
)

func TestStaffAndSessions(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
		created, err := s.PutStaff(ctx, store.Staff{Email: " Ann.Staff@NAS.test ", Name: "Ann", Role: store.StaffReviewer,
			PasswordHash: "$argon2id$one"}, now)
		if err != nil || !created {
			t.Fatalf("add staff: %v %v", created, err)
		}
		// Updating keeps the hash and name when none is given.
		created, err = s.PutStaff(ctx, store.Staff{Email: "ann.staff@nas.test", Role: store.StaffAdmin}, now)
		if err != nil || created {
			t.Fatalf("update staff: %v %v", created, err)
		}
		st, err := s.StaffMember(ctx, "ANN.STAFF@nas.test")
		if err != nil || st.Role != store.StaffAdmin || st.PasswordHash != "$argon2id$one" || st.Name != "Ann" ||
			st.Status != store.StaffActive || st.LastLoginAt != nil || !st.CreatedAt.Equal(now) {
			t.Fatalf("staff: %+v %v", st, err)
		}
		if _, err := s.StaffMember(ctx, "nobody@nas.test"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown staff: %v", err)
		}

		expires := now.Add(12 * time.Hour)
		if err := s.CreateSession(ctx, "hash-1", "ann.staff@nas.test", now, expires); err != nil {
			t.Fatal(err)
		}
		sess, err := s.Session(ctx, "hash-1", now.Add(time.Hour))
		if err != nil || sess.Staff != "ann.staff@nas.test" || sess.Role != store.StaffAdmin || !sess.ExpiresAt.Equal(expires) {
			t.Fatalf("session: %+v %v", sess, err)
		}
		if st, _ := s.StaffMember(ctx, "ann.staff@nas.test"); st.LastLoginAt == nil || !st.LastLoginAt.Equal(now) {
			t.Errorf("last login not recorded: %+v", st)
		}
		if h, _ := s.History(ctx, "staff ann.staff@nas.test"); len(h) != 1 || h[0].Action != "sign in" {
			t.Errorf("sign-in not audited: %+v", h)
		}
		if _, err := s.Session(ctx, "hash-1", expires); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session still valid: %v", err)
		}
		if _, err := s.Session(ctx, "other", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown session: %v", err)
		}

		if err := s.SetFlash(ctx, "hash-1", "ok", "Approved."); err != nil {
			t.Fatal(err)
		}
		if sess, _ := s.Session(ctx, "hash-1", now); sess.Flash != "Approved." || sess.FlashKind != "ok" {
			t.Errorf("flash: %+v", sess)
		}
		if err := s.ClearFlash(ctx, "hash-1"); err != nil {
			t.Fatal(err)
		}
		if sess, _ := s.Session(ctx, "hash-1", now); sess.Flash != "" {
			t.Errorf("flash not cleared: %+v", sess)
		}

		if err := s.TouchSession(ctx, "hash-1", now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, "hash-2", "ann.staff@nas.test", now, expires); err != nil {
			t.Fatal(err)
		}
		// hash-2 was idle since now; hash-1 was seen later.
		n, err := s.DeleteExpiredSessions(ctx, now.Add(3*time.Hour), now.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("expired sessions: %d %v", n, err)
		}
		if _, err := s.Session(ctx, "hash-1", now); err != nil {
			t.Errorf("live session deleted: %v", err)
		}

		// Disabling ends every session.
		if err := s.SetStaffStatus(ctx, "ann.staff@nas.test", store.StaffDisabled); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, "hash-1", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("disabled staff still signed in: %v", err)
		}
		if err := s.SetStaffStatus(ctx, "nobody@nas.test", store.StaffDisabled); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("disable unknown: %v", err)
		}
		if err := s.CreateSession(ctx, "hash-3", "nobody@nas.test", now, expires); err == nil {
			t.Errorf("session for unknown staff accepted")
		}
		list, err := s.StaffList(ctx)
		if err != nil || len(list) != 1 || list[0].Status != store.StaffDisabled {
			t.Fatalf("staff list: %+v %v", list, err)
		}
		if err := s.DeleteSession(ctx, "hash-1"); err != nil {
			t.Fatal(err)
		}
	})
}

// A session counts only while its staff member keeps the role it began with; a new role or
// password ends it, a new name does not.
func TestStaffChangesEndSessions(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
		put := func(st store.Staff) {
			t.Helper()
			if _, err := s.PutStaff(ctx, st, now); err != nil {
				t.Fatal(err)
			}
		}
		signIn := func(id string) {
			t.Helper()
			if err := s.CreateSession(ctx, id, "bea@nas.test", now, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		live := func(id string) bool {
			t.Helper()
			_, err := s.Session(ctx, id, now)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		put(store.Staff{Email: "bea@nas.test", Role: store.StaffAdmin, PasswordHash: "$argon2id$one"})
		tests := []struct {
			name   string
			change store.Staff
			ends   bool
		}{
			{"same role, new name", store.Staff{Email: "bea@nas.test", Name: "Bea", Role: store.StaffAdmin}, false},
			{"same password again", store.Staff{Email: "bea@nas.test", Role: store.StaffAdmin, PasswordHash: "$argon2id$one"}, false},
			{"admin to reviewer", store.Staff{Email: "bea@nas.test", Role: store.StaffReviewer}, true},
			{"reviewer to admin", store.Staff{Email: "bea@nas.test", Role: store.StaffAdmin}, true},
			{"new password", store.Staff{Email: "bea@nas.test", Role: store.StaffAdmin, PasswordHash: "$argon2id$two"}, true},
		}
		for i, tt := range tests {
			id := fmt.Sprintf("s%d", i)
			signIn(id)
			put(tt.change)
			if got := live(id); got == tt.ends {
				t.Errorf("%s: session live = %v, want %v", tt.name, got, !tt.ends)
			}
		}
		if err := s.SetStaffStatus(ctx, "bea@nas.test", store.StaffDisabled); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, "after", "bea@nas.test", now, now.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a session for a disabled member: %v", err)
		}
	})
}

func TestBindStaffIdentity(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
		for _, e := range []string{"cat@nas.test", "dan@nas.test"} {
			if _, err := s.PutStaff(ctx, store.Staff{Email: e, Role: store.StaffReviewer}, now); err != nil {
				t.Fatal(err)
			}
		}
		const iss = "https://idp.example"
		tests := []struct {
			name, email, iss, sub string
			bound                 bool
			err                   error
		}{
			{"first sign-in binds", "cat@nas.test", iss, "sub-cat", true, nil},
			{"same identity again", "CAT@nas.test", iss, "sub-cat", false, nil},
			{"another subject", "cat@nas.test", iss, "sub-mallory", false, store.ErrOtherIdentity},
			{"another issuer", "cat@nas.test", "https://other.example", "sub-cat", false, store.ErrOtherIdentity},
			{"identity of another member", "dan@nas.test", iss, "sub-cat", false, store.ErrOtherIdentity},
			{"no subject", "dan@nas.test", iss, "", false, store.ErrOtherIdentity},
			{"not staff", "eve@nas.test", iss, "sub-eve", false, store.ErrNotFound},
		}
		for _, tt := range tests {
			bound, err := s.BindStaffIdentity(ctx, tt.email, tt.iss, tt.sub, now)
			if bound != tt.bound || !errors.Is(err, tt.err) {
				t.Errorf("%s: bound %v, err %v; want %v, %v", tt.name, bound, err, tt.bound, tt.err)
			}
		}
		if h, _ := s.History(ctx, "staff cat@nas.test"); len(h) != 1 || h[0].Action != "sign-on identity bound" {
			t.Errorf("binding not audited once: %+v", h)
		}
		if err := s.ForgetStaffIdentity(ctx, "cat@nas.test"); err != nil {
			t.Fatal(err)
		}
		if bound, err := s.BindStaffIdentity(ctx, "cat@nas.test", iss, "sub-new", now); !bound || err != nil {
			t.Errorf("after forgetting, a new identity binds: %v %v", bound, err)
		}
		if st, _ := s.StaffMember(ctx, "cat@nas.test"); st.OIDCIssuer != iss || st.OIDCSubject != "sub-new" {
			t.Errorf("bound identity: %+v", st)
		}
	})
}
