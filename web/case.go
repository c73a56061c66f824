package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"nasbot/domain"
	"nasbot/handlers"
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

// ruleFacts is the directory state a rule looked at, as it stands now.
type ruleFacts struct {
	Lines    []factLine
	Accounts []domain.Account // the site's accounts, when the rule counted or read them
	Counting int
	Limit    int
	ODS      string
}

type factLine struct {
	Label, Value, Link string
	Bad                bool
}

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

// facts reads the directory state that the rule behind reason looks at, as it is now.
func (s *server) facts(r *http.Request, reason string, q domain.Request, siteODS string) (*ruleFacts, error) {
	ff := factFinder{s: s, ctx: r.Context(), f: &ruleFacts{Limit: handlers.SiteAccountLimit, ODS: siteODS}}
	var err error
	switch domain.Reason(reason) {
	case domain.SiteAccountLimit:
		err = ff.limit()
	case domain.MobileMismatch:
		err = ff.mobileOnRecord(q)
	case domain.MobileInUse, domain.MobileInvalid:
		err = ff.mobileHolder(q.Mobile)
	case domain.NewMailboxReview, domain.AddressInUse:
		err = s.registerFacts(r, ff.f, q, siteODS)
	case domain.ODSUnknown:
		err = ff.odsCode(q.ODS)
	case domain.LastOwner, domain.NotOwner:
		err = ff.siteAccounts()
		if err == nil && q.RequestedBy != nil {
			err = ff.account("Requested by", q.RequestedBy.Address)
		}
	default:
		err = ff.account("Account", q.Account)
	}
	if err != nil {
		return nil, err
	}
	return ff.f, nil
}

// factFinder looks up, for one case, the directory rows staff need beside the rule that stopped
// it, and writes them as lines.
type factFinder struct {
	s   *server
	ctx context.Context
	f   *ruleFacts
}

func (ff factFinder) line(l factLine) { ff.f.Lines = append(ff.f.Lines, l) }

// account adds the account at address, or says it is not in the directory.
func (ff factFinder) account(label, address string) error {
	if address == "" {
		return nil
	}
	a, err := ff.s.store.Account(ff.ctx, address)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ff.line(factLine{Label: label, Value: address + ": not in the directory", Bad: true})
	case err != nil:
		return err
	default:
		ff.line(factLine{Label: label, Link: "/accounts/" + a.Address,
			Value: fmt.Sprintf("%s, %s, %s at %s, role %s, mobile %s", a.Address, a.Name, a.Status, a.ODS, a.Role, a.Mobile)})
	}
	return nil
}

// siteAccounts lists the site's accounts and counts those that take a place.
func (ff factFinder) siteAccounts() error {
	if ff.f.ODS == "" {
		return nil
	}
	as, err := ff.s.store.SiteAccounts(ff.ctx, ff.f.ODS)
	if err != nil {
		return err
	}
	ff.f.Accounts = as
	for _, a := range as {
		if a.CountsTowardsLimit() {
			ff.f.Counting++
		}
	}
	return nil
}

// limit says how full the site is, and how full the request would make it.
func (ff factFinder) limit() error {
	if err := ff.siteAccounts(); err != nil {
		return err
	}
	ff.line(factLine{Label: "Accounts counting towards the limit",
		Value: fmt.Sprintf("%d of %d (leavers do not count); this request makes %d", ff.f.Counting, ff.f.Limit, ff.f.Counting+1),
		Bad:   ff.f.Counting >= ff.f.Limit})
	return nil
}

// mobileOnRecord puts the number on record beside the one the owner confirmed.
func (ff factFinder) mobileOnRecord(q domain.Request) error {
	a, err := ff.s.store.Account(ff.ctx, q.Account)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ff.line(factLine{Label: "Account", Value: q.Account + ": not in the directory", Bad: true})
	case err != nil:
		return err
	default:
		ff.line(factLine{Label: "Number on record", Value: a.Mobile + " (" + a.Address + ")", Link: "/accounts/" + a.Address})
		ff.line(factLine{Label: "Number the owner confirmed", Value: q.Mobile, Bad: q.Mobile != a.Mobile})
	}
	return nil
}

// mobileHolder says which account holds the mobile number, if any.
func (ff factFinder) mobileHolder(mobile string) error {
	if mobile == "" {
		return nil
	}
	a, err := ff.s.store.AccountByMobile(ff.ctx, mobile)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ff.line(factLine{Label: "Mobile " + mobile, Value: "held by no account"})
	case err != nil:
		return err
	default:
		ff.line(factLine{Label: "Mobile " + mobile, Bad: true, Link: "/accounts/" + a.Address,
			Value: fmt.Sprintf("held by %s (%s, %s at %s)", a.Address, a.Name, a.Status, a.ODS)})
	}
	return nil
}

// odsCode says whether the code has reached the directory since.
func (ff factFinder) odsCode(ods string) error {
	o, err := ff.s.store.Organisation(ff.ctx, ods)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ff.line(factLine{Label: "ODS code " + ods, Value: "not in the directory", Bad: true})
	case err != nil:
		return err
	default:
		ff.line(factLine{Label: "ODS code " + ods, Link: "/organisations/" + o.ODS,
			Value: fmt.Sprintf("now in the directory: %s (%s), mailbox %q", o.DisplayName(), o.Sector, o.Mailbox)})
	}
	return nil
}

