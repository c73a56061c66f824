package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/pipeline"
	"nasbot/store"
)

// testNow is the fixed clock of the unit tests: Wednesday 4 March 2026, noon.
var testNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

const (
	adminEmail    = "ann.admin@nas.test"
	reviewerEmail = "rob.reviewer@nas.test"
	testPassword  = "correct horse battery"
)

// fakeDesk records what staff asked for; it closes the case as the real desk would, so the
// pages show the outcome. err, when set, is returned instead.
type fakeDesk struct {
	st *store.Store

	mu     sync.Mutex
	calls  []string
	edited domain.Request
	err    error
}

func (f *fakeDesk) record(call string, exceptionID int64, staff, action string) error {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	err := f.err
	f.mu.Unlock()
	if err != nil || exceptionID == 0 {
		return err
	}
	ctx := context.Background()
	exc, err := f.st.Exception(ctx, exceptionID)
	if err != nil {
		return err
	}
	return f.st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ResolveException(exceptionID, testNow); err != nil {
			return err
		}
		return tx.Audit(staff, action, exc.Tag(), "by the fake desk", testNow)
	})
}

func (f *fakeDesk) Approve(ctx context.Context, id int64, staff, reason string) error {
	return f.record(fmt.Sprintf("approve %d %s %q", id, staff, reason), id, staff, "approve")
}

func (f *fakeDesk) Refuse(ctx context.Context, id int64, staff, reason string) error {
	return f.record(fmt.Sprintf("refuse %d %s %q", id, staff, reason), id, staff, "refuse")
}

func (f *fakeDesk) Rerun(ctx context.Context, id int64, staff string, edited domain.Request) error {
	f.mu.Lock()
	f.edited = edited
	f.mu.Unlock()
	return f.record(fmt.Sprintf("rerun %d %s", id, staff), id, staff, "rerun")
}

func (f *fakeDesk) Reparse(ctx context.Context, messageID int64, staff string) (bool, error) {
	return true, f.record(fmt.Sprintf("reparse message %d %s", messageID, staff), 0, staff, "")
}

func (f *fakeDesk) ReparsePreview(ctx context.Context, messageID int64) (pipeline.ReparsePlan, error) {
	return pipeline.ReparsePlan{Changed: true, Before: pipeline.Result{Verdict: domain.Unparseable},
		After: pipeline.Result{Verdict: domain.Processed, Requests: []pipeline.RequestResult{{Type: domain.AddUser, Outcome: domain.Done}}}}, nil
}

func (f *fakeDesk) StaffReply(ctx context.Context, messageID int64, staff, text string) (int64, error) {
	return 1, f.record(fmt.Sprintf("reply message %d %s %q", messageID, staff, text), 0, staff, "")
}

func (f *fakeDesk) RequestOnBehalf(ctx context.Context, messageID int64, staff string, req domain.Request) (domain.Decision, error) {
	f.mu.Lock()
	f.edited = req
	f.mu.Unlock()
	return domain.Decision{Outcome: domain.Done, Summary: "Made."}, f.record(fmt.Sprintf("on behalf message %d %s %s", messageID, staff, req.Type), 0, staff, "")
}

func (f *fakeDesk) Reopen(ctx context.Context, id int64, staff, note string) error {
	if err := f.record(fmt.Sprintf("reopen %d %s %q", id, staff, note), 0, staff, ""); err != nil {
		return err
	}
	exc, err := f.st.Exception(ctx, id)
	if err != nil {
		return err
	}
	return f.st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ReopenException(id); err != nil {
			return err
		}
		return tx.Audit(staff, "reopen", exc.Tag(), note, testNow)
	})
}

func (f *fakeDesk) ReleaseReply(ctx context.Context, outboxID int64, staff string) error {
	return f.record(fmt.Sprintf("release %d %s", outboxID, staff), 0, staff, "")
}

func (f *fakeDesk) DropReply(ctx context.Context, outboxID int64, staff string) error {
	return f.record(fmt.Sprintf("drop %d %s", outboxID, staff), 0, staff, "")
}

