package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"nasbot/domain"
	"nasbot/parser"
	"nasbot/store"
)

// Every received message has a page at /messages/NAS-000123, processed or not: what was sent,
// who sent it in words, every request with its outcome, the replies and the history. And one
// search box, in every page's header, finds messages and directory entries.

type messageData struct {
	Message messageView
	Site    *domain.Organisation
	Reqs    []requestView
	Replies []store.ReplyRow
	Cases   []store.QueueItem
	History []store.AuditRow
	Decided bool
	// Answerable: a proven sender the desk may write to and act for.
	Answerable bool
}

// messagePage shows one message by its reference (NAS-000123) or its number.
func (s *server) messagePage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	ref := r.PathValue("ref")
	id, ok := store.ParseTag(ref)
	if !ok {
		n, err := strconv.ParseInt(ref, 10, 64)
		id, ok = n, err == nil && n > 0
	}
	if !ok {
		s.fail(w, r, http.StatusNotFound, "That is not a NAS reference: they look like NAS-000123.")
		return
	}
	d, err := s.loadMessagePage(r, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "No message has the reference "+store.Tag(id)+".")
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "message", me, d.Message.Tag+" · "+subjectOrNone(d.Message.Stored.Subject), "search", d)
}

func (s *server) loadMessagePage(r *http.Request, id int64) (*messageData, error) {
	ctx := r.Context()
	m, err := s.store.Message(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &messageData{Message: viewMessage(m), Decided: m.State == store.MessageDone}
	switch domain.Verdict(m.Verdict) {
	case "", domain.Unverified, domain.Ignored:
	default:
		d.Answerable = d.Decided && m.Sender != ""
	}
	if m.ODS != "" {
		if org, err := s.store.Organisation(ctx, m.ODS); err == nil {
			d.Site = &org
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	rows, err := s.store.MessageRequests(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		rv := requestView{Row: row, Reasons: reasonStrings(store.SplitReasons(row.Reasons))}
		if err := json.Unmarshal([]byte(row.Fields), &rv.Req); err != nil {
			rv.Fields = []fieldView{{"Fields", row.Fields}}
		} else {
			rv.Fields = requestFields(rv.Req)
		}
		if row.Account != "" {
			rv.Fields = withoutAccount(rv.Fields) // the decided account follows, as a link
		}
		d.Reqs = append(d.Reqs, rv)
	}
	if d.Replies, err = s.store.MessageReplies(ctx, id); err != nil {
		return nil, err
	}
	if d.Cases, err = s.store.MessageExceptions(ctx, id); err != nil {
		return nil, err
	}
	subjects := []string{m.Tag()}
	for _, rp := range d.Replies {
		subjects = append(subjects, fmt.Sprintf("outbox %d", rp.ID))
	}
	if d.History, err = s.store.History(ctx, subjects...); err != nil {
		return nil, err
	}
	return d, nil
}

func subjectOrNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(no subject)"
	}
	return s
}

type searchData struct {
	Q         string
	Messages  []store.MessageHit
	Directory store.DirectoryHits
	Unindexed int // decided messages the search cannot find yet (after an upgrade)
}

// indexPerSearch bounds the messages one search adds to the index before it answers: a few
// normally, and after an upgrade the index catches up over several searches, each quick.
const indexPerSearch = 2000

// searchLimit is how many messages, and how many directory entries of each kind, a search shows.
const searchLimit = 50

// searchPage finds messages and directory entries. A reference goes straight to its message.
func (s *server) searchPage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	if id, ok := store.ParseTag(q); ok {
		redirect(w, r, "/messages/"+store.Tag(id))
		return
	}
	d := searchData{Q: q}
	if q != "" {
		// Mail decided since the last search joins the index first (a few at a time, normally).
		if _, err := s.store.IndexPending(ctx, SearchText, indexPerSearch); err != nil {
			s.serverError(w, r, err)
			return
		}
		var err error
		if d.Unindexed, err = s.store.UnindexedMessages(ctx); err != nil {
			s.serverError(w, r, err)
			return
		}
		if d.Messages, err = s.store.SearchMessages(ctx, q, searchLimit); err != nil {
			s.serverError(w, r, err)
			return
		}
		if d.Directory, err = s.store.SearchDirectory(ctx, q, searchLimit); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	title := "Search"
	if q != "" {
		title = "Search: " + q
	}
	s.render(w, r, http.StatusOK, "search", me, title, "search", d)
}

// searchTextLimit bounds the text indexed per message: requests sit at the top of a mail.
const searchTextLimit = 8 << 10

// SearchText is the decoded text of a raw message, for the search index (the store cannot
// parse mail itself).
func SearchText(raw []byte) string {
	t := parser.Parse(raw, parser.Options{}).Text
	if len(t) > searchTextLimit {
		t = t[:searchTextLimit]
		for !utf8.ValidString(t) {
			t = t[:len(t)-1]
		}
	}
	return t
}

// directoryLookup sends a lookup to its one page when it names one exactly (an ODS code, an
// account's address or alias, a shared mailbox), and to the search otherwise.
func (s *server) directoryLookup(w http.ResponseWriter, r *http.Request, me *store.Session) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		redirect(w, r, "/")
		return
	}
	if strings.Contains(q, "@") {
		if a, err := s.store.Account(ctx, q); err == nil {
			redirect(w, r, "/accounts/"+url.PathEscape(a.Address))
			return
		}
	} else if org, err := s.store.Organisation(ctx, q); err == nil {
		redirect(w, r, "/organisations/"+url.PathEscape(org.ODS))
		return
	}
	hits, err := s.store.SearchDirectory(ctx, q, 2)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(hits.Organisations) == 1 && len(hits.Accounts) == 0 {
		redirect(w, r, "/organisations/"+url.PathEscape(hits.Organisations[0].ODS))
		return
	}
	redirect(w, r, "/search?q="+url.QueryEscape(q))
}

// verificationWords says in plain words what the proof of the sender found.
func verificationWords(v messageView) string {
	switch {
	case v.ProofUnknown:
		return "Not checked yet: the message has not been decided."
	case v.Proof.Verified:
		return "Proven: the mail really came from " + v.Proof.From + "."
	case v.Proof.Failure != "":
		return "Not proven: " + v.Proof.Failure
	}
	return "Not proven."
}

// tagColour is the design system's tag colour for an outcome.
func tagColour(o string) string {
	switch domain.Outcome(o) {
	case domain.Done:
		return "nhsuk-tag--green"
	case domain.Rejected:
		return "nhsuk-tag--red"
	case domain.Review:
		return "nhsuk-tag--yellow"
	}
	return "nhsuk-tag--grey"
}
