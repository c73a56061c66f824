package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/handlers"
	"nasbot/parser"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

// Overridable lists the rules whose review NAS staff may approve past. Verification
// (auth_failed) is never among them: unproven mail must be sent again. Nor are address_reserved
// and address_in_use: such an address is never given, so staff refuse, or correct and re-run.
var Overridable = []domain.Reason{domain.SiteAccountLimit, domain.MobileMismatch, domain.ODSUnknown, domain.NewMailboxReview,
	domain.StaleMessage}

// Errors the desk returns for staff to read.
var (
	ErrNotOverridable = errors.New("this rule cannot be approved past")
	ErrNoRequest      = errors.New("this case is about the whole message, not one request")
	ErrNotReparsable  = errors.New("only mail that could not be read can be parsed again")
	ErrStillInReview  = errors.New("the request still needs review")
	ErrNoMessage      = errors.New("no message caused this case, so there is nothing to approve or re-run: close it once handled")
)

// Desk applies NAS staff decisions through the same handlers, store transaction and outbox as
// mail does, so a staff approval is a decision like any other.
type Desk struct{ p *Pipeline }

// NewDesk returns the staff desk of a pipeline.
func NewDesk(p *Pipeline) *Desk { return &Desk{p: p} }

// Approve decides the case's request again with its review rule approved past, applies it,
// answers the sender and closes the case.
func (d *Desk) Approve(ctx context.Context, exceptionID int64, staff, reason string) error {
	return d.redecide(ctx, exceptionID, staff, "approve", reason, func(c store.CaseUnderWork, req domain.Request) (domain.Request, []domain.Reason, error) {
		if !slices.Contains(Overridable, c.Reason) {
			return req, nil, fmt.Errorf("%s: %w", c.Reason, ErrNotOverridable)
		}
		return req, []domain.Reason{c.Reason}, nil
	})
}

// Rerun decides the case's request again with the fields staff corrected.
func (d *Desk) Rerun(ctx context.Context, exceptionID int64, staff string, edited domain.Request) error {
	return d.redecide(ctx, exceptionID, staff, "rerun", "", func(c store.CaseUnderWork, req domain.Request) (domain.Request, []domain.Reason, error) {
		edited.Type, edited.Line, edited.Row, edited.Word = req.Type, req.Line, req.Row, req.Word
		edited.Problems = nil
		return edited, nil, nil
	})
}

// Refuse closes the case; a request in it is refused with the staff member's reason, and the
// sender is told. A case no message caused (a lifecycle report, a failed text) is only closed,
// with the reason in its history: there is nobody to answer.
func (d *Desk) Refuse(ctx context.Context, exceptionID int64, staff, reason string) error {
	return d.p.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := openCase(tx, exceptionID)
		if err != nil {
			return err
		}
		if c.MessageRef == 0 {
			return closeCase(tx, c, staff, reason, d.p.now())
		}
		w, err := d.work(tx, c)
		if err != nil {
			return err
		}
		return refuse(w, c, staff, reason)
	})
}

// closeCase closes a case no message caused.
func closeCase(tx *store.Tx, c store.CaseUnderWork, staff, reason string, now time.Time) error {
	if err := tx.ResolveException(c.ExceptionID, now); err != nil {
		return err
	}
	return tx.Audit(staff, "close", c.Tag(), reason, now)
}

// refuse closes a message's case and refuses its request, if any, telling the sender.
func refuse(w *work, c store.CaseUnderWork, staff, reason string) error {
	if err := w.tx.ResolveException(c.ExceptionID, w.now); err != nil {
		return err
	}
	if err := w.tx.Audit(staff, "refuse", w.res.Tag, reason, w.now); err != nil {
		return err
	}
	if c.RequestRef == nil {
		return nil // message-level cases (unproven, unreadable) were answered already
	}
	req, err := caseRequest(c)
	if err != nil {
		return err
	}
	dec := domain.Decision{Outcome: domain.Rejected, Reasons: []domain.Reason{c.Reason}, Account: req.Account,
		Summary: "The NAS team could not approve this request."}
	if err := w.tx.SetRequestOutcome(*c.RequestRef, dec, *c.Fields); err != nil {
		return err
	}
	return w.reply(decisionMail(w, req, dec, "refused", reason))
}