// registerFacts puts side by side what staff compare before a new shared mailbox is made
// (docs/spec/rules.md "Safety rules added after review"): the site that asks, the new code's directory row,
// the first owner, and who holds the new mailbox's address if anyone does.
func (s *server) registerFacts(r *http.Request, f *ruleFacts, q domain.Request, siteODS string) error {
	ctx := r.Context()
	orgLine := func(label, ods string) (domain.Organisation, error) {
		o, err := s.store.Organisation(ctx, ods)
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.Lines = append(f.Lines, factLine{Label: label, Value: ods + ": not in the directory", Bad: true})
			return o, nil
		case err != nil:
			return o, err
		}
		mailbox := o.Mailbox
		if mailbox == "" {
			mailbox = "no shared mailbox yet"
		}
		f.Lines = append(f.Lines, factLine{Label: label, Link: "/organisations/" + o.ODS,
			Value: fmt.Sprintf("%s: %s (%s), %s, %s", o.ODS, o.DisplayName(), o.Sector, mailbox, o.Status),
			Bad:   o.Status == domain.StatusClosed})
		return o, nil
	}
	// The desk has no domain setting: the requesting site's mailbox gives it.
	mailDomain := "nhs.net"
	if siteODS != "" {
		site, err := orgLine("Requesting site", siteODS)
		if err != nil {
			return err
		}
		if _, d, ok := strings.Cut(site.Mailbox, "@"); ok {
			mailDomain = d
		}
	}
	if _, err := orgLine("New code in the directory", q.ODS); err != nil {
		return err
	}
	f.Lines = append(f.Lines, factLine{Label: "Asked for",
		Value: fmt.Sprintf("%s, %s (%s)", q.OrganisationName, q.Town, q.Sector)})
	owner := fmt.Sprintf("%s, mobile %s, email %s", q.Name, q.Mobile, q.Email)
	if q.RequestedBy != nil {
		owner += ", requested by " + q.RequestedBy.Address
	}
	f.Lines = append(f.Lines, factLine{Label: "First owner", Value: owner})
	if q.Mobile != "" {
		a, err := s.store.AccountByMobile(ctx, q.Mobile)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			f.Lines = append(f.Lines, factLine{Label: "First owner's mobile", Bad: true, Link: "/accounts/" + a.Address,
				Value: fmt.Sprintf("already held by %s (%s, %s at %s)", a.Address, a.Name, a.Status, a.ODS)})
		}
	}
	if q.Sector != "" && q.ODS != "" {
		address := string(q.Sector) + "." + strings.ToLower(q.ODS) + "@" + mailDomain
		a, err := s.store.Account(ctx, address)
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.Lines = append(f.Lines, factLine{Label: "Address " + address, Value: "held by no account or alias"})
		case err != nil:
			return err
		default:
			f.Lines = append(f.Lines, factLine{Label: "Address " + address, Bad: true, Link: "/accounts/" + a.Address,
				Value: fmt.Sprintf("held by the account %s (%s, %s at %s)", a.Address, a.Name, a.Status, a.ODS)})
		}
	}
	return nil
}

// messageFor loads the stored message the path's {id} names, answering 404 or 500 itself.
func (s *server) messageFor(w http.ResponseWriter, r *http.Request) (store.StoredMessage, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.fail(w, r, http.StatusNotFound, "There is no such message.")
		return store.StoredMessage{}, false
	}
	m, err := s.store.Message(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "There is no such message.")
		return m, false
	} else if err != nil {
		s.serverError(w, r, err)
		return m, false
	}
	return m, true
}

func (s *server) rawMessage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	if m, ok := s.messageFor(w, r); ok {
		download(w, m.Tag()+".eml", m.Raw)
	}
}

func (s *server) attachment(w http.ResponseWriter, r *http.Request, me *store.Session) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		s.fail(w, r, http.StatusNotFound, "There is no such attachment.")
		return
	}
	m, ok := s.messageFor(w, r)
	if !ok {
		return
	}
	atts := parser.Parse(m.Raw, parser.Options{}).Attachments
	if n > len(atts) {
		s.fail(w, r, http.StatusNotFound, "There is no such attachment.")
		return
	}
	download(w, attachmentName(atts[n-1], n), atts[n-1].Data)
}

// download sends bytes from a sender as a file to save, never to show: a browser neither
// renders nor sniffs it, and the sandbox CSP stops it acting even if opened.
func download(w http.ResponseWriter, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": safeFilename(name)}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// safeFilename keeps a file name's letters, digits and a few marks, and drops any path.
func safeFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == ' ':
			b.WriteRune(r)
		case r > 127 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	out := strings.Trim(b.String(), ". ")
	if out == "" {
		return "attachment"
	}
	if rs := []rune(out); len(rs) > 120 {
		out = string(rs[:120])
	}
	return out
}

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
