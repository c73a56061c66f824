package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"nasbot/store"
)

func caseAt(id int64, action string) string { return fmt.Sprintf("/exceptions/%d/%s", id, action) }

func TestApprove(t *testing.T) {
	td := newTestDesk(t)
	id := td.fx.overLimit

	// The approve form asks for no reason: a note is optional.
	wantNotBody(t, td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", id)), `name="reason" rows="2" required`)

	w := td.post(reviewerEmail, caseAt(id, "approve"), url.Values{"reason": {"Second site opens in April"}})
	if w.Header().Get("Location") != fmt.Sprintf("/exceptions/%d", id) {
		t.Errorf("redirect to %s", w.Header().Get("Location"))
	}
	page := td.follow(reviewerEmail, w)
	wantBody(t, page, "Approved: the request was carried out", "This case is closed", reviewerEmail+"</strong> approve")
	if calls := td.desk.Calls(); len(calls) != 1 || calls[0] != fmt.Sprintf(`approve %d %s "Second site opens in April"`, id, reviewerEmail) {
		t.Errorf("desk calls: %v", calls)
	}
	// The flash shows once.
	wantNotBody(t, td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", id)), "Approved: the request")

	// Unproven mail is never approved: the form is refused before the desk.
	w = td.post(reviewerEmail, caseAt(td.fx.spoofed, "approve"), url.Values{"reason": {"looks fine"}})
	wantBody(t, td.follow(reviewerEmail, w), "This case (auth failed) cannot be approved.")
	if len(td.desk.Calls()) != 1 {
		t.Errorf("desk asked to approve unproven mail: %v", td.desk.Calls())
	}

	// What the desk refuses is shown to staff with its cause.
	td.desk.err = fmt.Errorf("case %d is closed: %w", id, store.ErrAlreadyDecided)
	w = td.post(reviewerEmail, caseAt(td.fx.mismatch, "approve"), url.Values{"reason": {"phoned"}})
	wantBody(t, td.follow(reviewerEmail, w), "Not done: this case is already closed")
	td.desk.err = errors.New("the request still needs review: over the limit")
	w = td.post(reviewerEmail, caseAt(td.fx.mismatch, "approve"), url.Values{"reason": {"phoned"}})
	wantBody(t, td.follow(reviewerEmail, w), "Could not approve: the request still needs review: over the limit")

	wantStatus(t, td.post(reviewerEmail, caseAt(9999, "approve"), url.Values{"reason": {"x"}}), http.StatusNotFound)
	w = td.post(reviewerEmail, caseAt(td.fx.mismatch, "approve"), url.Values{"reason": {strings.Repeat("x", maxReasonLen+1)}})
	wantBody(t, td.follow(reviewerEmail, w), "The note is too long")
}

func TestApproveWithoutANote(t *testing.T) {
	td := newTestDesk(t)
	w := td.post(reviewerEmail, caseAt(td.fx.overLimit, "approve"), url.Values{"reason": {"  "}})
	page := td.follow(reviewerEmail, w)
	wantBody(t, page, "Approved: the request was carried out")
	if calls := td.desk.Calls(); len(calls) != 1 || calls[0] != fmt.Sprintf(`approve %d %s ""`, td.fx.overLimit, reviewerEmail) {
		t.Errorf("desk calls: %v", calls)
	}
}

func TestClosedCaseAndReopen(t *testing.T) {
	td := newTestDesk(t)
	id := td.fx.overLimit
	open := td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", id))
	wantBody(t, open, "waiting", "10 of 10")
	wantNotBody(t, open, "Reopen the case")

	td.post(reviewerEmail, caseAt(id, "refuse"), url.Values{"reason": {"Mark a leaver first"}})
	closed := td.get(reviewerEmail, fmt.Sprintf("/exceptions/%d", id))
	// The outcome first, with who closed it; the live guidance is gone.
	wantBody(t, closed, `<h2 id="outcome">Refused</h2>`, "By <strong>"+reviewerEmail+"</strong>", "Reopen the case")
	wantNotBody(t, closed, "waiting", "10 of 10", "11 of 10")

	w := td.post(reviewerEmail, caseAt(id, "reopen"), url.Values{"note": {"The owner phoned back"}})
	page := td.follow(reviewerEmail, w)
	wantBody(t, page, "Reopened: the case is back in the queue.", reviewerEmail+"</strong> reopen", "The owner phoned back", "waiting")
	wantNotBody(t, page, `id="outcome"`)
	wantBody(t, td.get(reviewerEmail, "/"), fmt.Sprintf(`<a href="/exceptions/%d">`, id))

	// An open case cannot be reopened.
	w = td.post(reviewerEmail, caseAt(id, "reopen"), nil)
	wantBody(t, td.follow(reviewerEmail, w), "Not done: this case is open already.")
}

func TestRefuse(t *testing.T) {
	td := newTestDesk(t)
	w := td.post(reviewerEmail, caseAt(td.fx.mismatch, "refuse"), url.Values{})
	wantBody(t, td.follow(reviewerEmail, w), "Give a reason for refusing")

	w = td.post(reviewerEmail, caseAt(td.fx.mismatch, "refuse"), url.Values{"reason": {"Ask Daniel to call us"}})
	wantBody(t, td.follow(reviewerEmail, w), "Refused: the case is closed and the sender has been told why.")
	w = td.post(reviewerEmail, caseAt(td.fx.spoofed, "refuse"), url.Values{"reason": {"Spoof; the site knows"}})
	wantBody(t, td.follow(reviewerEmail, w), "Closed: nothing was changed.")
	want := []string{
		fmt.Sprintf(`refuse %d %s "Ask Daniel to call us"`, td.fx.mismatch, reviewerEmail),
		fmt.Sprintf(`refuse %d %s "Spoof; the site knows"`, td.fx.spoofed, reviewerEmail),
	}
	if got := td.desk.Calls(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("desk calls %v, want %v", got, want)
	}
}

func TestRerun(t *testing.T) {
	td := newTestDesk(t)
	id := td.fx.mismatch

	// Wrong values come back on the form, each with what is wrong, and reach no one.
	w := td.post(reviewerEmail, caseAt(id, "rerun"), url.Values{"account": {"not an address"}, "mobile": {"0770 090"},
		"requested_by_address": {"amelia.hart@nhs.net"}})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "2 field(s) need correcting", `value="0770 090"`, "not a UK mobile number", "not an email address",
		`<details class="edit" open>`, `aria-invalid="true"`)
	if len(td.desk.Calls()) != 0 {
		t.Fatalf("desk called with bad fields: %v", td.desk.Calls())
	}
	w = td.post(reviewerEmail, caseAt(id, "rerun"), url.Values{"account": {""}, "mobile": {"07700900101"}})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "needed for this request")

	// Good values are normalised as the parser would, over the request as it was.
	w = td.post(reviewerEmail, caseAt(id, "rerun"), url.Values{"account": {" Amelia.Hart@NHS.net "}, "mobile": {"+44 (0) 7700 900101"},
		"ods": {"fq7k2"}, "requested_by_name": {"Amelia  Hart"}, "requested_by_address": {"amelia.hart@nhs.net"}})
	wantBody(t, td.follow(reviewerEmail, w), "Re-run with your changes")
	e := td.desk.edited
	if e.Account != "amelia.hart@nhs.net" || e.Mobile != "07700900101" || e.ODS != "FQ7K2" || e.Word != "Password reset" ||
		e.RequestedBy == nil || e.RequestedBy.Name != "Amelia Hart" || e.Type != "password_reset" {
		t.Errorf("edited request: %+v %+v", e, e.RequestedBy)
	}
	if calls := td.desk.Calls(); len(calls) != 1 || calls[0] != fmt.Sprintf("rerun %d %s", id, reviewerEmail) {
		t.Errorf("desk calls: %v", calls)
	}

	// A case about a whole message has no request to edit.
	w = td.post(reviewerEmail, caseAt(td.fx.spoofed, "rerun"), url.Values{"account": {"a@nhs.net"}})
	wantBody(t, td.follow(reviewerEmail, w), "there is no request to edit")
}

