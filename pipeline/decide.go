package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/handlers"
	"nasbot/store"
)

// The staff queue's reasons of the pipeline's own (domain/reason.go says what each means).
const (
	ReasonUnparseable = domain.ReasonUnparseable
	ReasonReplyHeld   = domain.ReplyHeld
)

// work is one message on its way through, inside its transaction.
type work struct {
	p      *Pipeline
	tx     *store.Tx
	stored store.StoredMessage
	msg    *domain.Message
	now    time.Time

	res     Result
	site    *domain.Organisation // the sending site, when the sender is a shared mailbox
	acct    *domain.Account      // the sending account, when the sender is a personal account
	proof   domain.Verification
	replyTo string // where answers go: the mailbox or account on record, never Reply-To
	// seen: an earlier decided message is the same mail (store.Tx.SeenBefore, asked as the
	// message was claimed).
	seen bool
	// siteNow is the sender's site as read under its lock, for the first request's handlers;
	// nil once used, since a request's effects may change it.
	siteNow *domain.Organisation
	// siteLocked: the sending site's lock was taken as the site was looked up.
	siteLocked bool
}

func (w *work) decide() (Result, error) {
	env := &w.msg.Envelope
	w.res = Result{ID: w.stored.ID, Tag: store.Tag(w.stored.ID), MessageID: env.MessageID,
		Reasons: []domain.Reason{}, Requests: []RequestResult{}, Sender: Sender{Kind: SenderUnknown}}

	// A copy of something decided before is a duplicate even when it is also automatic
	// (docs/spec/rules.md); only proven mail has claimed a Message-ID or a signature.
	if w.seen {
		return w.ignored(domain.Duplicate)
	}
	if reason, ok := automatic(w.msg); ok {
		return w.ignored(reason)
	}

	if err := w.identifyAndLock(); err != nil {
		return Result{}, err
	}
	if w.site == nil && w.acct == nil {
		// The bot writes only to addresses on record. A proven sender the directory does not
		// know (another NHSmail user) is not answered by the bot; staff can answer it from the
		// message's page on the desk.
		w.replyTo = ""
	}
	if err := w.lockSenderSite(); err != nil {
		return Result{}, err
	}
	if w.site != nil && w.proof.Verified {
		// The mailbox is in use: the lifecycle's dormant-mailbox report counts from here.
		org, ok, err := w.tx.RecordSiteSent(w.site.ODS, w.stored.ReceivedAt)
		if err != nil {
			return Result{}, err
		} else if ok {
			w.siteNow = &org
		}
	}
	switch {
	case !w.proof.Verified:
		return w.unverified()
	case w.msg.Refusal != "":
		return w.refused()
	case len(w.msg.Requests) == 0:
		return w.unparseable()
	case stale(env.Date, w.stored.ReceivedAt):
		return w.stale()
	}
	return w.processed()
}

// ignored answers nothing and changes nothing: a duplicate, or mail that must not be answered.
func (w *work) ignored(reason domain.Reason) (Result, error) {
	w.res.Verdict, w.res.Reasons = domain.Ignored, []domain.Reason{reason}
	w.res.Sender.Address = w.msg.Envelope.FromAddress()
	return w.finish()
}

// identifySender finds the From address in the directory: a site's shared mailbox (or a legacy
// alias of it), a personal account, or neither.
func (w *work) identifySender() error { return w.identify(false) }

// identifyAndLock is identifySender, taking a sending site's lock with the lookup where the
// store can (lockSenderSite then has nothing left to do): one round trip fewer a decision.
func (w *work) identifyAndLock() error { return w.identify(true) }

