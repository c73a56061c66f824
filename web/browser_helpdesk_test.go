package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"nasbot/store"
)

// The desk as the NAS's helpdesk (issue 16), in headless Chromium: every message found by its
// reference, a person's name or an ODS code, processed mail included; sites found by name and
// by their shared mailbox's address.

// signIn signs the admin in from the sign-in page.
func signIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), adminEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("form.stack button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("table.queue")))
}

// headerSearch types q into the search box every page has in its header, and waits for sel.
func headerSearch(t *testing.T, ctx context.Context, q, sel string) {
	t.Helper()
	// The page before is marked, so waiting for sel never finds the old page's copy of it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.dataset.before = "1"; true`)); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "search for "+q,
		chromedp.Clear(chromedp.CSS("header form[role=search] input[name=q]")),
		chromedp.SendKeys(chromedp.CSS("header form[role=search] input[name=q]"), q),
		chromedp.Submit(chromedp.CSS("header form[role=search]")),
		chromedp.WaitNotPresent(chromedp.CSS("body[data-before]")),
		chromedp.WaitVisible(chromedp.CSS(sel)))
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestBrowserFindMessages(t *testing.T) {
	chrome := chromiumPath(t)
	ld := newLiveDesk(t)
	ctx, _ := newBrowser(t, chrome)
	shots := screenshotDir(t)
	base := ld.srv.URL
	signIn(t, ctx, base)

	processed := store.Tag(ld.msgs["08-processed-add-user.eml"])
	// By its reference, as a caller reads it out: straight to the message, which the bot
	// decided on its own (no case).
	headerSearch(t, ctx, strings.ToLower(processed), "#requests")
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/messages/"+processed) {
		t.Errorf("reference search landed on %s", loc)
	}
	wantText(t, text(t, ctx, "h1"), processed, "New dispenser starting Monday")
	wantText(t, text(t, ctx, "#requests + *"), "Add user", "Done", "Priya Nandakumar")
	wantText(t, text(t, ctx, "main"), "No case: the bot decided this message on its own", "Proven", "pharmacy.fq7k2@nhs.net")
	screenshot(t, ctx, shots, "message.png")

	// By a person's name in a request, and by the site's ODS code.
	for _, q := range []string{"Priya Nandakumar", "fq7k2"} {
		headerSearch(t, ctx, q, "table.messages")
		wantText(t, text(t, ctx, "table.messages"), processed)
	}
	screenshot(t, ctx, shots, "search.png")
	do(t, ctx, "open the message from the results",
		chromedp.Click(chromedp.CSS(`table.messages a[href="/messages/`+processed+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#requests")))

	// Sites by name and by their shared mailbox's address.
	headerSearch(t, ctx, "Elm House", "table.sites")
	do(t, ctx, "open the site found by name",
		chromedp.Click(chromedp.CSS(`table.sites a[href="/organisations/VN4417"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.accounts")))
	wantText(t, text(t, ctx, "h1"), "Elm House Care Home")
	headerSearch(t, ctx, "dental.v10423@nhs.net", "table.sites")
	wantText(t, text(t, ctx, "table.sites"), "Brookside Dental", "Ludlow")
	// The site's page lists everything it sent, processed mail included.
	do(t, ctx, "the site's messages", chromedp.Navigate(base+"/organisations/FQ7K2"), chromedp.WaitVisible(chromedp.CSS("table.messages")))
	wantText(t, text(t, ctx, "table.messages"), processed)
}

func TestBrowserCaseLifecycle(t *testing.T) {
	chrome := chromiumPath(t)
	ld := newLiveDesk(t)
	ctx, _ := newBrowser(t, chrome)
	shots := screenshotDir(t)
	base := ld.srv.URL
	bg := context.Background()
	signIn(t, ctx, base)

	// Approve with no note typed: the outcome heads the closed case, with who closed it, and
	// the live guidance ("10 of 10", "waiting") is gone.
	do(t, ctx, "open an over-limit case",
		chromedp.Navigate(base+"/?reason=site_account_limit"),
		chromedp.Click(chromedp.CSS("table.queue tbody tr:first-child td.ref a")),
		chromedp.WaitVisible(chromedp.CSS("form.approve")))
	caseURL := location(t, ctx)
	do(t, ctx, "approve without a note",
		chromedp.Click(chromedp.CSS("form.approve button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	wantText(t, text(t, ctx, ".closed-outcome"), "Approved", adminEmail, "Done")
	if page := text(t, ctx, "main"); strings.Contains(page, "waiting") || strings.Contains(page, "10 of 10") {
		t.Errorf("a closed case shows live guidance:\n%s", page)
	}
	screenshot(t, ctx, shots, "case-closed.png")

	// Reopen it: back in the queue, open, with the reopening in its history.
	do(t, ctx, "reopen",
		chromedp.SendKeys(chromedp.CSS("#reopen-note"), "The owner phoned: the trainee starts later."),
		chromedp.Click(chromedp.CSS("form.reopen button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("form.approve"))) // the approve page's flash is gone with it
	wantText(t, text(t, ctx, ".flash-ok"), "Reopened")
	wantText(t, text(t, ctx, "ol.history"), "reopen", "the trainee starts later")
	if loc := location(t, ctx); loc != caseURL {
		t.Errorf("after reopening: at %s, want %s", loc, caseURL)
	}
	open, err := ld.st.Queue(bg, store.QueueFilter{Reason: "site_account_limit"})
	if err != nil || len(open) != 2 {
		t.Errorf("open over-limit cases after reopening: %d %v, want 2", len(open), err)
	}

	// Re-parse the free-text mail: the preview says nothing would change, and confirming sends
	// no second identical reply and keeps the case (and its number).
	msg := ld.msgs["04-free-text-script.eml"]
	before, err := ld.st.MessageReplies(bg, msg)
	if err != nil || len(before) != 1 {
		t.Fatalf("replies before: %d %v", len(before), err)
	}
	do(t, ctx, "open the unreadable mail's case",
		chromedp.Navigate(base+"/?reason=unparseable"),
		chromedp.Click(chromedp.CSS("table.queue tbody tr:first-child td.ref a")),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/reparse"]`)))
	unreadableCase := location(t, ctx)
	do(t, ctx, "preview the re-parse",
		chromedp.Click(chromedp.CSS(`a[href$="/reparse"]`)),
		chromedp.WaitVisible(chromedp.CSS(".reparse-confirm")))
	wantText(t, text(t, ctx, ".reparse-confirm"), "Nothing would change", "no second reply")
	screenshot(t, ctx, shots, "reparse-preview.png")
	do(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(".reparse-confirm button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	wantText(t, text(t, ctx, ".flash-ok"), "no reply was sent")
	if loc := location(t, ctx); loc != unreadableCase {
		t.Errorf("after re-parsing: at %s, want the same case %s", loc, unreadableCase)
	}
	after, err := ld.st.MessageReplies(bg, msg)
	if err != nil || len(after) != 1 {
		t.Errorf("replies after re-parsing: %d %v, want still the one", len(after), err)
	}
	wantText(t, text(t, ctx, "ol.history"), "reparse", "the outcome would not change")
}

func TestBrowserHelpTheSender(t *testing.T) {
	chrome := chromiumPath(t)
	ld := newLiveDesk(t)
	ctx, _ := newBrowser(t, chrome)
	shots := screenshotDir(t)
	base := ld.srv.URL
	bg := context.Background()
	signIn(t, ctx, base)
	msg := ld.msgs["04-free-text-script.eml"]
	tag := store.Tag(msg)

	// Reply to the free-text sender, from the "more information" start: the reply is in the
	// outbox, threaded under their mail.
	do(t, ctx, "open the free-text mail", chromedp.Navigate(base+"/messages/"+tag), chromedp.WaitVisible(chromedp.CSS(`a[href$="/reply"]`)))
	screenshot(t, ctx, shots, "message-free-text.png")
	do(t, ctx, "reply to sender",
		chromedp.Click(chromedp.CSS(`a[href$="/reply"]`)),
		chromedp.WaitVisible(chromedp.CSS("#reply-text")),
		chromedp.Click(chromedp.CSS(`.starters a[href$="start=more"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.starters a[aria-current="true"][href$="start=more"]`)))
	body, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#reply-text")))
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, body, "a little more", "> hi can you add our new carer jo")
	screenshot(t, ctx, shots, "compose.png")
	do(t, ctx, "send the reply",
		chromedp.Click(chromedp.CSS("form.compose button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	wantText(t, text(t, ctx, ".flash-ok"), "Reply queued to care.vn4417@nhs.net")
	replies, err := ld.st.MessageReplies(bg, msg)
	if err != nil || len(replies) != 2 {
		t.Fatalf("replies: %d %v", len(replies), err)
	}
	out, err := ld.st.RepliesFor(bg, msg)
	if err != nil || len(out) != 2 {
		t.Fatalf("outbox: %d %v", len(out), err)
	}
	staffReply := out[1]
	if staffReply.To != "care.vn4417@nhs.net" || staffReply.InReplyTo != "<eh-0004@nhs.net>" ||
		!strings.Contains(strings.Join(staffReply.References, " "), "<eh-0004@nhs.net>") || !strings.Contains(staffReply.Subject, "["+tag+"]") ||
		!strings.Contains(staffReply.Text, "a little more") {
		t.Errorf("the staff reply is not threaded under the mail: %+v", staffReply)
	}
	wantText(t, text(t, ctx, "ol.history"), "reply")

	// Make an add-user request from the mail: the account is made for the site, and the
	// sender is answered.
	do(t, ctx, "make a request",
		chromedp.Click(chromedp.CSS(`a[href$="/request"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-name")))
	do(t, ctx, "submit with a field missing",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Jo Carter"),
		chromedp.Click(chromedp.CSS("form.onbehalf button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".nhsuk-error-summary")))
	wantText(t, text(t, ctx, ".nhsuk-error-summary"), "Mobile")
	screenshot(t, ctx, shots, "request-on-behalf-error.png")
	do(t, ctx, "complete the request",
		chromedp.SendKeys(chromedp.CSS("#f-mobile"), "07700 900777"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "jo.carter@example.com"),
		chromedp.SetValue(chromedp.CSS("#f-linked"), "yes"),
		chromedp.Click(chromedp.CSS("form.onbehalf button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	wantText(t, text(t, ctx, ".flash-ok"), "Add user made for the sender", "Done")
	wantText(t, text(t, ctx, "#requests + *"), "Add user", "Done", "Jo Carter")
	wantText(t, text(t, ctx, "ol.history"), "request on behalf", adminEmail)
	accts, err := ld.st.SiteAccounts(bg, "VN4417")
	found := false
	for _, a := range accts {
		found = found || a.Name == "Jo Carter"
	}
	if err != nil || !found {
		t.Errorf("no account for Jo Carter at VN4417: %+v %v", accts, err)
	}
	if out, _ := ld.st.RepliesFor(bg, msg); len(out) != 3 || !strings.Contains(out[2].Text, "Jo Carter") {
		t.Errorf("the sender was not answered about the request: %d replies", len(out))
	}
}
