package pipeline

import (
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/parser"
	"nasbot/store"
	"nasbot/templates"
)

// outgoingMail is a reply before it is rendered: which template, to whom, with what.
type outgoingMail struct {
	template string
	to       string
	data     templates.Message
	fresh    bool // not threaded under the mail it is about, and under a subject of its own
	// reasons are the mail's own reason codes (a refusal's, a notice's), for the X-NAS-Reasons
	// header; each request's come from data.Requests.
	reasons []domain.Reason
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
		req := w.msg.Requests[i]
		d.Requests = append(d.Requests, templates.Request{What: describe(req), Line: req.Line, Row: req.Row,
			Outcome: string(r.Outcome), Summary: r.Summary, Reasons: reasonStrings(r.Reasons),
			Ignored: req.Unused, Listing: templates.NewListing(r.Listing, w.now)})
	}
	return outgoingMail{template: templates.Reply, to: w.replyTo, data: d}
}

func unparseableMail(w *work) outgoingMail {
	d := w.mailData()
	d.Unrecognised = w.msg.Unrecognised
	return outgoingMail{template: templates.Unparseable, to: w.replyTo, data: d, reasons: []domain.Reason{ReasonUnparseable}}
}

// noticeMail tells a genuine shared mailbox that unproven mail claimed to come from it. It says
// when it arrived, the mailbox claimed and the reference, and nothing the sender wrote (no
// subject, no body, no name, no link): the notice goes out under the NAS's name, and would
// otherwise carry the attacker's words to the real owners (docs/spec/verification.md).
func noticeMail(w *work) outgoingMail {
	d := templates.Message{Tag: w.res.Tag, Subject: templates.NoticeSubject, Organisation: w.site.DisplayName(),
		Mailbox: w.site.Mailbox, Arrived: w.stored.ReceivedAt.UTC().Format("2 January 2006 at 15:04 UTC")}
	return outgoingMail{template: templates.Notice, to: w.site.Mailbox, data: d, fresh: true,
		reasons: []domain.Reason{domain.AuthFailed}}
}

func refusalMail(w *work) outgoingMail {
	d := w.mailData()
	switch w.msg.Refusal {
	case domain.TooLarge:
		d.Failure = "Your email is larger than we can accept."
	case domain.TooManyRequests:
		d.Failure = fmt.Sprintf("Your email has %d requests, but we can only take %d in one email.",
			len(w.msg.Requests), w.p.maxRequests())
		d.MaxRequests = w.p.maxRequests()
	default:
		d.Failure = domain.ReasonWord(w.msg.Refusal) // never the code itself
	}
	return outgoingMail{template: templates.Refusal, to: w.replyTo, data: d, reasons: []domain.Reason{w.msg.Refusal}}
}

// maxRequests is the most requests one email may carry (parser.Options.MaxRequests).
func (p *Pipeline) maxRequests() int {
	if p.cfg.Parse.MaxRequests > 0 {
		return p.cfg.Parse.MaxRequests
	}
	return parser.DefaultMaxRequests
}

// reply renders a mail and writes it to the outbox in the message's transaction, threaded
// under the mail it answers (RFC 5322 section 3.6.4).
func (w *work) reply(m outgoingMail) error {
	if m.to == "" {
		return nil
	}
	// The guards' counts and this message's replies so far (for the Message-ID), in one round
	// trip: nothing in between writes to the outbox.
	counts, err := w.tx.CountReplies(w.p.replyCountQuery(m.to, w.now, w.stored.ID))
	if err != nil {
		return err
	}
	held, capped, err := w.holdReply(counts)
	if err != nil {
		return err
	}
	m.data.Capped = capped
	text, html, err := w.p.render(m.template, m.data)
	if err != nil {
		return err
	}
	out := domain.Outgoing{
		MessageID: fmt.Sprintf("<%s.%d@%s>", strings.ToLower(w.res.Tag), counts.Message+1, w.p.host()),
		From:      w.p.cfg.NASAddress,
		To:        m.to,
		Tag:       w.res.Tag,
		Text:      text,
		HTML:      html,
		Reasons:   mailReasons(m),
	}
	env := &w.msg.Envelope
	if m.fresh {
		// A mail of its own, not an answer: its reader never had the mail it is about.
		out.Subject = m.data.Subject + " [" + w.res.Tag + "]"
	} else {
		out.Subject = replySubject(env.Subject, w.res.Tag)
		out.InReplyTo = env.MessageID
		out.References = append([]string{}, env.References...)
		if env.MessageID != "" {
			out.References = append(out.References, env.MessageID)
		}
	}
	out.HeldBy = held.by
	if out.ID, err = w.tx.Enqueue(w.stored.ID, out, held.by != "", w.now); err != nil {
		return err
	}
	w.res.Replies = append(w.res.Replies, out)
	return nil
}

