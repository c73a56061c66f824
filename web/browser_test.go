package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

// The end-to-end tests drive the real desk (pipeline.NewDesk over the real pipeline, store and
// templates) in Debian's headless Chromium, as a member of staff would: sign in, filter, open
// cases, approve, refuse, correct a field and re-run, with no script running on any page.
// Screenshots go to out/screenshots (NASBOT_SCREENSHOTS overrides), for people to look at.

// chromiumPath finds Debian's chromium (scripts/browser.sh installs it). Without it the test
// skips, unless NASBOT_TEST_SERVICES=1 (make test, CI), where it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("NASBOT_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "chromium is not installed: run `bash scripts/browser.sh` (or set NASBOT_CHROMIUM) to run the browser tests"
	if os.Getenv("NASBOT_TEST_SERVICES") == "1" {
		t.Fatal(msg + " (NASBOT_TEST_SERVICES=1, so they are required)")
	}
	t.Skip(msg)
	return ""
}

// browserNow is the browser test's clock once the mail is in: Wednesday 4 March 2026, noon.
var browserNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// liveDesk is the real desk over a SQLite store filled by running sample mail through the
// real pipeline.
type liveDesk struct {
	st   *store.Store
	srv  *httptest.Server
	msgs map[string]int64 // message id by file name
}

func newLiveDesk(t *testing.T) *liveDesk {
	t.Helper()
	ctx := context.Background()
	st := testenv.OpenStore(t, filepath.Join(t.TempDir(), "desk.db"))
	orgs, err := os.Open("testdata/directory/organisations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer orgs.Close()
	accts, err := os.Open("testdata/directory/accounts.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer accts.Close()
	if err := st.ImportDirectory(ctx, orgs, accts); err != nil {
		t.Fatal(err)
	}
	renderer, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := &clock{now: browserNow}
	p := pipeline.New(st, pipeline.Config{Domain: "nhs.net", NASAddress: "requests@nas.test", MaxReplyAge: 72 * time.Hour,
		Verify: verify.Config{Domain: "nhs.net", TrustedAuthServIDs: []string{"mx.nas.test"}}}, renderer, log, clk.Now)

	ld := &liveDesk{st: st, msgs: map[string]int64{}}
	files, err := filepath.Glob("testdata/mail/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("sample mail: %v %v", files, err)
	}
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		date, err := m.Header.Date()
		if err != nil {
			t.Fatal(err)
		}
		// Each mail is decided a few minutes after it came, so the queue shows real ages; the
		// "old" one is read only now, so the backlog guard holds its reply.
		received := date.Add(3 * time.Minute)
		if strings.Contains(f, "old") {
			received = browserNow
		}
		clk.Set(received)
		id, _, err := st.SaveInbound(ctx, domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), Raw: raw, ReceivedAt: received})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Process(ctx, id); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		ld.msgs[filepath.Base(f)] = id
	}
	clk.Set(browserNow)

	h := New(Config{Now: clk.Now, Location: mustLocation(t, "Europe/London")}, st, pipeline.NewDesk(p), log)
	ld.srv = httptest.NewServer(h)
	t.Cleanup(ld.srv.Close)
	if _, err := st.PutStaff(ctx, store.Staff{Email: adminEmail, Name: "Ann Admin", Role: store.StaffAdmin,
		PasswordHash: mustHash(t, testPassword)}, browserNow); err != nil {
		t.Fatal(err)
	}
	return ld
}

func mustHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// browserEvidence is everything a page's scripts could have left: dialogs and console lines.
type browserEvidence struct {
	mu       sync.Mutex
	dialogs  []string
	messages []string
}

func (e *browserEvidence) add(to *[]string, s string) {
	e.mu.Lock()
	*to = append(*to, s)
	e.mu.Unlock()
}

// newBrowser starts headless Chromium with a fresh profile and no network but loopback use.
func newBrowser(t *testing.T, path string) (context.Context, *browserEvidence) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })

	ev := &browserEvidence{}
	// Start the browser, then listen: a dialog (alert, confirm) or any console line would mean
	// a script ran.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for d, err := range dialogs {
			if err != nil {
				return
			}
			ev.add(&ev.dialogs, string(d.Type)+": "+d.Message)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			ev.add(&ev.messages, fmt.Sprintf("%s: %s", m.Type, m.Text))
		}
	}()
	return ctx, ev
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NASBOT_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "out", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Location())
		t.Fatalf("%s (at %s): %v", what, loc, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func wantText(t *testing.T, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		// innerText follows CSS text-transform, so badges read in capitals.
		if !strings.Contains(strings.ToLower(got), strings.ToLower(p)) {
			t.Errorf("want %q in:\n%s", p, got)
		}
	}
}

