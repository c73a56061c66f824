package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"nasbot/domain"
	"nasbot/parser"
	"nasbot/pipeline"
	"nasbot/store"
)

// Helping people from a message page: a reply to the sender written by staff, and a request
// made from the mail on the site's behalf (a free-text "please add our new locum Jane").

const maxReplyLen = 20000

// starters are the texts a staff reply starts from; staff edit them freely.
var starters = []struct{ Key, Label, Text string }{
	{"format", "How to write a request", "Hello,\n\nThank you for your email. We could not find a request in it that we can act on. " +
		"Please send each request in this form, one after another, for example:\n\n" +
		"Request: Add user\nName: Jane Smith\nMobile: 07700 900123\nEmail: jane.smith@example.com\nLinked: Yes\n\n" +
		"Requested by: your name (your NHSmail address)\n\n"},
	{"more", "We need more information", "Hello,\n\nThank you for your email. To do this we need a little more: " +
		"the person's full name, their UK mobile number and their current email address.\n\n"},
	{"done", "We have done it", "Hello,\n\nThank you for your email. We have made the change you asked for.\n\n"},
	{"blank", "Blank", "Hello,\n\n\n\n"},
}

const signOff = "Kind regards,\nNHSmail National Administration Service\n"

type composeData struct {
	Message  messageView
	To       string
	Subject  string
	Starters []struct{ Key, Label, Text string }
	Start    string
	Text     string
	Error    string
}

// messageByRef loads the message a helping page is about; it answers 404 itself when none.
func (s *server) messageByRef(w http.ResponseWriter, r *http.Request) (store.StoredMessage, bool) {
	id, ok := store.ParseTag(r.PathValue("ref"))
	if !ok {
		s.fail(w, r, http.StatusNotFound, "That is not a NAS reference: they look like NAS-000123.")
		return store.StoredMessage{}, false
	}
	m, err := s.store.Message(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "No message has the reference "+store.Tag(id)+".")
		return m, false
	} else if err != nil {
		s.serverError(w, r, err)
		return m, false
	}
	return m, true
}

func messageURL(m store.StoredMessage) string { return "/messages/" + m.Tag() }

// quote is the original text as a reply quotes it.
func quote(m messageView) string {
	var b strings.Builder
	from := m.Stored.Sender
	fmt.Fprintf(&b, "On %s, %s wrote:\n", m.Stored.ReceivedAt.UTC().Format("2 Jan 2006 15:04"), from)
	lines := strings.Split(strings.TrimRight(m.Text, "\n"), "\n")
	if len(lines) > 60 {
		lines = append(lines[:60], "[…]")
	}
	for _, l := range lines {
		b.WriteString("> " + l + "\n")
	}
	return b.String()
}

func (s *server) composePage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	m, ok := s.messageByRef(w, r)
	if !ok {
		return
	}
	d := composeData{Message: viewMessage(m), To: m.Sender, Subject: "Re: " + subjectOrNone(m.Subject) + " [" + m.Tag() + "]",
		Starters: starters, Start: r.URL.Query().Get("start")}
	text := starters[0].Text
	for _, st := range starters {
		if st.Key == d.Start {
			text = st.Text
		}
	}
	if d.Start == "" {
		d.Start = starters[0].Key
	}
	d.Text = text + signOff + "\n" + quote(d.Message)
	s.render(w, r, http.StatusOK, "compose", me, "Reply to "+m.Sender, "search", d)
}

