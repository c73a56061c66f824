package web

import (
	"net/http"
	"net/url"
	"testing"

	"nasbot/store"
)

// A session is the staff member as they are now: disabling them, changing their role or their
// password ends it on its next request, by the desk's own forms or by anything else that
// changes the staff table.
func TestSessionEndsWhenTheAccountChanges(t *testing.T) {
	tests := []struct {
		name   string
		change func(td *testDesk)
	}{
		{"disabled by an admin on the staff page", func(td *testDesk) {
			w := td.post(adminEmail, "/staff/"+reviewerEmail+"/status", url.Values{"status": {store.StaffDisabled}})
			wantStatus(t, w, http.StatusSeeOther)
		}},
		{"made admin on the staff page", func(td *testDesk) {
			w := td.post(adminEmail, "/staff", url.Values{"email": {reviewerEmail}, "role": {store.StaffAdmin}})
			wantStatus(t, w, http.StatusSeeOther)
		}},
		{"new password from the command line", func(td *testDesk) {
			hash, err := HashPassword("another long password")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := td.st.PutStaff(t.Context(), store.Staff{Email: reviewerEmail, Role: store.StaffReviewer, PasswordHash: hash}, testNow); err != nil {
				t.Fatal(err)
			}
		}},
		{"disabled in the database", func(td *testDesk) {
			if _, err := td.st.DB().Exec(`UPDATE staff SET status = 'disabled' WHERE email = ?`, reviewerEmail); err != nil {
				t.Fatal(err)
			}
		}},
		{"role changed in the database", func(td *testDesk) {
			if _, err := td.st.DB().Exec(`UPDATE staff SET role = 'admin' WHERE email = ?`, reviewerEmail); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := newTestDesk(t)
			wantStatus(t, td.get(reviewerEmail, "/"), http.StatusOK)
			tt.change(td)
			w := td.get(reviewerEmail, "/")
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" {
				t.Errorf("next request: %d to %q, want 303 to /login", w.Code, w.Header().Get("Location"))
			}
			// The admin who made the change is still signed in.
			wantStatus(t, td.get(adminEmail, "/"), http.StatusOK)
		})
	}
}
