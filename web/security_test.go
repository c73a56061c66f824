package web

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Every page and every action needs a session: without one, the browser is sent to sign in.
func TestNoPageOrActionWithoutASession(t *testing.T) {
	td := newTestDesk(t)
	gets := []string{"/", "/?reason=auth_failed", fmt.Sprintf("/exceptions/%d", td.fx.overLimit), "/replies", "/staff",
		"/organisations/FH3M8", "/accounts/amelia.hart@nhs.net", "/directory?q=FH3M8",
		fmt.Sprintf("/messages/%d/raw", td.fx.overLimitMsg), fmt.Sprintf("/messages/%d/attachments/1", td.fx.overLimitMsg),
		"/no/such/page", "/search?q=jane", "/messages/NAS-000001", "/messages/NAS-000001/reply", "/messages/NAS-000001/request",
		caseAt(td.fx.unreadable, "reparse")}
	for _, p := range gets {
		w := td.get("", p)
		want := "/login?next=" + url.QueryEscape(p)
		if p == "/" {
			want = "/login"
		}
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("GET %s: %d to %q, want 303 to %q", p, w.Code, w.Header().Get("Location"), want)
		}
	}
	posts := []string{"approve", "refuse", "rerun", "reparse", "assign", "note"}
	var targets []string
	for _, a := range posts {
		targets = append(targets, caseAt(td.fx.overLimit, a))
	}
	targets = append(targets, fmt.Sprintf("/replies/%d/release", td.fx.parkedReply), fmt.Sprintf("/replies/%d/drop", td.fx.parkedReply),
		"/staff", "/staff/"+reviewerEmail+"/status", "/staff/"+reviewerEmail+"/identity", "/logout",
		caseAt(td.fx.closed, "reopen"), "/messages/NAS-000001/reply", "/messages/NAS-000001/request")
	for _, p := range targets {
		w := td.post("", p, url.Values{"reason": {"x"}, "note": {"x"}, "status": {"disabled"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" {
			t.Errorf("POST %s: %d to %q, want 303 to /login", p, w.Code, w.Header().Get("Location"))
		}
	}
	if calls := td.desk.Calls(); len(calls) != 0 {
		t.Errorf("desk called without a session: %v", calls)
	}

	// A made-up cookie is no session either.
	r := td.request("", http.MethodGet, "/", nil, "Cookie", "nasbot_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if r.Code != http.StatusSeeOther {
		t.Errorf("forged cookie: %d", r.Code)
	}
}

func TestReviewerCannotDoAdminActions(t *testing.T) {
	td := newTestDesk(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, fmt.Sprintf("/replies/%d/release", td.fx.parkedReply)},
		{http.MethodPost, fmt.Sprintf("/replies/%d/drop", td.fx.parkedReply)},
		{http.MethodGet, "/staff"},
		{http.MethodPost, "/staff"},
		{http.MethodPost, "/staff/" + adminEmail + "/status"},
		{http.MethodPost, "/staff/" + adminEmail + "/identity"},
	} {
		w := td.request(reviewerEmail, tc.method, tc.path, url.Values{"email": {"x@nas.test"}, "role": {"admin"}, "status": {"disabled"}})
		wantStatus(t, w, http.StatusForbidden)
		wantBody(t, w, "Only an admin can do this.")
	}
	if calls := td.desk.Calls(); len(calls) != 0 {
		t.Errorf("desk called for a reviewer: %v", calls)
	}
	if st, _ := td.st.StaffMember(t.Context(), "x@nas.test"); st.Email != "" {
		t.Errorf("a reviewer added staff")
	}
	wantNotBody(t, td.get(reviewerEmail, "/"), `href="/staff"`)
	wantBody(t, td.get(adminEmail, "/"), `href="/staff"`)
}

// A form posted from another site is refused, signed in or not (http.CrossOriginProtection).
func TestCrossOriginPostIsRefused(t *testing.T) {
	td := newTestDesk(t)
	approve := caseAt(td.fx.overLimit, "approve")
	form := url.Values{"reason": {"csrf"}}
	for name, headers := range map[string][]string{
		"fetch metadata": {"Sec-Fetch-Site", "cross-site"},
		"same site":      {"Sec-Fetch-Site", "same-site"},
		"origin":         {"Origin", "https://evil.example"},
	} {
		t.Run(name, func(t *testing.T) {
			w := td.request(adminEmail, http.MethodPost, approve, form, headers...)
			wantStatus(t, w, http.StatusForbidden)
			wantBody(t, w, "sent from another site")
			w = td.request("", http.MethodPost, "/login", url.Values{"email": {adminEmail}, "password": {testPassword}}, headers...)
			wantStatus(t, w, http.StatusForbidden)
		})
	}
	// The desk's newer forms are no different: reopen, reply to sender, a request on behalf.
	for _, p := range []string{caseAt(td.fx.closed, "reopen"), "/messages/NAS-000001/reply", "/messages/NAS-000001/request"} {
		w := td.request(adminEmail, http.MethodPost, p, url.Values{"text": {"csrf"}, "type": {"add_user"}}, "Sec-Fetch-Site", "cross-site")
		wantStatus(t, w, http.StatusForbidden)
	}
	if calls := td.desk.Calls(); len(calls) != 0 {
		t.Fatalf("desk called cross-origin: %v", calls)
	}
	// The same form from the desk itself goes through.
	w := td.request(adminEmail, http.MethodPost, approve, form, "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com")
	wantStatus(t, w, http.StatusSeeOther)
	if calls := td.desk.Calls(); len(calls) != 1 {
		t.Errorf("same-origin approve: %v", calls)
	}
}

