package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/parser"
	"nasbot/store"
)

// The case page: one exception, with everything a member of staff needs to decide it on one
// screen: why it stopped and the directory state the rule looked at, the actions, the parsed
// requests, the original message as text, the proof of the sender, the replies and the history.

type caseData struct {
	Exc     store.QueueItem
	Overdue bool
	Reason  string
	Site    *domain.Organisation
	Message messageView
	Others  []store.QueueItem // other exceptions about the same message
	Reqs    []requestView
	Replies []store.ReplyRow
	History []store.AuditRow
	Edit    *editForm

	Open, CanApprove, CanRerun, CanReparse, Mine bool
	// Closing is how a closed case ended: what was decided, by whom, when.
	Closing *closingView
}

// closingView is a closed case's outcome, from the history line that closed it.
type closingView struct {
	Word  string // Approved, Refused, Closed…
	Actor string
	At    time.Time
	Note  string
}

// closingWords are the history actions that close a case, as the closed case's header says them.
var closingWords = map[string]string{
	"approve":       "Approved",
	"refuse":        "Refused",
	"rerun":         "Re-run with corrected fields",
	"close":         "Closed",
	"reparse":       "Parsed again",
	"release reply": "Reply sent",
	"drop reply":    "Reply dropped",
}

// closing finds the last history line that closed the case, if it is closed.
func closing(d *caseData) *closingView {
	if d.Open {
		return nil
	}
	for i := len(d.History) - 1; i >= 0; i-- {
		h := d.History[i]
		if w, ok := closingWords[h.Action]; ok {
			return &closingView{Word: w, Actor: h.Actor, At: h.At, Note: h.Detail}
		}
	}
	return &closingView{Word: "Closed"}
}

type messageView struct {
	Stored       store.StoredMessage
	Tag          string
	Headers      []domain.HeaderField // the whole header, top to bottom
	Main         []domain.HeaderField // From, To, Cc, Reply-To, Subject, Date, Message-ID
	Text         string
	Attachments  []attachmentView
	Proof        domain.Verification
	ProofRaw     string
	ProofUnknown bool
	TooLarge     bool
}

type attachmentView struct {
	N           int
	Name        string
	ContentType string
	Size        int
}

type requestView struct {
	Row     store.RequestRow
	Req     domain.Request
	Reasons []string
	Fields  []fieldView
	This    bool // the request this case is about
	Facts   *ruleFacts
}

type fieldView struct{ Label, Value string }

func (s *server) casePage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	id, ok := pathID(r, "id")
	if !ok {
		s.fail(w, r, http.StatusNotFound, "There is no such case.")
		return
	}
	d, err := s.loadCase(r, id, me)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("There is no case %d.", id))
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Edit != nil {
		d.Edit.fill(d.thisRequest())
	}
	s.render(w, r, http.StatusOK, "case", me, d.Exc.Tag()+" · "+reasonLabel(d.Exc.Reason), "queue", d)
}

// showCaseWithEdit shows the case again with the staff member's edits and what is wrong with
// them, instead of losing what they typed.
func (s *server) showCaseWithEdit(w http.ResponseWriter, r *http.Request, me *store.Session, id int64, form *editForm) {
	d, err := s.loadCase(r, id, me)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Edit != nil {
		d.Edit = form
		d.Edit.Open = true
	}
	s.render(w, r, http.StatusUnprocessableEntity, "case", me, d.Exc.Tag()+" · "+reasonLabel(d.Exc.Reason), "queue", d)
}

func (d *caseData) thisRequest() domain.Request {
	for _, rv := range d.Reqs {
		if rv.This {
			return rv.Req
		}
	}
	return domain.Request{}
}

func (s *server) loadCase(r *http.Request, id int64, me *store.Session) (*caseData, error) {
	f, err := s.store.CaseFile(r.Context(), id)
	if err != nil {
		return nil, err
	}
	exc := f.Case
	d := &caseData{Exc: exc, Reason: exc.Reason, Open: exc.State == store.ExceptionOpen, Mine: exc.Assignee == me.Staff,
		Site: f.Site, Others: f.Others, Replies: f.Replies, History: f.History}
	d.Overdue = d.Open && s.overdue(exc.CreatedAt)
	// A case no message caused (a lifecycle report, a failed text) has only its detail and
	// history: no message, requests or replies, and nothing to approve, re-run or re-parse.
	if f.Message != nil {
		if err := s.loadMessage(r, d, f); err != nil {
			return nil, err
		}
	}
	d.Closing = closing(d)
	return d, nil
}

