package sms_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/sms"
	"nasbot/store"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// seed puts one account in the directory and queues a temporary password for it, as a
// password_reset decision does.
func seed(t *testing.T, s *store.Store, accts ...domain.Account) {
	t.Helper()
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		for _, a := range accts {
			if err := tx.PutAccount(a); err != nil {
				return err
			}
			if err := tx.Apply(domain.SendTemporaryPassword{Address: a.Address}, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var amelia = domain.Account{Address: "amelia.hart@nhs.net", Name: "Amelia Hart", Mobile: "07700900101",
	ODS: "FQ7K2", Status: domain.StatusActive, Role: domain.RoleOwner}

// recorder is a Sender that records what it was asked to send and fails as told.
type recorder struct {
	mu    sync.Mutex
	sent  []string // "mobile name password"
	fails []error  // returned in turn, then nil
}

func (r *recorder) Send(ctx context.Context, mobile, name, password string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.fails) > 0 {
		err := r.fails[0]
		r.fails = r.fails[1:]
		return err
	}
	r.sent = append(r.sent, mobile+" "+name+" "+password)
	return nil
}

func newDrainer(q sms.Queue, s sms.Texter, logs *bytes.Buffer, now *time.Time) *sms.Drainer {
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return sms.NewDrainer(sms.DrainerConfig{MaxAttempts: 3}, q, s, log, func() time.Time { return *now })
}

func TestDrainerSendsToTheNumberOnRecord(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s, amelia)
		rec := &recorder{}
		var logs bytes.Buffer
		now := t0
		d := newDrainer(s, rec, &logs, &now)
		n, err := d.DrainOnce(ctx)
		if err != nil || n != 1 || len(rec.sent) != 1 {
			t.Fatalf("drain: %d %v, sent %d", n, err, len(rec.sent))
		}
		f := strings.Fields(rec.sent[0])
		mobile, pw := f[0], f[len(f)-1]
		if mobile != amelia.Mobile {
			t.Fatalf("sent to %s, want the number on record", mobile)
		}
		if len(pw) < 10 || strings.ContainsAny(pw, " ") || strings.Contains(strings.ToLower(pw), "amelia") ||
			strings.Contains(strings.ToLower(pw), "hart") {
			t.Fatalf("password %q breaks the policy", pw)
		}
		if strings.Contains(logs.String(), pw) || strings.Contains(logs.String(), amelia.Mobile) {
			t.Fatalf("log holds the password or the whole number:\n%s", logs.String())
		}
		if !strings.Contains(logs.String(), domain.MaskMobile(amelia.Mobile)) {
			t.Fatalf("log should name the masked number:\n%s", logs.String())
		}
		texts, err := s.Texts(ctx, amelia.Address)
		if err != nil || len(texts) != 1 || texts[0].State != store.TextSent || texts[0].SentAt == nil {
			t.Fatalf("texts: %+v %v", texts, err)
		}
		if n, _ := d.DrainOnce(ctx); n != 0 || len(rec.sent) != 1 {
			t.Fatalf("sent twice")
		}
	})
}

func TestDrainerRetriesThenGivesUp(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s, amelia)
		transient := errors.New("sms: notify: 503 Service Unavailable")
		rec := &recorder{fails: []error{transient, transient, transient}}
		var logs bytes.Buffer
		now := t0
		d := newDrainer(s, rec, &logs, &now)
		if n, err := d.DrainOnce(ctx); n != 1 || err != nil {
			t.Fatalf("first: %d %v", n, err)
		}
		texts, _ := s.Texts(ctx, amelia.Address)
		if texts[0].State != store.TextPending || texts[0].Attempts != 1 || !strings.Contains(texts[0].LastError, "503") {
			t.Fatalf("after a transient failure: %+v", texts[0])
		}
		if n, _ := d.DrainOnce(ctx); n != 0 {
			t.Fatal("retried before the delay")
		}
		now = now.Add(time.Minute)
		d.DrainOnce(ctx)
		now = now.Add(2 * time.Minute)
		d.DrainOnce(ctx) // third attempt: MaxAttempts reached, failed for good
		texts, _ = s.Texts(ctx, amelia.Address)
		if texts[0].State != store.TextFailed || texts[0].Attempts != 3 {
			t.Fatalf("after three failures: %+v", texts[0])
		}
		open, err := s.Queue(ctx, store.QueueFilter{Reason: string(store.TextFailedReason)})
		if err != nil || len(open) != 1 || open[0].Account != amelia.Address ||
			!strings.Contains(open[0].Detail, amelia.Address) || !strings.Contains(open[0].Detail, "503") {
			t.Fatalf("staff should be told: %+v %v", open, err)
		}
		if len(rec.sent) != 0 {
			t.Fatalf("sent: %v", rec.sent)
		}
	})
}

func TestDrainerPermanentFailures(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		bad := amelia
		bad.Address, bad.Mobile = "bad.number@nhs.net", "07000000001" // 070: not a mobile
		seed(t, s, amelia, bad)
		// A text for an address the directory does not know.
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Apply(domain.SendTemporaryPassword{Address: "gone@nhs.net"}, t0)
		}); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{fails: []error{fmt.Errorf("sms: notify: 400 BadRequestError: no: %w", sms.ErrPermanent)}}
		var logs bytes.Buffer
		now := t0
		if _, err := newDrainer(s, rec, &logs, &now).DrainOnce(ctx); err != nil {
			t.Fatal(err)
		}
		for _, addr := range []string{amelia.Address, bad.Address, "gone@nhs.net"} {
			texts, _ := s.Texts(ctx, addr)
			if len(texts) != 1 || texts[0].State != store.TextFailed || texts[0].Attempts != 1 {
				t.Errorf("%s: %+v", addr, texts)
			}
		}
		if open, _ := s.Queue(ctx, store.QueueFilter{Reason: string(store.TextFailedReason)}); len(open) != 3 {
			t.Fatalf("want three text_failed exceptions: %+v", open)
		}
		if strings.Contains(logs.String(), bad.Mobile) {
			t.Fatalf("log holds a whole number:\n%s", logs.String())
		}
	})
}

func TestFileSenderWritesALine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "texts.log")
	f, err := sms.NewFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Send(context.Background(), amelia.Mobile, amelia.Name, "Kp7mWq3xRt9vZa"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), `to=07700900101 name="Amelia Hart" password=Kp7mWq3xRt9vZa`) {
		t.Fatalf("file: %q %v", b, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, want 0600", st.Mode().Perm())
	}
}