func (w *work) identify(lock bool) error {
	from := w.proof.From
	if from == "" {
		from = w.msg.Envelope.FromAddress()
	}
	w.res.Sender.Address = from
	if from == "" {
		return nil
	}
	var org domain.Organisation
	var ok bool
	var err error
	if lock {
		org, ok, w.siteLocked, err = w.tx.OrganisationByMailboxLocked(from)
	} else {
		org, ok, err = w.tx.OrganisationByMailbox(from)
	}
	if err != nil {
		return err
	} else if ok {
		w.site = &org
		w.res.Sender.Kind, w.res.Sender.ODS = SenderSharedMailbox, org.ODS
		w.replyTo = org.Mailbox
		return nil
	}
	if acct, ok, err := w.tx.Account(from); err != nil {
		return err
	} else if ok {
		w.acct = &acct
		w.res.Sender.Kind, w.res.Sender.ODS = SenderAccount, acct.ODS
		w.replyTo = acct.Address
		return nil
	}
	if w.proof.Verified {
		w.replyTo = from
	}
	return nil
}

// lockSenderSite serialises decisions about the sender's site (limit, last owner), taken
// before anything about the site is read.
func (w *work) lockSenderSite() error {
	switch {
	case w.siteLocked:
		return nil
	case w.site != nil:
		return w.tx.LockSite(w.site.ODS)
	case w.acct != nil:
		return w.tx.LockSite(w.acct.ODS)
	}
	return nil
}

// unverified lists the requests for staff and changes nothing. Only a shared mailbox on record
// hears about it, so its real owners see the attempt; an unknown sender or Reply-To never does.
func (w *work) unverified() (Result, error) {
	w.res.Verdict, w.res.Reasons = domain.Unverified, []domain.Reason{domain.AuthFailed}
	for _, r := range w.msg.Requests {
		w.res.Requests = append(w.res.Requests, RequestResult{Type: r.Type, Line: r.Line, Row: r.Row,
			Outcome: domain.Review, Reasons: []domain.Reason{domain.AuthFailed}})
	}
	if err := w.tx.OpenException(w.stored.ID, 0, domain.AuthFailed, w.proof.Failure, w.now); err != nil {
		return Result{}, err
	}
	if w.site != nil {
		if err := w.reply(noticeMail(w)); err != nil {
			return Result{}, err
		}
	}
	return w.finish()
}

// refused answers mail that breaks a limit. Too many requests is still processed (docs/spec/requests.md
// "Readings decided"): each request is listed and rejected, none applied, and the reply asks for
// several emails; a mail too large to read is refused whole.
func (w *work) refused() (Result, error) {
	if w.msg.Refusal == domain.TooManyRequests {
		return w.decideEach(tooManyRequests, refusalMail)
	}
	w.res.Verdict, w.res.Reasons = domain.Unparseable, []domain.Reason{w.msg.Refusal}
	if err := w.tx.OpenException(w.stored.ID, 0, w.msg.Refusal, "", w.now); err != nil {
		return Result{}, err
	}
	if err := w.reply(refusalMail(w)); err != nil {
		return Result{}, err
	}
	return w.finish()
}

// tooManyRequests decides nothing: every request of a mail over the limit is rejected as it is.
func tooManyRequests(w *work, req domain.Request) (domain.Decision, error) {
	account := ""
	if req.Type != domain.AddUser && req.Type != domain.RegisterMailbox {
		account = strings.ToLower(req.Account) // the account it names; add_user names none yet
	}
	return domain.Decision{Outcome: domain.Rejected, Reasons: []domain.Reason{domain.TooManyRequests}, Account: account,
		Summary: fmt.Sprintf("This email holds %d requests, more than the %d we accept in one email, so none of "+
			"them was done. Please send them again in several emails of at most %d requests each.",
			len(w.msg.Requests), w.p.maxRequests(), w.p.maxRequests())}, nil
}

func (w *work) unparseable() (Result, error) {
	w.res.Verdict = domain.Unparseable
	if err := w.tx.OpenException(w.stored.ID, 0, ReasonUnparseable, "", w.now); err != nil {
		return Result{}, err
	}
	if err := w.reply(unparseableMail(w)); err != nil {
		return Result{}, err
	}
	return w.finish()
}

// processed decides each request in message order against the state the earlier ones left.
func (w *work) processed() (Result, error) { return w.decideEach(decideRequest, replyMail) }

