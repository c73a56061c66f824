package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

func TestLifecycleCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "nasbot.db")
	t.Setenv("NASBOT_DATABASE_URL", db)
	ctx := context.Background()
	st := testenv.OpenStore(t, db)
	now := time.Now().UTC().AddDate(0, 7, 0).Truncate(time.Second)
	due := now.AddDate(0, 0, -1)
	login := now.AddDate(0, 0, -1)
	err := st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutOrganisation(domain.Organisation{ODS: "FQ7K2", Sector: domain.Pharmacy, Name: "Riverside Pharmacy",
			Town: "Ashford", Mailbox: "pharmacy.fq7k2@nhs.net", Status: domain.StatusActive}); err != nil {
			return err
		}
		if err := tx.PutAccount(domain.Account{Address: "ben.cole@nhs.net", Name: "Ben Cole", Mobile: "07700900156",
			ODS: "FQ7K2", Status: domain.StatusLeaver, Role: domain.RoleNone, LastLogin: &login, DeleteAfter: &due}); err != nil {
			return err
		}
		return tx.PutAccount(domain.Account{Address: "amelia.hart@nhs.net", Name: "Amelia Hart", Mobile: "07700900101",
			ODS: "FQ7K2", Status: domain.StatusActive, Role: domain.RoleOwner, LastLogin: &login})
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := cmdLifecycle(append([]string{"--now", now.Format(time.RFC3339)}, args...), &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		return stdout.String()
	}
	out := run("--dry-run")
	if !strings.Contains(out, "dry run") || !strings.Contains(out, "leavers: 1 accounts deleted") ||
		!strings.Contains(out, "dormant_mailboxes: 1 reports to NAS staff") || strings.Contains(out, "ben.cole") {
		t.Fatalf("dry run:\n%s", out)
	}
	out = run("--verbose")
	if !strings.Contains(out, "leavers: 1 accounts deleted") || !strings.Contains(out, "delete_account ben.cole@nhs.net") ||
		!strings.Contains(out, "inactivity: nothing to do") || !strings.Contains(out, "notices: 1 sites told") ||
		!strings.Contains(out, "access_reviews: 1 access reviews sent") {
		t.Fatalf("run:\n%s", out)
	}
	out = run()
	if strings.Count(out, "nothing to do") != 5 {
		t.Fatalf("second run:\n%s", out)
	}

	var stderr bytes.Buffer
	if code := cmdLifecycle([]string{"--now", "yesterday"}, &bytes.Buffer{}, &stderr); code != exitBadArgs {
		t.Fatalf("bad --now: exit %d", code)
	}
}