// ReparsePlan is what parsing a message again would decide, beside what was decided.
type ReparsePlan struct {
	Before, After Result
	// Changed is false when the verdict, its reasons and every request's type, outcome and
	// reasons would stay the same: then re-parsing changes nothing and answers nobody.
	Changed bool
}

// errDryRun rolls back a decision made only to be shown.
var errDryRun = errors.New("dry run")

// ReparsePreview decides a stored unreadable message again with today's parser, in a
// transaction that is rolled back: nothing is written, sent or closed.
func (d *Desk) ReparsePreview(ctx context.Context, messageID int64) (ReparsePlan, error) {
	m, err := d.p.store.Message(ctx, messageID)
	if err != nil {
		return ReparsePlan{}, err
	}
	if m.Verdict != string(domain.Unparseable) {
		return ReparsePlan{}, ErrNotReparsable
	}
	plan := ReparsePlan{Before: Result{ID: m.ID, Tag: m.Tag(), Verdict: domain.Verdict(m.Verdict), Reasons: store.SplitReasons(m.Reasons)}}
	rows, err := d.p.store.MessageRequests(ctx, messageID)
	if err != nil {
		return plan, err
	}
	for _, r := range rows {
		plan.Before.Requests = append(plan.Before.Requests, RequestResult{Type: domain.RequestType(r.Type), Line: r.Line,
			Row: r.Row, Outcome: domain.Outcome(r.Outcome), Reasons: store.SplitReasons(r.Reasons), Account: r.Account, Summary: r.Summary})
	}
	msg := parser.Parse(m.Raw, d.p.cfg.Parse)
	proof, err := verify.Verify(&msg.Envelope, m.Raw, senderLinks{ctx, d.p.store}, d.p.cfg.Verify)
	if err != nil {
		return plan, err
	}
	err = d.p.store.InTx(ctx, func(tx *store.Tx) error {
		now := d.p.now()
		if err := tx.ReopenMessage(messageID, now); err != nil {
			return err
		}
		m.State = store.MessageNew
		w := &work{p: d.p, tx: tx, stored: m, msg: msg, proof: proof, now: now}
		if plan.After, err = w.decide(); err != nil {
			return err
		}
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		return plan, err
	}
	plan.Changed = !sameOutcome(plan.Before, plan.After)
	return plan, nil
}

// sameOutcome reports whether two decisions of one message would tell its sender the same.
func sameOutcome(a, b Result) bool {
	if a.Verdict != b.Verdict || !slices.Equal(a.Reasons, b.Reasons) || len(a.Requests) != len(b.Requests) {
		return false
	}
	for i, r := range a.Requests {
		o := b.Requests[i]
		if r.Type != o.Type || r.Outcome != o.Outcome || !slices.Equal(r.Reasons, o.Reasons) {
			return false
		}
	}
	return true
}

// Reparse reads a stored message that could not be read again (after a parser change, say) and
// decides it afresh, verification included, when that changes its outcome. When it would not,
// nothing changes (the case, its number and the reply already sent stay) and the history says
// so: the sender is never sent the same answer twice. changed says which it was.
func (d *Desk) Reparse(ctx context.Context, messageID int64, staff string) (changed bool, err error) {
	plan, err := d.ReparsePreview(ctx, messageID)
	if err != nil {
		return false, err
	}
	err = d.p.store.InTx(ctx, func(tx *store.Tx) error {
		now := d.p.now()
		if !plan.Changed {
			return tx.Audit(staff, "reparse", plan.Before.Tag, "the outcome would not change: nothing done, no reply sent", now)
		}
		if err := tx.Audit(staff, "reparse", plan.Before.Tag, "", now); err != nil {
			return err
		}
		if err := tx.ReindexMessage(messageID); err != nil {
			return err
		}
		return tx.ReopenMessage(messageID, now)
	})
	if err != nil || !plan.Changed {
		return false, err
	}
	_, err = d.p.Process(ctx, messageID)
	return err == nil, err
}

// Reopen opens a closed case again, with the staff member's note in its history.
func (d *Desk) Reopen(ctx context.Context, exceptionID int64, staff, note string) error {
	return d.p.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.CaseForUpdate(exceptionID)
		if err != nil {
			return err
		}
		if err := tx.ReopenException(exceptionID); err != nil {
			return err
		}
		return tx.Audit(staff, "reopen", c.Tag(), note, d.p.now())
	})
}