// decideRequest runs one request through the NAS rules.
func decideRequest(w *work, req domain.Request) (domain.Decision, error) {
	hctx := handlers.Context{Now: w.now, Site: w.site, SenderAccount: w.acct, Domain: w.p.cfg.Domain}
	v := newRequestView(w.tx)
	if w.siteNow != nil {
		v.orgs[w.siteNow.ODS] = found[domain.Organisation]{*w.siteNow, true}
		w.siteNow = nil
	}
	return handlers.Decide(hctx, req, v)
}

// decideEach decides the requests in message order with decide, applies what is done, records
// each request, its audit line and any review for staff, and answers with mail.
func (w *work) decideEach(decide func(*work, domain.Request) (domain.Decision, error), mail func(*work) outgoingMail) (Result, error) {
	w.res.Verdict = domain.Processed
	for i, req := range w.msg.Requests {
		d, err := decide(w, req)
		if err != nil {
			return Result{}, fmt.Errorf("decide request %d: %w", i+1, err)
		}
		if d.Outcome == domain.Done {
			for _, e := range d.Effects {
				if err := w.tx.Apply(e, w.now); err != nil {
					return Result{}, err
				}
			}
			if d.Listing != nil {
				// The site asked for its access review: the quarterly one waits its turn again.
				if err := w.tx.RecordAccessReview(d.Listing.Site.ODS, store.ReviewRequested, 0, w.now); err != nil {
					return Result{}, err
				}
			}
		}
		rr := RequestResult{Type: req.Type, Line: req.Line, Row: req.Row, Outcome: d.Outcome,
			Reasons: nonNil(d.Reasons), Account: d.Account, Summary: d.Summary, Field: problemField(req, d), Listing: d.Listing}
		w.res.Requests = append(w.res.Requests, rr)
		fields, _ := json.Marshal(req)
		reqID, err := w.tx.AddRequestAudited(w.stored.ID, store.DecidedRequest{Seq: i + 1, Type: req.Type, Line: req.Line,
			Row: req.Row, Outcome: d.Outcome, Reasons: rr.Reasons, Account: d.Account, Summary: d.Summary, Fields: string(fields)},
			store.AuditLine{Actor: "nasbot", Action: string(req.Type) + " " + string(d.Outcome), Subject: w.res.Tag, Detail: d.Account}, w.now)
		if err != nil {
			return Result{}, err
		}
		if d.Outcome == domain.Review {
			if err := w.tx.OpenException(w.stored.ID, reqID, firstReason(d.Reasons), d.Summary, w.now); err != nil {
				return Result{}, err
			}
		}
	}
	if w.replyTo != "" {
		if err := w.reply(mail(w)); err != nil {
			return Result{}, err
		}
	}
	return w.finish()
}

func (w *work) finish() (Result, error) {
	env := &w.msg.Envelope
	if w.res.Verdict != domain.Ignored {
		if err := w.noteFollowUp(); err != nil {
			return Result{}, err
		}
	}
	// Proven mail claims its Message-ID and signatures, automatic mail included; a duplicate's
	// were claimed by the message it copies.
	duplicate := len(w.res.Reasons) == 1 && w.res.Reasons[0] == domain.Duplicate
	err := w.tx.FinishMessage(w.stored.ID, store.Decided{MessageID: env.MessageID, Verdict: w.res.Verdict,
		Reasons: w.res.Reasons, Sender: w.res.Sender.Address, SenderKind: w.res.Sender.Kind, ODS: w.res.Sender.ODS,
		Subject: env.Subject, Verification: verificationJSON(w.proof),
		Proven: w.proof.Verified && !duplicate, Signatures: w.proof.Signatures}, w.now)
	return w.res, err
}

// problemField is the field a missing_field or invalid_field names (dryrun's "field"): the
// decision's, which handlers set for their own, or else the first the parser's problems name.
func problemField(r domain.Request, d domain.Decision) string {
	if d.Field != "" {
		return d.Field
	}
	for _, p := range r.Problems {
		if p.Field != "" {
			return p.Field
		}
	}
	return ""
}

func firstReason(rs []domain.Reason) domain.Reason {
	if len(rs) == 0 {
		return ""
	}
	return rs[0]
}

func nonNil(rs []domain.Reason) []domain.Reason {
	if rs == nil {
		return []domain.Reason{}
	}
	return rs
}
