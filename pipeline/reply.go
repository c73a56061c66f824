package pipeline

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/templates"
)

// outgoingMail is a reply before it is rendered: which template, to whom, with what.
type outgoingMail struct {
	template string
	to       string
	data     templates.Message
}

func (w *work) mailData() templates.Message {
	d := templates.Message{Tag: w.res.Tag, Subject: w.msg.Envelope.Subject, GuideURL: w.p.cfg.GuideURL}
	if w.site != nil {
		d.Organisation = w.site.DisplayName()
	}
	return d
}

func replyMail(w *work) outgoingMail {
	d := w.mailData()
	for i, r := range w.res.Requests {
		d.Requests = append(d.Requests, templates.Request{What: describe(w.msg.Requests[i]),
			Outcome: string(r.Outcome), Summary: r.Summary, Reasons: reasonStrings(r.Reasons)})
	}
	return outgoingMail{template: templates.Reply, to: w.replyTo, data: d}
}

func unparseableMail(w *work) outgoingMail {
	d := w.mailData()
	d.Unrecognised = w.msg.Unrecognised
	return outgoingMail{template: templates.Unparseable, to: w.replyTo, data: d}
}

func noticeMail(w *work) outgoingMail {
	d := w.mailData()
	d.Failure = w.proof.Failure
	return outgoingMail{template: templates.Notice, to: w.site.Mailbox, data: d}
}

func refusalMail(w *work) outgoingMail {
	d := w.mailData()
	switch w.msg.Refusal {
	case domain.TooLarge:
		d.Failure = "it is larger than we accept."
	case domain.TooManyRequests:
		d.Failure = "it holds more requests than we accept in one email."
	default:
		d.Failure = string(w.msg.Refusal)
	}
	return outgoingMail{template: templates.Refusal, to: w.replyTo, data: d}
}

// reply renders a mail and writes it to the outbox in the message's transaction, threaded
// under the mail it answers (RFC 5322 section 3.6.4).
func (w *work) reply(m outgoingMail) error {
	if m.to == "" {
		return nil
	}
	held, capped, err := w.holdReply(m.to)
	if err != nil {
		return err
	}
	m.data.Capped = capped
	text, err := w.p.templates.Render(m.template, m.data)
	if err != nil {
		return err
	}
	html, err := w.p.templates.RenderHTML(m.template, m.data)
	if err != nil {
		return err
	}
	env := &w.msg.Envelope
	refs := append([]string{}, env.References...)
	if env.MessageID != "" {
		refs = append(refs, env.MessageID)
	}
	n, err := w.tx.ReplyCount(w.stored.ID)
	if err != nil {
		return err
	}
	_, host, _ := strings.Cut(w.p.cfg.NASAddress, "@")
	if host == "" {
		host = "nasbot.invalid"
	}
	out := domain.Outgoing{
		MessageID:  fmt.Sprintf("<%s.%d@%s>", strings.ToLower(w.res.Tag), n+1, host),
		From:       w.p.cfg.NASAddress,
		To:         m.to,
		Subject:    replySubject(env.Subject, w.res.Tag),
		InReplyTo:  env.MessageID,
		References: refs,
		Tag:        w.res.Tag,
		Text:       text,
		HTML:       html,
	}
	if out.ID, err = w.tx.Enqueue(w.stored.ID, out, held, w.now); err != nil {
		return err
	}
	w.res.Replies = append(w.res.Replies, out)
	return nil
}

// holdReply decides whether a reply to an address waits for staff instead of going out:
// replies to old mail (backlog guard), past the per-address cap, or while the circuit breaker
// is open. Each hold opens an exception so staff release or drop it. capped is true for the
// last reply the cap lets through, which says so.
func (w *work) holdReply(to string) (held, capped bool, err error) {
	env := &w.msg.Envelope
	if w.p.cfg.MaxReplyAge > 0 && !env.Date.IsZero() && w.now.Sub(env.Date) > w.p.cfg.MaxReplyAge {
		return true, false, w.tx.OpenException(w.stored.ID, 0, ReasonReplyHeld, "the mail is older than the backlog guard allows", w.now)
	}
	total, err := w.tx.RepliesSince("", w.now.Add(-time.Minute))
	if err != nil {
		return false, false, err
	}
	if total >= w.p.cfg.RepliesPerMinute {
		w.p.log.Error("reply circuit breaker open: replies are held for staff", slog.Int("replies_last_minute", total))
		return true, false, w.tx.OpenException(w.stored.ID, 0, ReasonReplyHeld, "too many replies in the last minute (circuit breaker)", w.now)
	}
	sent, err := w.tx.RepliesSince(to, w.now.Add(-time.Hour))
	if err != nil {
		return false, false, err
	}
	switch {
	case sent+1 == w.p.cfg.RepliesPerHour:
		return false, true, nil // this one goes, and says it is the last for now
	case sent >= w.p.cfg.RepliesPerHour:
		return true, false, w.tx.OpenException(w.stored.ID, 0, ReasonReplyHeld, "too many replies to this address in the last hour", w.now)
	}
	return false, false, nil
}

var (
	replyPrefix = regexp.MustCompile(`(?i)^\s*((re|fw|fwd|aw|sv)\s*:\s*)+`)
	tagPattern  = regexp.MustCompile(`\s*\[NAS-\d+\]`)
)

// replySubject is "Re: <subject> [NAS-000123]": one Re:, never stacked, and one tag, ours.
func replySubject(subject, tag string) string {
	s := tagPattern.ReplaceAllString(subject, "")
	s = strings.TrimSpace(replyPrefix.ReplaceAllString(s, ""))
	if s == "" {
		s = "Your request"
	}
	return "Re: " + s + " [" + tag + "]"
}

// describe names a request the way its sender would: "Add user Jane Smith".
func describe(r domain.Request) string {
	what := r.Word
	if what == "" {
		what = string(r.Type)
	}
	switch {
	case r.Type == domain.AddUser && r.Name != "":
		return what + " " + r.Name
	case r.Account != "":
		return what + " " + r.Account
	case r.ODS != "":
		return what + " " + r.ODS
	}
	return what
}

func reasonStrings(rs []domain.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