// ReleaseReply sends a held or parked reply.
func (d *Desk) ReleaseReply(ctx context.Context, outboxID int64, staff string) error {
	return d.settleReply(ctx, outboxID, staff, "release reply", "released", (*store.Tx).ReleaseReply)
}

// DropReply discards a held or parked reply.
func (d *Desk) DropReply(ctx context.Context, outboxID int64, staff string) error {
	return d.settleReply(ctx, outboxID, staff, "drop reply", "dropped", (*store.Tx).DropReply)
}

// settleReply moves a parked reply as staff chose and, when it was its message's last held
// reply, closes the message's reply_held cases: that choice was the decision they waited for.
func (d *Desk) settleReply(ctx context.Context, outboxID int64, staff, action, done string,
	move func(*store.Tx, int64, time.Time) error) error {
	return d.p.store.InTx(ctx, func(tx *store.Tx) error {
		now := d.p.now()
		if err := move(tx, outboxID, now); err != nil {
			return err
		}
		if err := tx.Audit(staff, action, fmt.Sprintf("outbox %d", outboxID), "", now); err != nil {
			return err
		}
		closed, err := tx.CloseHeldReplyCases(outboxID, ReasonReplyHeld, now)
		if err != nil {
			return err
		}
		for _, c := range closed {
			detail := fmt.Sprintf("case %d: the last held reply was %s", c.ID, done)
			if err := tx.Audit(staff, "close", c.Tag(), detail, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// redecide runs a case's request through the handlers again, as prepare says, and records it.
func (d *Desk) redecide(ctx context.Context, exceptionID int64, staff, action, reason string,
	prepare func(store.CaseUnderWork, domain.Request) (domain.Request, []domain.Reason, error)) error {
	return d.inCase(ctx, exceptionID, func(w *work, c store.CaseUnderWork) error {
		if c.RequestRef == nil {
			return ErrNoRequest
		}
		orig, err := caseRequest(c)
		if err != nil {
			return err
		}
		req, approved, err := prepare(c, orig)
		if err != nil {
			return err
		}
		hctx := handlers.Context{Now: w.now, Site: w.site, SenderAccount: w.acct, Domain: w.p.cfg.Domain,
			Approved: approved, Desk: true}
		dec, err := handlers.Decide(hctx, req, w.tx)
		if err != nil {
			return err
		}
		if dec.Outcome == domain.Review {
			return fmt.Errorf("%w: %s", ErrStillInReview, dec.Summary)
		}
		for _, e := range dec.Effects {
			if err := w.tx.Apply(e, w.now); err != nil {
				return err
			}
		}
		fields, _ := json.Marshal(req)
		if err := w.tx.SetRequestOutcome(*c.RequestRef, dec, string(fields)); err != nil {
			return err
		}
		if err := w.tx.ReindexMessage(c.MessageRef); err != nil { // staff may have corrected a name
			return err
		}
		if err := w.tx.ResolveException(exceptionID, w.now); err != nil {
			return err
		}
		if err := w.tx.Audit(staff, action, w.res.Tag, fmt.Sprintf("%s %s: %s", req.Type, dec.Outcome, reason), w.now); err != nil {
			return err
		}
		verdict := "approved"
		if dec.Outcome != domain.Done {
			verdict = "refused"
		}
		return w.reply(decisionMail(w, req, dec, verdict, reason))
	})
}

// inCase loads an open case and its message in one transaction, with the sender as recorded.
func (d *Desk) inCase(ctx context.Context, exceptionID int64, fn func(*work, store.CaseUnderWork) error) error {
	return d.p.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := openCase(tx, exceptionID)
		if err != nil {
			return err
		}
		w, err := d.work(tx, c)
		if err != nil {
			return err
		}
		return fn(w, c)
	})
}

// openCase loads a case that is still open.
func openCase(tx *store.Tx, exceptionID int64) (store.CaseUnderWork, error) {
	c, err := tx.CaseForUpdate(exceptionID)
	if err != nil {
		return c, err
	}
	if c.State != store.ExceptionOpen {
		return c, fmt.Errorf("case %d is closed: %w", exceptionID, store.ErrAlreadyDecided)
	}
	return c, nil
}

// work loads the message a case is about, parsed, with its sender as recorded.
func (d *Desk) work(tx *store.Tx, c store.CaseUnderWork) (*work, error) {
	if c.MessageRef == 0 {
		return nil, ErrNoMessage
	}
	m, err := tx.Message(c.MessageRef)
	if err != nil {
		return nil, err
	}
	w := &work{p: d.p, tx: tx, stored: m, msg: parser.Parse(m.Raw, d.p.cfg.Parse), now: d.p.now()}
	w.res = Result{ID: m.ID, Tag: m.Tag()}
	// The case was decided with a proven sender, or it would have no request to redecide.
	w.proof = domain.Verification{Verified: c.Verdict != string(domain.Unverified), From: c.Sender}
	if err := w.identifySender(); err != nil {
		return nil, err
	}
	return w, nil
}

func caseRequest(c store.CaseUnderWork) (domain.Request, error) {
	var req domain.Request
	if c.Fields == nil {
		return req, ErrNoRequest
	}
	if err := json.Unmarshal([]byte(*c.Fields), &req); err != nil {
		return req, fmt.Errorf("case %d: stored request: %w", c.ExceptionID, err)
	}
	return req, nil
}

func decisionMail(w *work, req domain.Request, dec domain.Decision, verdict, staffReason string) outgoingMail {
	d := w.mailData()
	d.StaffDecision, d.StaffReason = verdict, staffReason
	d.Requests = []templates.Request{{What: describe(req), Outcome: string(dec.Outcome), Summary: dec.Summary,
		Reasons: reasonStrings(dec.Reasons)}}
	return outgoingMail{template: templates.Decision, to: w.replyTo, data: d}
}

// Errors of the desk's work on a message rather than a case.
var (
	ErrNotAnswerable = errors.New("the sender was not proven, or the mail is not one to answer, so the desk does not write to it")
	ErrNotASite      = errors.New("the sender is neither a site's shared mailbox nor an account in the directory, so there is no site to act for")
	ErrEmptyReply    = errors.New("the reply is empty")
)

// messageWork loads a decided message to act on outside any case, with its sender as recorded.
// Only a proven sender is written to or acted for: never the victim of a forged From.
func (d *Desk) messageWork(tx *store.Tx, messageID int64) (*work, error) {
	m, err := tx.Message(messageID)
	if err != nil {
		return nil, err
	}
	switch domain.Verdict(m.Verdict) {
	case "", domain.Unverified, domain.Ignored:
		return nil, ErrNotAnswerable
	}
	w := &work{p: d.p, tx: tx, stored: m, msg: parser.Parse(m.Raw, d.p.cfg.Parse), now: d.p.now()}
	w.res = Result{ID: m.ID, Tag: m.Tag()}
	w.proof = domain.Verification{Verified: true, From: m.Sender}
	if err := w.identifySender(); err != nil {
		return nil, err
	}
	if w.replyTo == "" {
		return nil, ErrNotAnswerable
	}
	return w, nil
}

// StaffReply sends the message's sender a reply a member of staff wrote, threaded under the
// message (In-Reply-To, References, the tagged subject), through the outbox. It returns the
// outbox row.
func (d *Desk) StaffReply(ctx context.Context, messageID int64, staff, text string) (int64, error) {
	if strings.TrimSpace(text) == "" {
		return 0, ErrEmptyReply
	}
	var id int64
	err := d.p.store.InTx(ctx, func(tx *store.Tx) error {
		w, err := d.messageWork(tx, messageID)
		if err != nil {
			return err
		}
		n, err := tx.ReplyCount(messageID)
		if err != nil {
			return err
		}
		env := &w.msg.Envelope
		out := domain.Outgoing{
			MessageID:  fmt.Sprintf("<%s.%d@%s>", strings.ToLower(w.res.Tag), n+1, d.p.host()),
			From:       d.p.cfg.NASAddress,
			To:         w.replyTo,
			Subject:    replySubject(env.Subject, w.res.Tag),
			InReplyTo:  env.MessageID,
			References: append([]string{}, env.References...),
			Tag:        w.res.Tag,
			Text:       text,
		}
		if env.MessageID != "" {
			out.References = append(out.References, env.MessageID)
		}
		if id, err = tx.Enqueue(messageID, out, false, w.now); err != nil {
			return err
		}
		return tx.Audit(staff, "reply", w.res.Tag, fmt.Sprintf("outbox %d to %s", id, out.To), w.now)
	})
	return id, err
}

// RequestOnBehalf decides a request staff made from a message (a free-text mail, say) for the
// site that sent it, through the same handlers, transaction and outbox as a request in mail,
// recorded as made by that member of staff. The message's cases about the whole message are
// closed: this was their handling. The sender is answered with the outcome.
func (d *Desk) RequestOnBehalf(ctx context.Context, messageID int64, staff string, req domain.Request) (domain.Decision, error) {
	var dec domain.Decision
	err := d.p.store.InTx(ctx, func(tx *store.Tx) error {
		w, err := d.messageWork(tx, messageID)
		if err != nil {
			return err
		}
		if w.site == nil && w.acct == nil {
			return ErrNotASite
		}
		if err := w.lockSenderSite(); err != nil {
			return err
		}
		hctx := handlers.Context{Now: w.now, Site: w.site, SenderAccount: w.acct, Domain: d.p.cfg.Domain, Desk: true}
		if dec, err = handlers.Decide(hctx, req, tx); err != nil {
			return err
		}
		for _, e := range dec.Effects {
			if err := tx.Apply(e, w.now); err != nil {
				return err
			}
		}
		return d.recordOnBehalf(w, staff, req, dec)
	})
	return dec, err
}

// recordOnBehalf records a request staff made, its case when it needs review, the history, and
// the answer to the sender.
func (d *Desk) recordOnBehalf(w *work, staff string, req domain.Request, dec domain.Decision) error {
	tx, id := w.tx, w.stored.ID
	seq, err := tx.NextRequestSeq(id)
	if err != nil {
		return err
	}
	fields, _ := json.Marshal(req)
	reqID, err := tx.AddRequest(id, store.DecidedRequest{Seq: seq, Type: req.Type, Outcome: dec.Outcome,
		Reasons: dec.Reasons, Account: dec.Account, Summary: dec.Summary, Fields: string(fields)})
	if err != nil {
		return err
	}
	if dec.Outcome == domain.Review {
		if err := tx.OpenException(id, reqID, firstReason(dec.Reasons), dec.Summary, w.now); err != nil {
			return err
		}
	}
	closed, err := tx.CloseMessageCases(id, w.now)
	if err != nil {
		return err
	}
	for _, c := range closed {
		if err := tx.Audit(staff, "close", w.res.Tag, fmt.Sprintf("case %d: a request was made from this mail", c.ExceptionID), w.now); err != nil {
			return err
		}
	}
	site := ""
	if w.site != nil {
		site = " for " + w.site.ODS
	}
	detail := fmt.Sprintf("%s %s%s, made by staff on the sender's behalf: %s", req.Type, dec.Outcome, site, dec.Summary)
	if err := tx.Audit(staff, "request on behalf", w.res.Tag, detail, w.now); err != nil {
		return err
	}
	if err := tx.ReindexMessage(id); err != nil {
		return err
	}
	data := w.mailData()
	data.Requests = []templates.Request{{What: describe(req), Outcome: string(dec.Outcome), Summary: dec.Summary,
		Reasons: reasonStrings(dec.Reasons)}}
	return w.reply(outgoingMail{template: templates.Reply, to: w.replyTo, data: data})
}