func TestSecurityHeaders(t *testing.T) {
	td := newTestDesk(t)
	for _, tc := range []struct {
		as, path string
	}{{"", "/login"}, {reviewerEmail, "/"}, {reviewerEmail, fmt.Sprintf("/exceptions/%d", td.fx.overLimit)},
		{reviewerEmail, "/nope"}, {"", "/static/desk.css"}} {
		w := td.get(tc.as, tc.path)
		h := w.Header()
		if got := h.Get("Content-Security-Policy"); got != "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" {
			t.Errorf("%s: CSP %q", tc.path, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: headers %v", tc.path, h)
		}
		if cc := h.Get("Cache-Control"); strings.HasPrefix(tc.path, "/static/") != (cc != "no-store") {
			t.Errorf("%s: Cache-Control %q", tc.path, cc)
		}
	}
	wantStatus(t, td.get("", "/static/"), http.StatusNotFound) // no listing
}

// The templates and the stylesheet hold no script and no inline style, so the strict CSP costs
// nothing, and html/template escapes everything else.
func TestTemplatesHaveNoScriptOrInlineStyle(t *testing.T) {
	bad := regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)
	err := fs.WalkDir(templateFiles, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFiles.ReadFile(path)
		if err != nil {
			return err
		}
		if m := bad.Find(b); m != nil {
			t.Errorf("%s holds %q", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A sender's markup, anywhere in a message, is shown as text.
func TestSenderMarkupIsEscaped(t *testing.T) {
	td := newTestDesk(t)
	for _, p := range []string{fmt.Sprintf("/exceptions/%d", td.fx.overLimit), "/?q=FH3M8"} {
		w := td.get(reviewerEmail, p)
		body := w.Body.String()
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") || strings.Contains(body, "onerror=alert") &&
			!strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: sender markup not escaped", p)
		}
	}
}

func TestDownloadsAreNeverShown(t *testing.T) {
	td := newTestDesk(t)
	w := td.get(reviewerEmail, fmt.Sprintf("/messages/%d/attachments/1", td.fx.overLimitMsg))
	wantStatus(t, w, http.StatusOK)
	h := w.Header()
	if h.Get("Content-Type") != "application/octet-stream" || h.Get("Content-Disposition") != `attachment; filename="evil page.html"` ||
		h.Get("Content-Security-Policy") != "default-src 'none'; sandbox" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("attachment headers: %v", h)
	}
	if !strings.Contains(w.Body.String(), "<script>alert('attachment')</script>") {
		t.Errorf("attachment body: %q", w.Body.String())
	}
	w = td.get(reviewerEmail, fmt.Sprintf("/messages/%d/raw", td.fx.overLimitMsg))
	if w.Header().Get("Content-Disposition") != `attachment; filename=NAS-000001.eml` || !strings.HasPrefix(w.Body.String(), "Return-Path:") {
		t.Errorf("raw download: %v %.40q", w.Header(), w.Body.String())
	}
	wantStatus(t, td.get(reviewerEmail, fmt.Sprintf("/messages/%d/attachments/2", td.fx.overLimitMsg)), http.StatusNotFound)
	wantStatus(t, td.get(reviewerEmail, "/messages/9999/raw"), http.StatusNotFound)

	for in, want := range map[string]string{"../../evil page.html": "evil page.html", `C:\x\report.csv`: "report.csv",
		"a\"b;c.txt": "a_b_c.txt", "...": "attachment", "r\u00e9sum\u00e9\u202e.pdf": "r\u00e9sum\u00e9_.pdf"} {
		if got := safeFilename(in); got != want {
			t.Errorf("safeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		td := newTestDesk(t, func(c *Config) { c.SecureCookie = secure })
		c := td.login(reviewerEmail)
		wantName := "nasbot_session"
		if secure {
			wantName = "__Host-nasbot_session"
		}
		if c.Name != wantName || !c.HttpOnly || c.Secure != secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" ||
			c.MaxAge != int((12*time.Hour).Seconds()) || len(c.Value) != 43 {
			t.Errorf("secure=%v: cookie %+v", secure, c)
		}
		// Only the hash of the id is stored.
		if _, err := td.st.Session(t.Context(), c.Value, testNow); err == nil {
			t.Errorf("the session id itself is a key in the store")
		}
		if _, err := td.st.Session(t.Context(), hashSessionID(c.Value), testNow); err != nil {
			t.Errorf("session by hash: %v", err)
		}
	}
}

func TestSessionsExpire(t *testing.T) {
	now := testNow
	td := newTestDesk(t, func(c *Config) { c.Now = func() time.Time { return now } })
	td.login(reviewerEmail)
	wantStatus(t, td.get(reviewerEmail, "/"), http.StatusOK)
	now = now.Add(90 * time.Minute) // used within the idle time: still in, and touched
	wantStatus(t, td.get(reviewerEmail, "/"), http.StatusOK)
	now = now.Add(2*time.Hour + time.Minute) // idle too long
	if w := td.get(reviewerEmail, "/"); w.Code != http.StatusSeeOther {
		t.Errorf("idle session still in: %d", w.Code)
	}
	delete(td.cookies, reviewerEmail)
	td.login(reviewerEmail)
	for i := 0; i < 6; i++ { // busy all day, but a sign-in lasts 12 hours at most
		now = now.Add(time.Hour + 50*time.Minute)
		if w := td.get(reviewerEmail, "/"); w.Code != http.StatusOK {
			t.Fatalf("after %d busy steps: %d", i+1, w.Code)
		}
	}
	now = now.Add(time.Hour + time.Minute) // 12h01m after signing in
	if w := td.get(reviewerEmail, "/"); w.Code != http.StatusSeeOther {
		t.Errorf("session older than 12h still in: %d", w.Code)
	}
}
