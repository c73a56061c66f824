package store_test

import (
	"context"
	"errors"
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