func TestReparse(t *testing.T) {
	td := newTestDesk(t)
	w := td.post(reviewerEmail, caseAt(td.fx.unreadable, "reparse"), nil)
	wantBody(t, td.follow(reviewerEmail, w), "Parsed again and decided afresh")
	if calls := td.desk.Calls(); len(calls) != 1 || calls[0] != fmt.Sprintf("reparse message %d %s", td.fx.unreadableMsg, reviewerEmail) {
		t.Errorf("desk calls: %v", calls)
	}
	for _, id := range []int64{td.fx.overLimit, td.fx.closed} {
		w = td.post(reviewerEmail, caseAt(id, "reparse"), nil)
		wantBody(t, td.follow(reviewerEmail, w), "Only an open case of unreadable mail can be parsed again.")
	}
	if len(td.desk.Calls()) != 1 {
		t.Errorf("desk asked to re-parse readable mail: %v", td.desk.Calls())
	}
}

func TestAssignAndNote(t *testing.T) {
	td := newTestDesk(t)
	id := td.fx.overLimit
	w := td.post(reviewerEmail, caseAt(id, "assign"), url.Values{"to": {"me"}})
	page := td.follow(reviewerEmail, w)
	wantBody(t, page, "Assigned to you.", "assigned to <strong>"+reviewerEmail+"</strong>", "Unassign me",
		reviewerEmail+"</strong> assign")
	wantBody(t, td.get(reviewerEmail, "/?assignee=me"), fmt.Sprintf(`<a href="/exceptions/%d">`, id))

	w = td.post(reviewerEmail, caseAt(id, "note"), url.Values{"note": {"Phoned Rachel <b>: a second pharmacist starts soon."}})
	page = td.follow(reviewerEmail, w)
	wantBody(t, page, "Note added.", reviewerEmail+"</strong> note", "Phoned Rachel &lt;b&gt;: a second pharmacist")

	w = td.post(reviewerEmail, caseAt(id, "note"), url.Values{"note": {""}})
	wantBody(t, td.follow(reviewerEmail, w), "The note is empty.")

	w = td.post(reviewerEmail, caseAt(id, "assign"), url.Values{"to": {"nobody"}})
	wantBody(t, td.follow(reviewerEmail, w), "Nobody has this case now.", "not assigned")

	// A closed case cannot be taken, but can take a note.
	w = td.post(reviewerEmail, caseAt(td.fx.closed, "assign"), url.Values{"to": {"me"}})
	wantBody(t, td.follow(reviewerEmail, w), "Not done: this case is already closed")
	w = td.post(reviewerEmail, caseAt(td.fx.closed, "note"), url.Values{"note": {"for the record"}})
	wantBody(t, td.follow(reviewerEmail, w), "Note added.", "for the record")

	h, err := td.st.History(t.Context(), store.Tag(td.fx.overLimitMsg))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range h {
		got = append(got, a.Actor+" "+a.Action)
	}
	want := fmt.Sprintf("[%[1]s assign %[1]s note %[1]s unassign]", reviewerEmail)
	if fmt.Sprint(got) != want {
		t.Errorf("history %v, want %s", got, want)
	}
}