func TestBrowserDesk(t *testing.T) {
	chrome := chromiumPath(t)
	ld := newLiveDesk(t)
	ctx, evidence := newBrowser(t, chrome)
	shots := screenshotDir(t)
	base := ld.srv.URL
	bg := context.Background()

	// Without a session, the desk sends the browser to sign in; then back where it was going.
	do(t, ctx, "open the queue", chromedp.Navigate(base+"/?reason=site_account_limit"), chromedp.WaitVisible(chromedp.CSS("#email")))
	screenshot(t, ctx, shots, "login.png")
	do(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("#email"), adminEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("form.stack button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("table.queue")))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/?reason=site_account_limit") {
		t.Errorf("after sign-in: at %s, want back at the filtered queue", loc)
	}

	// The whole queue, oldest first, then filtered by reason.
	do(t, ctx, "whole queue", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("table.queue")))
	screenshot(t, ctx, shots, "queue.png")
	rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("table.queue tbody tr")))
	if err != nil || len(rows) != 7 {
		t.Fatalf("queue rows: %d %v", len(rows), err)
	}
	wantText(t, text(t, ctx, "table.queue tbody"), "auth failed", "site account limit", "mobile mismatch", "ods unknown", "unparseable", "reply held")
	late, _ := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("table.queue tbody tr.overdue")))
	if len(late) != 3 {
		t.Errorf("overdue rows: %d, want 3 (the spoofed mail since Friday and both over-limit requests)", len(late))
	}
	wantText(t, text(t, ctx, "table.queue tbody tr:first-child"), "NAS-000005", "overdue")
	do(t, ctx, "filter by reason",
		chromedp.SetValue(chromedp.CSS("#reason"), "site_account_limit"),
		chromedp.Click(chromedp.CSS(".filters button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`.counts a[aria-current="true"] .r-site_account_limit`)))
	rows, _ = chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("table.queue tbody tr")))
	if len(rows) != 2 {
		t.Fatalf("filtered rows: %d, want the 2 over-limit cases", len(rows))
	}

	// Approve the older over-limit request: the account is made, and the reply is in the outbox.
	do(t, ctx, "open the first case",
		chromedp.Click(chromedp.CSS("table.queue tbody tr:first-child td.ref a")),
		chromedp.WaitVisible(chromedp.CSS("#approve-reason")))
	wantText(t, text(t, ctx, ".why"), "10 of 10", "this request makes 11")
	wantText(t, text(t, ctx, ".request.this"), "Bethan Yorke", "07700900301")
	screenshot(t, ctx, shots, "case.png")
	do(t, ctx, "approve",
		chromedp.SendKeys(chromedp.CSS("#approve-reason"), "Second pharmacist starts in March; agreed with the contractor."),
		chromedp.Click(chromedp.CSS("form.approve button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	wantText(t, text(t, ctx, ".flash-ok"), "Approved")
	wantText(t, text(t, ctx, "ol.history"), adminEmail, "approve")
	screenshot(t, ctx, shots, "case-approved.png")
	acct, err := ld.st.Account(bg, "bethan.yorke@nhs.net")
	if err != nil || acct.ODS != "FH3M8" || acct.Status != domain.StatusActive {
		t.Errorf("approved account: %+v %v", acct, err)
	}
	wantReply(t, ld, "01-over-limit.eml", "approved it", "Second pharmacist starts in March")

	// Refuse the other one: the sender is told why.
	do(t, ctx, "open the second case",
		chromedp.Navigate(base+"/?reason=site_account_limit"),
		chromedp.Click(chromedp.CSS("table.queue tbody tr:first-child td.ref a")),
		chromedp.WaitVisible(chromedp.CSS("#refuse-reason")))
	wantText(t, text(t, ctx, ".request.this"), "Callum Reid")
	do(t, ctx, "refuse",
		chromedp.SendKeys(chromedp.CSS("#refuse-reason"), "Please mark a leaver first: the site is at its limit."),
		chromedp.Click(chromedp.CSS("form.refuse button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	wantText(t, text(t, ctx, ".flash-ok"), "Refused")
	if _, err := ld.st.Account(bg, "callum.reid@nhs.net"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused account exists: %v", err)
	}
	wantReply(t, ld, "02-over-limit-again.eml", "could not approve it", "Please mark a leaver first")

	// Correct a bad mobile and re-run: first a wrong value is refused with the form kept.
	do(t, ctx, "open the mobile case",
		chromedp.Navigate(base+"/?reason=mobile_mismatch"),
		chromedp.Click(chromedp.CSS("table.queue tbody tr:first-child td.ref a")),
		chromedp.WaitVisible(chromedp.CSS("details.edit summary")))
	wantText(t, text(t, ctx, ".why"), "07700900112", "07700900999")
	do(t, ctx, "enter a bad mobile",
		chromedp.Click(chromedp.CSS("details.edit summary")),
		chromedp.WaitVisible(chromedp.CSS("#f-mobile")),
		chromedp.Clear(chromedp.CSS("#f-mobile")),
		chromedp.SendKeys(chromedp.CSS("#f-mobile"), "0770 090"),
		chromedp.Click(chromedp.CSS(".edit-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#e-mobile")))
	wantText(t, text(t, ctx, "#e-mobile"), "not a UK mobile")
	screenshot(t, ctx, shots, "case-edit-error.png")
	do(t, ctx, "correct the mobile and re-run",
		chromedp.Clear(chromedp.CSS("#f-mobile")),
		chromedp.SendKeys(chromedp.CSS("#f-mobile"), "07700 900112"),
		chromedp.Click(chromedp.CSS(".edit-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	wantText(t, text(t, ctx, ".request.this"), "done")
	reqs, err := ld.st.MessageRequests(bg, ld.msgs["03-password-reset-wrong-mobile.eml"])
	if err != nil || len(reqs) != 1 || reqs[0].Outcome != string(domain.Done) || !strings.Contains(reqs[0].Fields, `"mobile":"07700900112"`) {
		t.Errorf("re-run request: %+v %v", reqs, err)
	}
	wantReply(t, ld, "03-password-reset-wrong-mobile.eml", "approved it")

	// The sender's script is shown as text and never runs; the attachment is only a download.
	do(t, ctx, "open the unreadable mail",
		chromedp.Navigate(base+"/?reason=unparseable"),
		chromedp.Click(chromedp.CSS("table.queue tbody tr:first-child td.ref a")),
		chromedp.WaitVisible(chromedp.CSS("pre.mail")))
	wantText(t, text(t, ctx, "pre.mail"), "<script>alert('xss')</script>")
	wantText(t, text(t, ctx, "dl.headers"), "<img src=x onerror=alert(1)>")
	wantText(t, text(t, ctx, "ul.attachments"), "rota.html")
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("script, img, iframe, object, embed").length`))
	if err != nil || scripts != 0 {
		t.Errorf("active elements on the case page: %d %v", scripts, err)
	}
	screenshot(t, ctx, shots, "case-unreadable.png")

	// An admin sends a reply the backlog guard held.
	do(t, ctx, "parked replies",
		chromedp.Navigate(base+"/replies"),
		chromedp.WaitVisible(chromedp.CSS("table.replies")))
	screenshot(t, ctx, shots, "replies.png")
	do(t, ctx, "send the held reply",
		chromedp.Click(chromedp.CSS("table.replies tbody tr:first-child form[action$='/release'] button")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	parked, _ := ld.st.ParkedReplies(bg, 10)
	if len(parked) != 0 {
		t.Errorf("still parked: %+v", parked)
	}
	// Sending it was the decision its reply_held case waited for: the case shows closed, and why.
	held, err := ld.st.Queue(bg, store.QueueFilter{State: "all", Reason: "reply_held"})
	if err != nil || len(held) != 1 {
		t.Fatalf("reply_held cases: %+v %v", held, err)
	}
	do(t, ctx, "the held reply's case",
		chromedp.Navigate(fmt.Sprintf("%s/exceptions/%d", base, held[0].ID)),
		chromedp.WaitVisible(chromedp.CSS(".closed-note")))
	wantText(t, text(t, ctx, "ol.history"), "release reply", "close",
		fmt.Sprintf("case %d: the last held reply was released", held[0].ID))

	do(t, ctx, "directory", chromedp.Navigate(base+"/organisations/FH3M8"), chromedp.WaitVisible(chromedp.CSS("table.accounts")))
	wantText(t, text(t, ctx, "main"), "11 of 10", "bethan.yorke@nhs.net")
	screenshot(t, ctx, shots, "organisation.png")

	do(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS(".me button")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")))

	time.Sleep(200 * time.Millisecond) // let the last events arrive
	evidence.mu.Lock()
	defer evidence.mu.Unlock()
	if len(evidence.dialogs) > 0 {
		t.Errorf("a script opened dialogs: %q", evidence.dialogs)
	}
	// The one expected line: the browser notes the 422 of the form sent back with an error.
	messages := slices.DeleteFunc(evidence.messages, func(m string) bool {
		return strings.Contains(m, "Failed to load resource: the server responded with a status of 422")
	})
	if len(messages) > 0 {
		t.Errorf("the console has messages (a script ran, or the CSP refused something): %q", messages)
	}
	t.Logf("screenshots in %s", shots)
}

// wantReply checks that the newest reply to a sample mail says what staff decided.
func wantReply(t *testing.T, ld *liveDesk, file string, parts ...string) {
	t.Helper()
	replies, err := ld.st.MessageReplies(context.Background(), ld.msgs[file])
	if err != nil || len(replies) < 2 {
		t.Errorf("%s: want the first reply and the staff decision, got %d (%v)", file, len(replies), err)
		return
	}
	last := replies[len(replies)-1]
	if last.State != store.OutboxPending || !slices.Contains([]string{"pharmacy.fh3m8@nhs.net", "pharmacy.fq7k2@nhs.net"}, last.To) {
		t.Errorf("%s: decision reply %+v", file, last)
	}
	wantText(t, last.Text, parts...)
}