func (s *server) composeSend(w http.ResponseWriter, r *http.Request, me *store.Session) {
	m, ok := s.messageByRef(w, r)
	if !ok {
		return
	}
	text := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n"))
	fail := ""
	switch {
	case text == "":
		fail = "Write the reply: it is empty."
	case utf8.RuneCountInString(text) > maxReplyLen:
		fail = fmt.Sprintf("The reply is too long (at most %d characters).", maxReplyLen)
	}
	if fail == "" {
		_, err := s.desk.StaffReply(r.Context(), m.ID, me.Staff, text+"\n")
		if err == nil {
			s.flash(r, me, "ok", "Reply queued to "+m.Sender+", threaded under "+m.Tag()+".")
			redirect(w, r, messageURL(m))
			return
		}
		if !errors.Is(err, pipeline.ErrNotAnswerable) {
			s.serverError(w, r, err)
			return
		}
		fail = "Not sent: " + err.Error() + "."
	}
	d := composeData{Message: viewMessage(m), To: m.Sender, Subject: "Re: " + subjectOrNone(m.Subject) + " [" + m.Tag() + "]",
		Starters: starters, Text: text, Error: fail}
	s.render(w, r, http.StatusUnprocessableEntity, "compose", me, "Reply to "+m.Sender, "search", d)
}

type onBehalfData struct {
	Message messageView
	Type    domain.RequestType
	Types   []typeOption
	Form    *editForm
	Error   string
}

type typeOption struct {
	Value, Label string
	Selected     bool
}

// behalfTypes are the requests staff can make from a mail: every editable type.
func behalfTypes(current domain.RequestType) []typeOption {
	var out []typeOption
	for _, t := range []domain.RequestType{domain.AddUser, domain.Leaver, domain.Joiner, domain.AddToMailbox,
		domain.RemoveFromMailbox, domain.ChangeRole, domain.ChangeName, domain.PasswordReset, domain.CloseMailbox, domain.RegisterMailbox} {
		out = append(out, typeOption{Value: string(t), Label: domain.RequestName(t), Selected: t == current})
	}
	return out
}

// guess is what the parser found of a request of type t in the message, to start the form from.
func guess(m store.StoredMessage, t domain.RequestType) domain.Request {
	for _, q := range parser.Parse(m.Raw, parser.Options{}).Requests {
		if q.Type == t {
			return q
		}
	}
	return domain.Request{Type: t}
}

func requestTypeParam(v string) domain.RequestType {
	t := domain.RequestType(v)
	if _, ok := editable(t); !ok {
		return domain.AddUser
	}
	return t
}

func (s *server) onBehalfPage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	m, ok := s.messageByRef(w, r)
	if !ok {
		return
	}
	t := requestTypeParam(r.URL.Query().Get("type"))
	d := onBehalfData{Message: viewMessage(m), Type: t, Types: behalfTypes(t), Form: newEditForm(t)}
	d.Form.fill(guess(m, t))
	s.render(w, r, http.StatusOK, "onbehalf", me, "Make a request from "+m.Tag(), "search", d)
}

func (s *server) onBehalfSubmit(w http.ResponseWriter, r *http.Request, me *store.Session) {
	m, ok := s.messageByRef(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	t := requestTypeParam(r.PostForm.Get("type"))
	d := onBehalfData{Message: viewMessage(m), Type: t, Types: behalfTypes(t), Form: newEditForm(t)}
	req := d.Form.parse(domain.Request{Type: t, Word: domain.RequestName(t)}, r.PostForm)
	if d.Form.Errors == 0 {
		dec, err := s.desk.RequestOnBehalf(r.Context(), m.ID, me.Staff, req)
		if err == nil {
			s.flash(r, me, "ok", fmt.Sprintf("%s made for the sender: %s. %s The sender has been answered.",
				domain.RequestName(t), domain.OutcomeWord(dec.Outcome), dec.Summary))
			redirect(w, r, messageURL(m))
			return
		}
		if !errors.Is(err, pipeline.ErrNotAnswerable) && !errors.Is(err, pipeline.ErrNotASite) {
			s.serverError(w, r, err)
			return
		}
		d.Error = "Not made: " + err.Error() + "."
	}
	s.render(w, r, http.StatusUnprocessableEntity, "onbehalf", me, "Make a request from "+m.Tag(), "search", d)
}

// composeLink is the compose page with a starter chosen.
func composeLink(tag, start string) string {
	return "/messages/" + tag + "/reply?start=" + url.QueryEscape(start)
}