func (f *fakeDesk) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// testDesk is a desk on a fresh SQLite store with the fixture loaded.
type testDesk struct {
	t       *testing.T
	st      *store.Store
	desk    *fakeDesk
	h       http.Handler
	srv     *server
	cfg     Config
	fx      fixture
	cookies map[string]*http.Cookie // by staff address
}

func newTestDesk(t *testing.T, mutate ...func(*Config)) *testDesk {
	t.Helper()
	st := testenv.OpenStore(t, filepath.Join(t.TempDir(), "desk.db"))
	td := &testDesk{t: t, st: st, desk: &fakeDesk{st: st}, cookies: map[string]*http.Cookie{}}
	td.fx = loadFixture(t, st)
	td.cfg = Config{Now: func() time.Time { return testNow }, Location: time.UTC}
	for _, m := range mutate {
		m(&td.cfg)
	}
	td.srv, td.h = newServer(td.cfg, st, td.desk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return td
}

// request runs one request through the desk as the staff member (or anonymously when "").
func (td *testDesk) request(as, method, target string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	td.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "192.0.2.10:40000"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	if as != "" {
		r.AddCookie(td.login(as))
	}
	w := httptest.NewRecorder()
	td.h.ServeHTTP(w, r)
	return w
}

func (td *testDesk) get(as, target string) *httptest.ResponseRecorder {
	td.t.Helper()
	return td.request(as, http.MethodGet, target, nil)
}

func (td *testDesk) post(as, target string, form url.Values) *httptest.ResponseRecorder {
	td.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return td.request(as, http.MethodPost, target, form)
}

// login signs a staff member in through the form once and keeps the session cookie.
func (td *testDesk) login(email string) *http.Cookie {
	td.t.Helper()
	if c, ok := td.cookies[email]; ok {
		return c
	}
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"email": {email}, "password": {testPassword}}.Encode()))
	r.RemoteAddr = "192.0.2.10:40000"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	td.h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		td.t.Fatalf("login %s: status %d\n%s", email, w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if strings.Contains(c.Name, "nasbot_session") {
			td.cookies[email] = c
			return c
		}
	}
	td.t.Fatalf("login %s: no session cookie", email)
	return nil
}

// follow reads the page a redirect points to, as the same staff member.
func (td *testDesk) follow(as string, w *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	td.t.Helper()
	if w.Code != http.StatusSeeOther {
		td.t.Fatalf("want a 303 redirect, got %d\n%s", w.Code, w.Body)
	}
	return td.get(as, w.Header().Get("Location"))
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d\n%s", w.Code, status, w.Body)
	}
}

func wantBody(t *testing.T, w *httptest.ResponseRecorder, parts ...string) {
	t.Helper()
	body := w.Body.String()
	missing := false
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("page lacks %q", p)
			missing = true
		}
	}
	if missing {
		t.Logf("page:\n%s", body)
	}
}

func wantNotBody(t *testing.T, w *httptest.ResponseRecorder, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(w.Body.String(), p) {
			t.Errorf("page has %q", p)
		}
	}
}

// fixture is the state the unit tests start from: three sites, two staff, and one case of each
// kind the queue holds.
type fixture struct {
	overLimit, mismatch, spoofed, unreadable, closed int64 // exception ids
	overLimitMsg, unreadableMsg                      int64 // message ids
	parkedReply, sentReply                           int64 // outbox ids
}