// mailReasons are the reason codes a mail answers, each once, for the X-NAS-Reasons header.
func mailReasons(m outgoingMail) []string {
	var out []string
	add := func(r string) {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for _, r := range m.reasons {
		add(string(r))
	}
	for _, r := range m.data.Requests {
		for _, c := range r.Reasons {
			add(c)
		}
	}
	return out
}

// render fills a mail template, as text and as its HTML alternative, with its data put through
// the echo rules (safeMessage) first: every mail the bot writes passes here.
func (p *Pipeline) render(template string, data templates.Message) (text, html string, err error) {
	data = safeMessage(data)
	if text, err = p.templates.Render(template, data); err != nil {
		return "", "", err
	}
	html, err = p.templates.RenderHTML(template, data)
	return text, html, err
}

// host is the domain of our Message-IDs: the NAS address's.
func (p *Pipeline) host() string {
	if _, host, _ := strings.Cut(p.cfg.NASAddress, "@"); host != "" {
		return host
	}
	return "nasbot.invalid"
}

// hold is why a mail waits for staff instead of going out: the guard that holds it (dryrun's
// held_by) and, for the staff queue, why in words. The zero hold lets the mail go.
type hold struct{ by, why string }

// Guards that hold mail, as dryrun names them.
const (
	heldByBacklog = "backlog_guard"
	heldByCap     = "reply_cap"
	heldByBreaker = "circuit_breaker"
)

// holdReply decides whether a reply to an address waits for staff instead of going out:
// replies the backlog guard holds (backlogged), and what the outbox guards hold (guardOutbox).
// Each hold opens an exception so staff release or drop it. capped is true for the last reply
// the cap lets through, which says so.
func (w *work) holdReply(counts store.ReplyCounts) (h hold, capped bool, err error) {
	h, err = w.backlogged()
	if err == nil && h.by == "" {
		capped, h = w.p.judgeOutbox(counts)
	}
	if err != nil || h.by == "" {
		return hold{}, capped, err
	}
	return h, false, w.tx.OpenException(w.stored.ID, 0, ReasonReplyHeld, h.why, w.now)
}

// backlogged is the backlog guard (MaxReplyAge > 0): so that connecting the bot to an inbox
// with a history never mails everyone in it, the replies to mail older than MaxReplyAge, and
// to the mail already in the inbox when the bot first read it, wait for staff.
func (w *work) backlogged() (hold, error) {
	if w.p.cfg.MaxReplyAge <= 0 {
		return hold{}, nil
	}
	if date := w.msg.Envelope.Date; !date.IsZero() && w.now.Sub(date) > w.p.cfg.MaxReplyAge {
		return hold{heldByBacklog, "the mail is older than the backlog guard allows"}, nil
	}
	if first, err := w.tx.FoundAtFirstMeeting(w.stored.ID); err != nil || !first {
		return hold{}, err
	}
	return hold{heldByBacklog, "the mail was already in the inbox when the bot first read it (backlog guard)"}, nil
}

// guardOutbox applies the limits every mail to the outbox passes: the circuit breaker (past
// RepliesPerMinute in all) and the per-address cap (RepliesPerHour to one address), either of
// which holds the mail for staff. capped is true for the last mail the cap lets through.
func (p *Pipeline) guardOutbox(tx *store.Tx, to string, now time.Time) (capped bool, h hold, err error) {
	counts, err := tx.CountReplies(p.replyCountQuery(to, now, 0))
	if err != nil {
		return false, hold{}, err
	}
	capped, h = p.judgeOutbox(counts)
	return capped, h, nil
}

// replyCountQuery asks for what guardOutbox judges: the replies of the last minute to anyone
// and of the last hour to one address, each counted up to its limit; and, when message is
// not 0, how many that message has already.
func (p *Pipeline) replyCountQuery(to string, now time.Time, message int64) store.ReplyCountQuery {
	return store.ReplyCountQuery{Since: now.Add(-time.Minute), AtMost: p.cfg.RepliesPerMinute,
		To: to, ToSince: now.Add(-time.Hour), ToAtMost: p.cfg.RepliesPerHour, Message: message}
}

// judgeOutbox is guardOutbox's verdict on the counts it read.
func (p *Pipeline) judgeOutbox(c store.ReplyCounts) (capped bool, h hold) {
	if c.All >= p.cfg.RepliesPerMinute {
		p.log.Error("reply circuit breaker open: replies are held for staff", slog.Int("replies_per_minute", p.cfg.RepliesPerMinute))
		return false, hold{heldByBreaker, "too many replies in the last minute (circuit breaker)"}
	}
	switch {
	case c.To+1 == p.cfg.RepliesPerHour:
		return true, hold{} // this one goes, and says it is the last for now
	case c.To >= p.cfg.RepliesPerHour:
		return false, hold{heldByCap, "too many replies to this address in the last hour"}
	}
	return false, hold{}
}

var (
	replyPrefix = regexp.MustCompile(`(?i)^\s*((re|fw|fwd|aw|sv)\s*:\s*)+`)
	tagPattern  = regexp.MustCompile(`\s*\[NAS-\d+\]`)
)

// replySubject is "Re: <subject> [NAS-000123]": one Re:, never stacked, and one tag, ours.
func replySubject(subject, tag string) string {
	s := safeText(subject, maxEcho)
	if strings.Contains(s, "[NAS-") { // what tagPattern needs, checked before it runs
		s = tagPattern.ReplaceAllString(s, "")
	}
	if strings.Contains(s, ":") { // every replyPrefix match ends in one
		s = replyPrefix.ReplaceAllString(s, "")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		s = "Your request"
	}
	return "Re: " + s + " [" + tag + "]"
}

// describe names a request by its glossary name and what it is about: "Add user Jane Smith",
// whichever of the accepted words ("New user", "Create account") the sender wrote. An unknown
// request keeps the sender's word, so they can see which one we did not know.
func describe(r domain.Request) string {
	what := domain.RequestName(r.Type)
	if r.Type == domain.Unknown && strings.TrimSpace(r.Word) != "" {
		return what + " \"" + strings.TrimSpace(r.Word) + "\""
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