// loadMessage adds what the case's message holds: the message itself, its requests with the
// rule's facts, and the actions they allow.
func (s *server) loadMessage(r *http.Request, d *caseData, f store.CaseFile) error {
	exc := d.Exc
	d.Message = viewMessage(*f.Message)
	for _, row := range f.Requests {
		rv, err := s.caseRequest(r, d, row)
		if err != nil {
			return err
		}
		d.Reqs = append(d.Reqs, rv)
	}
	hasRequest := exc.RequestRef != nil
	d.CanApprove = d.Open && hasRequest && canApprove(exc.Reason)
	d.CanRerun = d.Open && hasRequest
	d.CanReparse = d.Open && f.Message.Verdict == string(domain.Unparseable) && exc.Reason == reasonUnparseable
	if d.CanRerun {
		d.Edit = newEditForm(requestTypeOf(d))
	}
	return nil
}

// caseRequest shows one request of the case's message: its fields as the parser read them, and,
// while the case is open, the facts beside the rule that stopped it.
func (s *server) caseRequest(r *http.Request, d *caseData, row store.RequestRow) (requestView, error) {
	exc := d.Exc
	rv := requestView{Row: row, Reasons: reasonStrings(store.SplitReasons(row.Reasons))}
	if err := json.Unmarshal([]byte(row.Fields), &rv.Req); err != nil {
		rv.Fields = []fieldView{{"fields", row.Fields}}
	} else {
		rv.Fields = requestFields(rv.Req)
	}
	if row.Account != "" {
		rv.Fields = withoutAccount(rv.Fields) // the decided account follows, as a link
	}
	rv.This = exc.RequestRef != nil && *exc.RequestRef == row.ID
	// The rule's facts are live guidance: only an open case shows them.
	if !d.Open || !rv.This && row.Outcome != string(domain.Review) {
		return rv, nil
	}
	reason := exc.Reason
	if !rv.This && len(rv.Reasons) > 0 {
		reason = rv.Reasons[0]
	}
	var err error
	rv.Facts, err = s.facts(r, reason, rv.Req, exc.ODS)
	return rv, err
}

func requestTypeOf(d *caseData) domain.RequestType {
	for _, rv := range d.Reqs {
		if rv.This {
			return rv.Req.Type
		}
	}
	return domain.RequestType(d.Exc.RequestType)
}

// viewMessage reads a stored message for showing as text: never the sender's HTML.
func viewMessage(m store.StoredMessage) messageView {
	v := messageView{Stored: m, Tag: m.Tag()}
	parsed := parser.Parse(m.Raw, parser.Options{})
	v.TooLarge = parsed.Refusal == domain.TooLarge
	v.Headers = parsed.Envelope.Headers
	for _, want := range []string{"From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-Id"} {
		for _, h := range v.Headers {
			if strings.EqualFold(h.Key, want) {
				v.Main = append(v.Main, h)
			}
		}
	}
	v.Text = parsed.Text
	for i, a := range parsed.Attachments {
		v.Attachments = append(v.Attachments, attachmentView{N: i + 1, Name: attachmentName(a, i+1),
			ContentType: a.ContentType, Size: len(a.Data)})
	}
	v.ProofRaw = m.Verification
	if m.Verification == "" || json.Unmarshal([]byte(m.Verification), &v.Proof) != nil {
		v.ProofUnknown = true
	}
	return v
}

func attachmentName(a domain.Attachment, n int) string {
	if name := strings.TrimSpace(a.Filename); name != "" {
		return name
	}
	return fmt.Sprintf("attachment-%d", n)
}

// withoutAccount drops the Account field, which the decided account's link replaces.
func withoutAccount(fs []fieldView) []fieldView {
	out := fs[:0:0]
	for _, f := range fs {
		if f.Label != "Account" {
			out = append(out, f)
		}
	}
	return out
}

// requestFields lists a parsed request's values for showing, in the guide's order.
func requestFields(q domain.Request) []fieldView {
	var out []fieldView
	add := func(label, v string) {
		if v != "" {
			out = append(out, fieldView{label, v})
		}
	}
	add("Request", q.Word)
	add("Name", q.Name)
	add("Mobile", q.Mobile)
	add("Email", q.Email)
	add("Account", q.Account)
	add("Linked", yesNo(q.Linked))
	add("Role", string(q.Role))
	add("Leaving profession", yesNo(q.LeavingProfession))
	add("New name", q.NewName)
	add("ODS code", q.ODS)
	add("Sector", string(q.Sector))
	add("Organisation name", q.OrganisationName)
	add("Town", q.Town)
	add("Close reason", q.CloseReason)
	if p := q.RequestedBy; p != nil {
		add("Requested by", strings.TrimSpace(p.Name+" <"+p.Address+">"))
	}
	if len(q.Unused) > 0 {
		add("Fields not used", strings.Join(q.Unused, ", "))
	}
	for _, p := range q.Problems {
		add("Problem", fmt.Sprintf("%s %s: %s", p.Reason, p.Field, p.Detail))
	}
	return out
}

// pathID is the path's {name} as a positive number.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

func reasonStrings(rs []domain.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func reasonLabel(r string) string { return strings.ReplaceAll(r, "_", " ") }