// scriptMail is a real-looking request whose sender put markup in the subject, the body and an
// attachment: the desk must show all of it as text.
const scriptMail = "Return-Path: <pharmacy.fh3m8@nhs.net>\r\n" +
	"Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net\r\n" +
	"From: \"Hollybank Chemist, Leek\" <pharmacy.fh3m8@nhs.net>\r\n" +
	"To: requests@nas.test\r\n" +
	"Subject: New starter <img src=x onerror=alert(1)>\r\n" +
	"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n" +
	"Message-ID: <overlimit-1@nhs.net>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Hi <script>alert('xss')</script>\r\n" +
	"\r\n" +
	"Request: Add user\r\n" +
	"Name: Bethan Yorke\r\n" +
	"Mobile: 07700 900195\r\n" +
	"Email: bethan.yorke@example.com\r\n" +
	"\r\n" +
	"Requested by: Rachel Dunmore (rachel.dunmore@nhs.net)\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; name=\"../../evil page.html\"\r\n" +
	"Content-Disposition: attachment; filename=\"../../evil page.html\"\r\n" +
	"\r\n" +
	"<html><body><script>alert('attachment')</script></body></html>\r\n" +
	"--b1--\r\n"

func loadFixture(t *testing.T, st *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	var fx fixture
	err := st.InTx(ctx, func(tx *store.Tx) error {
		orgs := []domain.Organisation{
			{ODS: "FH3M8", Sector: domain.Pharmacy, Name: "Hollybank Chemist", Town: "Leek", Mailbox: "pharmacy.fh3m8@nhs.net", Status: "active"},
			{ODS: "FQ7K2", Sector: domain.Pharmacy, Name: "Riverside Pharmacy", Town: "Ashford", Mailbox: "pharmacy.fq7k2@nhs.net", Status: "active"},
			{ODS: "V10423", Sector: domain.Dental, Name: "Brookside Dental", Town: "Ludlow", Mailbox: "dental.v10423@nhs.net", Status: "active"},
		}
		for _, o := range orgs {
			if err := tx.PutOrganisation(o); err != nil {
				return err
			}
		}
		accts := []domain.Account{
			{Address: "rachel.dunmore@nhs.net", Name: "Rachel Dunmore", Mobile: "07700900180", ODS: "FH3M8", Status: "active", Role: domain.RoleOwner},
			{Address: "amelia.hart@nhs.net", Name: "Amelia Hart", Mobile: "07700900101", ODS: "FQ7K2", Status: "active", Role: domain.RoleOwner},
			{Address: "old.leaver@nhs.net", Name: "Old Leaver", Mobile: "07700900170", ODS: "FH3M8", Status: "leaver", Role: domain.RoleNone},
		}
		for i := 1; i <= 9; i++ {
			accts = append(accts, domain.Account{Address: fmt.Sprintf("staff%d.hollybank@nhs.net", i), Name: fmt.Sprintf("Staff %d", i),
				Mobile: fmt.Sprintf("0770090019%d", i), ODS: "FH3M8", Status: "active", Role: domain.RoleMember})
		}
		for _, a := range accts {
			if err := tx.PutAccount(a); err != nil {
				return err
			}
		}
		return tx.PutAlias("amelia.jones@nhs.net", "amelia.hart@nhs.net")
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []store.Staff{{Email: adminEmail, Name: "Ann Admin", Role: store.StaffAdmin},
		{Email: reviewerEmail, Name: "Rob Reviewer", Role: store.StaffReviewer}} {
		if s.PasswordHash, err = HashPassword(testPassword); err != nil {
			t.Fatal(err)
		}
		if _, err := st.PutStaff(ctx, s, testNow); err != nil {
			t.Fatal(err)
		}
	}

	uid := uint32(0)
	// addCase stores a decided message with its requests and one exception.
	addCase := func(raw string, age time.Duration, d store.Decided, proof domain.Verification, reqs []domain.Request,
		outcomes []domain.Decision, reason domain.Reason, reviewSeq int) (msgID, excID int64) {
		t.Helper()
		uid++
		at := testNow.Add(-age)
		msgID, _, err := st.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid, Raw: []byte(raw), ReceivedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		pj, _ := json.Marshal(proof)
		d.Verification = string(pj)
		err = st.InTx(ctx, func(tx *store.Tx) error {
			var reqID int64
			for i, q := range reqs {
				fields, _ := json.Marshal(q)
				id, err := tx.AddRequest(msgID, store.DecidedRequest{Seq: i + 1, Type: q.Type, Line: q.Line, Outcome: outcomes[i].Outcome,
					Reasons: outcomes[i].Reasons, Account: outcomes[i].Account, Summary: outcomes[i].Summary, Fields: string(fields)})
				if err != nil {
					return err
				}
				if i+1 == reviewSeq {
					reqID = id
				}
			}
			if err := tx.OpenException(msgID, reqID, reason, "", at); err != nil {
				return err
			}
			return tx.FinishMessage(msgID, d, at)
		})
		if err != nil {
			t.Fatal(err)
		}
		excs, err := st.MessageExceptions(ctx, msgID)
		if err != nil || len(excs) == 0 {
			t.Fatalf("fixture: %v %v", excs, err)
		}
		return msgID, excs[len(excs)-1].ID
	}
	proven := func(from string) domain.Verification {
		return domain.Verification{Verified: true, From: from, Evidence: "mx.nas.test: dmarc=pass header.from=nhs.net"}
	}
	yes := true

	// Over the site limit, 50 hours old (overdue), with markup everywhere.
	fx.overLimitMsg, fx.overLimit = addCase(scriptMail, 50*time.Hour,
		store.Decided{MessageID: "<overlimit-1@nhs.net>", Verdict: domain.Processed, Sender: "pharmacy.fh3m8@nhs.net",
			SenderKind: "shared_mailbox", ODS: "FH3M8", Subject: "New starter <img src=x onerror=alert(1)>"},
		proven("pharmacy.fh3m8@nhs.net"),
		[]domain.Request{{Type: domain.AddUser, Word: "Add user", Line: 3, Name: "Bethan Yorke", Mobile: "07700900195",
			Email: "bethan.yorke@example.com", Linked: &yes, Role: domain.RoleMember,
			RequestedBy: &domain.Person{Name: "Rachel Dunmore", Address: "rachel.dunmore@nhs.net"},
			Source:      []string{"Request: Add user", "Name: Bethan Yorke <b>"}}},
		[]domain.Decision{{Outcome: domain.Review, Reasons: []domain.Reason{domain.SiteAccountLimit},
			Summary: "Hollybank Chemist, Leek already has 10 accounts."}},
		domain.SiteAccountLimit, 1)

	// A password reset whose confirmed mobile differs from the record: 2 hours old.
	_, fx.mismatch = addCase("From: pharmacy.fq7k2@nhs.net\r\nSubject: Locked out\r\n\r\nRequest: Password reset\r\n", 2*time.Hour,
		store.Decided{MessageID: "<reset@nhs.net>", Verdict: domain.Processed, Sender: "pharmacy.fq7k2@nhs.net",
			SenderKind: "shared_mailbox", ODS: "FQ7K2", Subject: "Locked out"},
		proven("pharmacy.fq7k2@nhs.net"),
		[]domain.Request{
			{Type: domain.ChangeRole, Word: "Make owner", Line: 1, Account: "amelia.hart@nhs.net", Role: domain.RoleOwner},
			{Type: domain.PasswordReset, Word: "Password reset", Line: 5, Account: "amelia.hart@nhs.net", Mobile: "07700900999",
				RequestedBy: &domain.Person{Name: "Amelia Hart", Address: "amelia.hart@nhs.net"}}},
		[]domain.Decision{{Outcome: domain.Done, Account: "amelia.hart@nhs.net", Summary: "Already an owner."},
			{Outcome: domain.Review, Reasons: []domain.Reason{domain.MobileMismatch}, Account: "amelia.hart@nhs.net",
				Summary: "The mobile number does not match the one on record."}},
		domain.MobileMismatch, 2)

	// Unproven mail in a shared mailbox's name, since Saturday (overdue in working time).
	_, fx.spoofed = addCase("From: pharmacy.fq7k2@nhs.net\r\nSubject: urgent\r\n\r\nRequest: Leaver\r\n", testNow.Sub(time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC)),
		store.Decided{MessageID: "<spoof@evil>", Verdict: domain.Unverified, Reasons: []domain.Reason{domain.AuthFailed},
			Sender: "pharmacy.fq7k2@nhs.net", SenderKind: "shared_mailbox", ODS: "FQ7K2", Subject: "urgent"},
		domain.Verification{From: "pharmacy.fq7k2@nhs.net", Evidence: "no trusted Authentication-Results", Failure: "dmarc=fail"},
		nil, nil, domain.AuthFailed, 0)

	// Nothing readable, 23 hours old (not yet overdue), with a held reply.
	fx.unreadableMsg, fx.unreadable = addCase("From: dental.v10423@nhs.net\r\nSubject: help\r\n\r\nplease add jo to our team thanks\r\n", 23*time.Hour,
		store.Decided{MessageID: "<help@nhs.net>", Verdict: domain.Unparseable, Sender: "dental.v10423@nhs.net",
			SenderKind: "shared_mailbox", ODS: "V10423", Subject: "help"},
		proven("dental.v10423@nhs.net"), nil, nil, "unparseable", 0)

	// A case closed long ago.
	_, fx.closed = addCase("From: dental.v10423@nhs.net\r\nSubject: old\r\n\r\nx\r\n", 400*time.Hour,
		store.Decided{MessageID: "<old@nhs.net>", Verdict: domain.Unparseable, Sender: "dental.v10423@nhs.net",
			SenderKind: "shared_mailbox", ODS: "V10423", Subject: "old"},
		proven("dental.v10423@nhs.net"), nil, nil, "unparseable", 0)

	err = st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ResolveException(fx.closed, testNow.Add(-300*time.Hour)); err != nil {
			return err
		}
		var err error
		fx.sentReply, err = tx.Enqueue(fx.overLimitMsg, domain.Outgoing{MessageID: "<r1@nas.test>", From: "requests@nas.test",
			To: "pharmacy.fh3m8@nhs.net", Subject: "Re: New starter [NAS-000001]", Tag: store.Tag(fx.overLimitMsg),
			Text: "Your request is with the NAS team <b>"}, false, testNow.Add(-50*time.Hour))
		if err != nil {
			return err
		}
		fx.parkedReply, err = tx.Enqueue(fx.unreadableMsg, domain.Outgoing{MessageID: "<r2@nas.test>", From: "requests@nas.test",
			To: "dental.v10423@nhs.net", Subject: "Re: help [NAS-000004]", Tag: store.Tag(fx.unreadableMsg),
			Text: "We could not read your request."}, true, testNow.Add(-23*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// addCasesNoMessageCaused opens the cases the store opens without a message: a lifecycle report
// that Brookside Dental's mailbox is dormant (30 hours old), and a temporary password text to
// Amelia Hart that could not be sent (1 hour old).
func addCasesNoMessageCaused(t *testing.T, st *store.Store) (dormant, textFailed int64) {
	t.Helper()
	ctx := context.Background()
	err := st.InTx(ctx, func(tx *store.Tx) error {
		var err error
		dormant, err = tx.ReportMailbox("V10423", domain.MailboxDormant, "the shared mailbox dental.v10423@nhs.net (V10423) "+
			"last sent an email on 2025-08-01: no email for over 6 months, so it is eligible for deletion. "+
			"Nothing was deleted: decide with the site whether to keep it.", testNow.Add(-30*time.Hour))
		if err != nil {
			return err
		}
		return tx.Apply(domain.SendTemporaryPassword{Address: "amelia.hart@nhs.net"}, testNow.Add(-2*time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	texts, err := st.Texts(ctx, "amelia.hart@nhs.net")
	if err != nil || len(texts) != 1 {
		t.Fatalf("texts: %+v %v", texts, err)
	}
	if err := st.MarkTextFailed(ctx, texts[0].ID, "400 not a UK mobile", true, testNow.Add(-time.Hour), testNow); err != nil {
		t.Fatal(err)
	}
	items, err := st.Queue(ctx, store.QueueFilter{Reason: reasonTextFailed})
	if err != nil || len(items) != 1 {
		t.Fatalf("text_failed case: %+v %v", items, err)
	}
	return dormant, items[0].ID
}
