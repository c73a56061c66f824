package pipeline

import (
	"encoding/json"
	"strconv"
	"time"

	"nasbot/domain"
	"nasbot/store"
)

// How far a proven message's Date may stand from its arrival before staff must look: signed mail
// sent again passes DKIM (docs/spec/verification.md, "Replays"), and a request written weeks ago may
// have been overtaken ("make X owner" after X was demoted).
const (
	maxMessageAge   = domain.StaleAfterDays * 24 * time.Hour
	maxMessageAhead = domain.StaleAheadDays * 24 * time.Hour
)

// stale reports a Date missing or unreadable (the zero time), too old, or too far ahead.
func stale(date, arrived time.Time) bool {
	return date.IsZero() || date.Before(arrived.Add(-maxMessageAge)) || date.After(arrived.Add(maxMessageAhead))
}

// stale lists every request for staff, with stale_message, and changes nothing: staff approve
// what still stands. The reply says so.
func (w *work) stale() (Result, error) {
	w.res.Verdict = domain.Processed
	for i, req := range w.msg.Requests {
		rr := RequestResult{Type: req.Type, Line: req.Line, Row: req.Row, Outcome: domain.Review,
			Reasons: []domain.Reason{domain.StaleMessage}}
		w.res.Requests = append(w.res.Requests, rr)
		fields, _ := json.Marshal(req)
		reqID, err := w.tx.AddRequest(w.stored.ID, store.DecidedRequest{Seq: i + 1, Type: req.Type, Line: req.Line,
			Row: req.Row, Outcome: rr.Outcome, Reasons: rr.Reasons, Fields: string(fields)})
		if err != nil {
			return Result{}, err
		}
		if err := w.tx.OpenException(w.stored.ID, reqID, domain.StaleMessage, staleDetail(w.msg.Envelope.Date, w.stored.ReceivedAt), w.now); err != nil {
			return Result{}, err
		}
	}
	if w.replyTo != "" {
		if err := w.reply(replyMail(w)); err != nil {
			return Result{}, err
		}
	}
	return w.finish()
}

// staleDetail says why, for staff.
func staleDetail(date, arrived time.Time) string {
	switch {
	case date.IsZero():
		return "The message has no readable Date, so when it was written cannot be told."
	case date.After(arrived):
		return "The message is dated " + date.UTC().Format("2 Jan 2006 15:04") + ", more than a day after it arrived (" + arrived.UTC().Format("2 Jan 2006 15:04") + ")."
	}
	return "The message is dated " + date.UTC().Format("2 Jan 2006") + ", more than " + strconv.Itoa(domain.StaleAfterDays) + " days before it arrived (" + arrived.UTC().Format("2 Jan 2006") + "): it may be an old message sent again."
}
