package store

import (
	"context"
	"errors"
	"fmt"

	"nasbot/domain"
)

// CaseFile is everything the desk shows about one case: the case and its site and, when a
// message caused it, the message, its other cases, its requests and its replies; then the
// history of the case and of its replies. The desk's case page and `nasbot queue show` both
// read it, so they show the same facts.
type CaseFile struct {
	Case QueueItem
	// Site is nil when the case names no site, or one the directory does not have.
	Site *domain.Organisation
	// Message is nil for a case no message caused (a lifecycle report, a failed text), which
	// then has no other cases, requests or replies either.
	Message  *StoredMessage
	Others   []QueueItem // the message's other cases
	Requests []RequestRow
	Replies  []ReplyRow
	History  []AuditRow
}

// CaseFile reads case id whole; ErrNotFound when there is no such case.
func (s *Store) CaseFile(ctx context.Context, id int64) (CaseFile, error) {
	exc, err := s.Exception(ctx, id)
	if err != nil {
		return CaseFile{}, err
	}
	f := CaseFile{Case: exc}
	if exc.ODS != "" {
		org, err := s.Organisation(ctx, exc.ODS)
		if err == nil {
			f.Site = &org
		} else if !errors.Is(err, ErrNotFound) {
			return CaseFile{}, err
		}
	}
	if exc.HasMessage() {
		if err := s.readCaseMessage(ctx, &f); err != nil {
			return CaseFile{}, err
		}
	}
	subjects := []string{exc.Tag()}
	for _, r := range f.Replies {
		subjects = append(subjects, fmt.Sprintf("outbox %d", r.ID))
	}
	f.History, err = s.History(ctx, subjects...)
	return f, err
}

// readCaseMessage adds the case's message, its other cases, its requests and its replies.
func (s *Store) readCaseMessage(ctx context.Context, f *CaseFile) error {
	ref := f.Case.MessageRef
	m, err := s.Message(ctx, ref)
	if err != nil {
		return err
	}
	f.Message = &m
	all, err := s.MessageExceptions(ctx, ref)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.ID != f.Case.ID {
			f.Others = append(f.Others, o)
		}
	}
	if f.Requests, err = s.MessageRequests(ctx, ref); err != nil {
		return err
	}
	f.Replies, err = s.MessageReplies(ctx, ref)
	return err
}
