package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"nasbot/domain"
	"nasbot/pipeline"
	"nasbot/store"
)

// rowRefs lists the case links of a queue page in order.
func rowRefs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td class="ref"><a href="/exceptions/(\d+)">`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestQueuePage(t *testing.T) {
	td := newTestDesk(t)
	fx := td.fx
	ids := func(ids ...int64) string {
		var s []string
		for _, id := range ids {
			s = append(s, fmt.Sprint(id))
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name, query string
		want        string
	}{
		{"open, oldest first", "", ids(fx.spoofed, fx.overLimit, fx.unreadable, fx.mismatch)},
		{"by reason", "reason=mobile_mismatch", ids(fx.mismatch)},
		{"by sector", "sector=dental", ids(fx.unreadable)},
		{"by ods", "ods=fq7k2", ids(fx.spoofed, fx.mismatch)},
		{"closed", "state=closed", ids(fx.closed)},
		{"all, newest first", "state=all", ids(fx.mismatch, fx.unreadable, fx.overLimit, fx.spoofed, fx.closed)},
		{"search by tag", "q=NAS-" + fmt.Sprintf("%06d", fx.overLimitMsg), ids(fx.overLimit)},
		{"search by address", "q=dental.v10423%40nhs.net", ids(fx.unreadable)},
		{"search by ODS", "q=FH3M8", ids(fx.overLimit)},
		{"nobody's", "assignee=unassigned", ids(fx.spoofed, fx.overLimit, fx.unreadable, fx.mismatch)},
		{"mine", "assignee=me", ""},
		{"nothing matches", "q=nobody-here", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := td.get(reviewerEmail, "/?"+tt.query)
			wantStatus(t, w, http.StatusOK)
			if got := strings.Join(rowRefs(w.Body.String()), ","); got != tt.want {
				t.Errorf("cases %s, want %s", got, tt.want)
			}
		})
	}

	w := td.get(reviewerEmail, "/")
	wantBody(t, w,
		"<strong>4</strong> open", "2 past the target of 1 working day", // the spoofed mail and the over-limit one
		`<span class="reason r-site_account_limit">site account limit</span> <b>1</b>`,
		`<tr class="overdue">`, "Hollybank Chemist, Leek", `<a href="/organisations/FH3M8">FH3M8</a>`,
		"pharmacy.fh3m8@nhs.net · New starter &lt;img src=x onerror=alert(1)&gt;", "whole message")
	if strings.Count(w.Body.String(), `<tr class="overdue">`) != 2 {
		t.Errorf("want 2 overdue rows")
	}
	wantBody(t, td.get(reviewerEmail, "/?q=nobody-here"), "No case matches these filters.")
}

func TestQueuePaging(t *testing.T) {
	td := newTestDesk(t)
	w := td.get(reviewerEmail, "/?page=2")
	wantStatus(t, w, http.StatusOK)
	if refs := rowRefs(w.Body.String()); len(refs) != 0 {
		t.Errorf("page 2 of 4 cases: %v", refs)
	}
	wantBody(t, w, `rel="prev"`, "Page 2")
}

func TestCasePage(t *testing.T) {
	td := newTestDesk(t)
	w := td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", td.fx.overLimit))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w,
		"NAS-000001", "site account limit", "overdue",
		// The rule and the state it looked at.
		"Hollybank Chemist, Leek already has 10 accounts.",
		"10 of 10 (leavers do not count); this request makes 11",
		"Accounts of FH3M8 now (10 of 10 counting)", `<tr class="muted"><td><a href="/accounts/old.leaver@nhs.net">`,
		// The request's fields.
		"Bethan Yorke", "07700900195", "Rachel Dunmore &lt;rachel.dunmore@nhs.net&gt;", "Name: Bethan Yorke &lt;b&gt;",
		// The message as text, its attachment as a download, the proof.
		"Hi &lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;",
		"New starter &lt;img src=x onerror=alert(1)&gt;",
		fmt.Sprintf(`<a href="/messages/%d/attachments/1" download>../../evil page.html</a>`, td.fx.overLimitMsg),
		"mx.nas.test: dmarc=pass header.from=nhs.net",
		// The reply that went out, and the actions.
		"Your request is with the NAS team &lt;b&gt;", `id="approve-reason"`, `id="refuse-reason"`,
		"Edit the fields and re-run", `name="mobile" value="07700900195"`)
	wantNotBody(t, w, "<script>alert", "<img src=x", "<b>")

	// A password reset shows the two numbers; the other request of the mail is listed too.
	w = td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", td.fx.mismatch))
	wantBody(t, w, "Number on record", "07700900101 (amelia.hart@nhs.net)", "Number the owner confirmed",
		`<dd class="bad">07700900999</dd>`, "Already an owner.", "#1", "#2")

	// Unproven mail cannot be approved, only closed, and says why.
	w = td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", td.fx.spoofed))
	wantBody(t, w, "This cannot be approved", "dmarc=fail", "Close case", "No request was recorded")
	wantNotBody(t, w, `id="approve-reason"`, "Edit the fields")

	// Unreadable mail can be parsed again; a reviewer sees the held reply but not its buttons.
	w = td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", td.fx.unreadable))
	wantBody(t, w, "Re-parse", "We could not read your request.", "an admin can send or drop it")
	wantNotBody(t, w, "/release")
	w = td.get(adminEmail, fmt.Sprintf("/exceptions/%d", td.fx.unreadable))
	wantBody(t, w, fmt.Sprintf(`action="/replies/%d/release"`, td.fx.parkedReply))

	// A closed case has no decision forms, but takes notes.
	w = td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", td.fx.closed))
	wantBody(t, w, "This case is closed", `id="note"`)
	wantNotBody(t, w, "refuse-reason", "/reparse")

	wantStatus(t, td.get(reviewerEmail, "/exceptions/9999"), http.StatusNotFound)
	wantStatus(t, td.get(reviewerEmail, "/exceptions/x"), http.StatusNotFound)
}

// A lifecycle report and a failed text reach the queue without a message, and are worked there:
// the case page shows why, what was found and the history, and the case can only be closed.
func TestCaseNoMessageCaused(t *testing.T) {
	td := newTestDesk(t)
	fx := td.fx
	dormant, text := addCasesNoMessageCaused(t, td.st)

	w := td.get(reviewerEmail, "/")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "<strong>6</strong> open",
		fmt.Sprintf(`<a href="/exceptions/%d">case %d</a>`, dormant, dormant), "Lifecycle: dormant mailbox",
		"dental.v10423@nhs.net (V10423) last sent an email on 2025-08-01", "Brookside Dental, Ludlow",
		`Text message: temporary password not sent</span> amelia.hart@nhs.net`,
		`<span class="reason r-mailbox_dormant">mailbox dormant</span> <b>1</b>`,
		`<span class="reason r-text_failed">text failed</span> <b>1</b>`)
	wantNotBody(t, w, "NAS-000000")
	refs := func(query string) string { return fmt.Sprint(rowRefs(td.get(reviewerEmail, "/?"+query).Body.String())) }
	for query, want := range map[string][]int64{
		"":                        {fx.spoofed, fx.overLimit, dormant, fx.unreadable, fx.mismatch, text},
		"sector=dental":           {dormant, fx.unreadable},
		"ods=v10423":              {dormant, fx.unreadable},
		"ods=FQ7K2":               {fx.spoofed, fx.mismatch, text},
		"reason=text_failed":      {text},
		"q=amelia.hart%40nhs.net": {fx.mismatch, text},
	} {
		if got := refs(query); got != fmt.Sprint(want) {
			t.Errorf("%q: cases %s, want %v", query, got, want)
		}
	}

	// The case page: why, what was found and the site; no message, requests, proof or replies,
	// and only a close, for reviewers and admins alike.
	for _, as := range []string{reviewerEmail, adminEmail} {
		w = td.get(as, fmt.Sprintf("/exceptions/%d", dormant))
		wantStatus(t, w, http.StatusOK)
		wantBody(t, w, fmt.Sprintf("case %d", dormant), "mailbox dormant", "Lifecycle: dormant mailbox",
			"eligible for deletion. Nothing was deleted, and nothing will be automatically",
			`<h2 id="why">What was found</h2>`, "<strong>In detail:</strong> the shared mailbox dental.v10423@nhs.net",
			`<a href="/organisations/V10423">Brookside Dental, Ludlow</a>`, `id="history"`,
			"Close case", `id="refuse-reason"`, `id="note"`)
		wantNotBody(t, w, "NAS-000000", `id="requests"`, `id="message"`, `id="proof"`, `id="replies"`,
			`id="approve-reason"`, "Edit the fields", "/reparse", "· from")
	}
	w = td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", text))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "Text message: temporary password not sent", "the user still has no password",
		`<strong>Account:</strong> <a href="/accounts/amelia.hart@nhs.net">amelia.hart@nhs.net</a>`, "400 not a UK mobile",
		"Riverside Pharmacy, Ashford")

	// Approve, re-run and re-parse are refused before the desk; assign and note go in its history.
	page := td.follow(reviewerEmail, td.post(reviewerEmail, caseAt(dormant, "approve"), url.Values{"reason": {"fine"}}))
	wantBody(t, page, "No message caused this case, so there is nothing to approve or re-run")
	page = td.follow(reviewerEmail, td.post(reviewerEmail, caseAt(dormant, "rerun"), url.Values{"name": {"x"}}))
	wantBody(t, page, "No message caused this case, so there is nothing to approve or re-run")
	page = td.follow(reviewerEmail, td.post(reviewerEmail, caseAt(dormant, "reparse"), nil))
	wantBody(t, page, "Only an open case of unreadable mail can be parsed again.")
	if calls := td.desk.Calls(); len(calls) != 0 {
		t.Fatalf("desk called: %v", calls)
	}
	td.follow(reviewerEmail, td.post(reviewerEmail, caseAt(dormant, "assign"), url.Values{"to": {"me"}}))
	page = td.follow(reviewerEmail, td.post(reviewerEmail, caseAt(dormant, "note"), url.Values{"note": {"Phoned the practice"}}))
	wantBody(t, page, "Note added.", "assigned to <strong>"+reviewerEmail, reviewerEmail+"</strong> assign",
		reviewerEmail+"</strong> note: <span class=\"detail\">Phoned the practice</span>")

	// Closing it.
	page = td.follow(reviewerEmail, td.post(reviewerEmail, caseAt(dormant, "refuse"), url.Values{"reason": {"Still used; kept"}}))
	wantBody(t, page, "Closed: nothing was changed.", "This case is closed", reviewerEmail+"</strong> refuse")
	if calls := td.desk.Calls(); fmt.Sprint(calls) != fmt.Sprintf(`[refuse %d %s "Still used; kept"]`, dormant, reviewerEmail) {
		t.Errorf("desk calls: %v", calls)
	}
	if got := refs("state=closed"); got != fmt.Sprint([]int64{dormant, fx.closed}) {
		t.Errorf("closed cases: %v", got)
	}
	wantBody(t, td.get(reviewerEmail, "/organisations/V10423"), fmt.Sprintf(`<a href="/exceptions/%d">case %d</a>`, dormant, dormant),
		"Lifecycle: dormant mailbox")
}

func TestDirectoryPages(t *testing.T) {
	td := newTestDesk(t)
	w := td.get(reviewerEmail, "/organisations/fh3m8")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "Hollybank Chemist, Leek", "pharmacy.fh3m8@nhs.net", "10 of 10", "accounts must be linked",
		"rachel.dunmore@nhs.net", "07700900180", "not linked", fmt.Sprintf(`href="/exceptions/%d"`, td.fx.overLimit))

	// An old address finds the account, and says it is an alias.
	w = td.get(reviewerEmail, "/accounts/Amelia.Jones@nhs.net")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "amelia.jones@nhs.net is an old address (alias) of this account", "Amelia Hart", "07700900101",
		"Riverside Pharmacy, Ashford (FQ7K2)", "owner", "Password reset", "Change role", `href="/messages/NAS-000002"`)
	wantNotBody(t, w, "password_reset", "change_role")

	wantStatus(t, td.get(reviewerEmail, "/organisations/NOPE1"), http.StatusNotFound)
	wantStatus(t, td.get(reviewerEmail, "/accounts/nobody@nhs.net"), http.StatusNotFound)

	// The header's look-up goes to the right page.
	for q, want := range map[string]string{"fq7k2": "/organisations/FQ7K2", "Amelia.Hart@nhs.net": "/accounts/amelia.hart@nhs.net", "": "/",
		"Pharmacy.FH3M8@nhs.net": "/organisations/FH3M8", "chemist": "/organisations/FH3M8", "hollybank": "/search?q=hollybank", "Hollybank Leek": "/organisations/FH3M8",
		"pharmacy": "/search?q=pharmacy"} {
		w := td.get(reviewerEmail, "/directory?q="+url.QueryEscape(q))
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("look up %q: %d %s, want %s", q, w.Code, w.Header().Get("Location"), want)
		}
	}
}

func TestRepliesPage(t *testing.T) {
	td := newTestDesk(t)
	w := td.get(reviewerEmail, "/replies")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "dental.v10423@nhs.net", "We could not read your request.", "An admin sends or drops them.",
		fmt.Sprintf(`href="/exceptions/%d"`, td.fx.unreadable))
	wantNotBody(t, w, "/release")
	wantBody(t, td.get(adminEmail, "/replies"), fmt.Sprintf(`action="/replies/%d/drop"`, td.fx.parkedReply))
}

func TestStaffPage(t *testing.T) {
	td := newTestDesk(t)
	w := td.get(adminEmail, "/staff")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, reviewerEmail, "Rob Reviewer", "password or SSO")

	// Add a member with SSO only, then one with a password that is too short.
	w = td.post(adminEmail, "/staff", url.Values{"email": {"Cat.New@nas.test"}, "name": {"Cat"}, "role": {"reviewer"}})
	wantBody(t, td.follow(adminEmail, w), "cat.new@nas.test can now sign in as reviewer.", "SSO only")
	w = td.post(adminEmail, "/staff", url.Values{"email": {"dan@nas.test"}, "role": {"admin"}, "password": {"short"}})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "A password needs at least 12 characters.")
	wantStatus(t, td.post(adminEmail, "/staff", url.Values{"email": {"not an address"}, "role": {"admin"}}), http.StatusUnprocessableEntity)
	wantStatus(t, td.post(adminEmail, "/staff", url.Values{"email": {"e@nas.test"}, "role": {"boss"}}), http.StatusUnprocessableEntity)

	// Disabling a member signs them out at once; nobody disables themselves.
	td.login(reviewerEmail)
	w = td.post(adminEmail, "/staff/"+reviewerEmail+"/status", url.Values{"status": {"disabled"}})
	wantBody(t, td.follow(adminEmail, w), reviewerEmail+" is now disabled.")
	if w := td.get(reviewerEmail, "/"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" {
		t.Errorf("disabled reviewer still in: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = td.post(adminEmail, "/staff/"+adminEmail+"/status", url.Values{"status": {"disabled"}})
	wantBody(t, td.follow(adminEmail, w), "You cannot disable yourself.")
	wantStatus(t, td.post(adminEmail, "/staff/nobody@nas.test/status", url.Values{"status": {"active"}}), http.StatusNotFound)
	h, _ := td.st.History(t.Context(), "staff cat.new@nas.test", "staff "+reviewerEmail)
	var actions []string
	for _, a := range h {
		actions = append(actions, a.Actor+" "+a.Action)
	}
	if want := "[ann.admin@nas.test staff added rob.reviewer@nas.test sign in ann.admin@nas.test staff disabled]"; fmt.Sprint(actions) != want {
		t.Errorf("staff history %v, want %s", actions, want)
	}
}

// Every page renders for every kind of case the queue holds (style.md 12).
func TestEveryPageRendersForEveryCase(t *testing.T) {
	td := newTestDesk(t)
	dormant, text := addCasesNoMessageCaused(t, td.st)
	cases := []int64{td.fx.overLimit, td.fx.mismatch, td.fx.spoofed, td.fx.unreadable, td.fx.closed, dormant, text}
	for _, as := range []string{reviewerEmail, adminEmail} {
		for _, id := range cases {
			wantStatus(t, td.get(as, fmt.Sprintf("/exceptions/%d", id)), http.StatusOK)
		}
		for _, p := range []string{"/", "/?state=all", "/replies", "/organisations/FQ7K2", "/organisations/V10423", "/accounts/rachel.dunmore@nhs.net"} {
			wantStatus(t, td.get(as, p), http.StatusOK)
		}
	}
	wantStatus(t, td.get("", "/login"), http.StatusOK)
	wantStatus(t, td.get(adminEmail, "/no/such/page"), http.StatusNotFound)
	for _, name := range pageNames {
		if pages[name] == nil {
			t.Errorf("page %s not parsed", name)
		}
	}
}

// The edit form knows every request type the handlers decide, except the ones that only point
// elsewhere.
func TestEveryRequestTypeIsEditable(t *testing.T) {
	for _, rt := range []domain.RequestType{domain.AddUser, domain.AddToMailbox, domain.RemoveFromMailbox, domain.ChangeRole,
		domain.Leaver, domain.Joiner, domain.ChangeName, domain.CloseMailbox, domain.RegisterMailbox, domain.PasswordReset} {
		f := newEditForm(rt)
		if f == nil {
			t.Errorf("%s: no edit form", rt)
			continue
		}
		for _, fld := range f.Fields {
			if _, ok := fieldSpecs[fld.Name]; !ok || fld.Label == "" {
				t.Errorf("%s: field %s has no spec", rt, fld.Name)
			}
		}
	}
}

// The desk offers Approve exactly where the real desk can approve.
func TestApprovableMatchesThePipeline(t *testing.T) {
	if fmt.Sprint(approvable) != fmt.Sprint(pipeline.Overridable) {
		t.Errorf("web approvable %v, pipeline.Overridable %v", approvable, pipeline.Overridable)
	}
	if reasonUnparseable != string(pipeline.ReasonUnparseable) || reasonReplyHeld != string(pipeline.ReasonReplyHeld) {
		t.Errorf("queue reasons differ from the pipeline's")
	}
}

func TestMessagePageAndSearch(t *testing.T) {
	td := newTestDesk(t)
	tag := store.Tag(td.fx.overLimitMsg)

	w := td.get(reviewerEmail, "/messages/"+tag)
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, tag, "Hollybank Chemist, Leek", "Add user", "Passed to the NAS team", "Bethan Yorke",
		"Proven: the mail really came from pharmacy.fh3m8@nhs.net", fmt.Sprintf(`href="/exceptions/%d"`, td.fx.overLimit),
		"&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;")
	wantNotBody(t, w, "<script>")
	// Machine names only inside the disclosure.
	body := w.Body.String()
	if i, j := strings.Index(body, "add_user"), strings.Index(body, "<details><summary>Details for support"); i >= 0 && (j < 0 || i < j) {
		t.Errorf("add_user shows outside the details disclosure")
	}
	wantStatus(t, td.get(reviewerEmail, fmt.Sprintf("/messages/%d", td.fx.overLimitMsg)), http.StatusOK)
	wantStatus(t, td.get(reviewerEmail, "/messages/NAS-999999"), http.StatusNotFound)
	wantStatus(t, td.get(reviewerEmail, "/messages/nonsense"), http.StatusNotFound)

	cases := []struct {
		name, q string
		status  int
		want    []string
	}{
		{"reference goes to the message", strings.ToLower(tag), http.StatusSeeOther, nil},
		{"person's name", "Bethan Yorke", http.StatusOK, []string{`href="/messages/` + tag + `"`}},
		{"ODS code", "fh3m8", http.StatusOK, []string{`href="/messages/` + tag + `"`, `href="/organisations/FH3M8"`}},
		{"subject word", "starter", http.StatusOK, []string{`href="/messages/` + tag + `"`}},
		{"site by town", "leek", http.StatusOK, []string{"Hollybank Chemist"}},
		{"person in the directory", "amelia", http.StatusOK, []string{"amelia.hart@nhs.net"}},
		{"nothing", "zebra", http.StatusOK, []string{"No message matches.", "No site matches.", "No person matches."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := td.get(reviewerEmail, "/search?q="+url.QueryEscape(c.q))
			wantStatus(t, w, c.status)
			if c.status == http.StatusSeeOther && w.Header().Get("Location") != "/messages/"+tag {
				t.Errorf("redirect to %s", w.Header().Get("Location"))
			}
			wantBody(t, w, c.want...)
		})
	}
	// Every page's header searches.
	wantBody(t, td.get(reviewerEmail, "/"), `action="/search"`, `name="q"`)
}

// The account a request is about shows once, as a link, not twice.
func TestAccountRowShowsOnce(t *testing.T) {
	td := newTestDesk(t)
	w := td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", td.fx.mismatch))
	wantStatus(t, w, http.StatusOK)
	requests := strings.Split(w.Body.String(), `<article class="request`)[1:]
	if len(requests) == 0 {
		t.Fatal("no request on the page")
	}
	for i, r := range requests {
		if n := strings.Count(r, "<dt>Account</dt>"); n != 1 {
			t.Errorf("request %d: the Account row shows %d times, want once", i+1, n)
		}
	}
}