func TestReleaseAndDropReplies(t *testing.T) {
	td := newTestDesk(t)
	back := fmt.Sprintf("/exceptions/%d", td.fx.unreadable)
	w := td.post(adminEmail, fmt.Sprintf("/replies/%d/release", td.fx.parkedReply), url.Values{"back": {back}})
	if w.Header().Get("Location") != back {
		t.Errorf("redirect to %q, want back to the case", w.Header().Get("Location"))
	}
	wantBody(t, td.follow(adminEmail, w), "Released: the reply goes out")
	w = td.post(adminEmail, fmt.Sprintf("/replies/%d/drop", td.fx.parkedReply), url.Values{"back": {"https://evil.example/"}})
	if w.Header().Get("Location") != "/replies" {
		t.Errorf("redirect to %q: a form must not send staff off the desk", w.Header().Get("Location"))
	}
	wantBody(t, td.follow(adminEmail, w), "Dropped: the reply will not be sent.")
	want := []string{fmt.Sprintf("release %d %s", td.fx.parkedReply, adminEmail), fmt.Sprintf("drop %d %s", td.fx.parkedReply, adminEmail)}
	if got := td.desk.Calls(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("desk calls %v, want %v", got, want)
	}

	// A reply that is not parked is left alone.
	w = td.post(adminEmail, fmt.Sprintf("/replies/%d/release", td.fx.sentReply), nil)
	wantBody(t, td.follow(adminEmail, w), "Not done: that reply is not parked (it is pending).")
	wantStatus(t, td.post(adminEmail, "/replies/9999/release", nil), http.StatusNotFound)
	if len(td.desk.Calls()) != 2 {
		t.Errorf("desk calls: %v", td.desk.Calls())
	}
}
