package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"nasbot/store"
)

// Parked replies: held by the backlog guard (the mail was too old to answer unseen) or failed
// for good. Everyone can see them; only an admin sends or drops one.

type repliesData struct {
	Replies []parkedReply
}

type parkedReply struct {
	store.ReplyRow
	CaseID int64 // an exception about the same message, to link to; 0 when none
}

func (s *server) repliesPage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	rows, err := s.store.ParkedReplies(r.Context(), 500)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := repliesData{}
	for _, row := range rows {
		pr := parkedReply{ReplyRow: row}
		if row.MessageRef != nil {
			excs, err := s.store.MessageExceptions(r.Context(), *row.MessageRef)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			if len(excs) > 0 {
				pr.CaseID = excs[0].ID
			}
		}
		d.Replies = append(d.Replies, pr)
	}
	s.render(w, r, http.StatusOK, "replies", me, "Parked replies", "replies", d)
}

func (s *server) releaseReply(w http.ResponseWriter, r *http.Request, me *store.Session) {
	s.replyAction(w, r, me, "release", s.desk.ReleaseReply, "Released: the reply goes out at the next outbox pass.")
}

func (s *server) dropReply(w http.ResponseWriter, r *http.Request, me *store.Session) {
	s.replyAction(w, r, me, "drop", s.desk.DropReply, "Dropped: the reply will not be sent.")
}

func (s *server) replyAction(w http.ResponseWriter, r *http.Request, me *store.Session, action string,
	fn func(ctx context.Context, outboxID int64, staff string) error, ok string) {
	back := localPath(r.PostFormValue("back"), "/replies")
	id, valid := pathID(r, "id")
	if !valid {
		s.fail(w, r, http.StatusNotFound, "There is no such reply.")
		return
	}
	reply, err := s.store.Reply(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "There is no such reply.")
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	if reply.State != store.OutboxParked {
		s.flash(r, me, "error", "Not done: that reply is not parked (it is "+reply.State+").")
		redirect(w, r, back)
		return
	}
	if err := fn(r.Context(), id, me.Staff); err != nil {
		s.log.Warn("desk: reply action failed", slog.String("action", action), slog.Int64("outbox", id),
			slog.String("staff", me.Staff), slog.String("error", err.Error()))
		s.flash(r, me, "error", deskErrorText(action+" the reply", err))
	} else {
		s.log.Info("desk: reply action", slog.String("action", action), slog.Int64("outbox", id), slog.String("staff", me.Staff))
		s.flash(r, me, "ok", ok)
	}
	redirect(w, r, back)
}
