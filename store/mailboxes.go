package store

import (
	"context"
	"fmt"
	"time"
)

// MeetMailbox records, the first time the intake selects a mailbox, what was already in it:
// the messages below uidNext at uidValidity. Later calls change nothing. The backlog guard
// holds the replies to that mail for staff, so that connecting the bot to an inbox with a
// history never mails everyone in it.
func (s *Store) MeetMailbox(ctx context.Context, mailbox string, uidValidity, uidNext uint32, now time.Time) error {
	_, err := exec(ctx, s.db, `INSERT INTO mailboxes (name, uid_validity, uid_next, first_met_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		mailbox, int64(uidValidity), int64(uidNext), now.UTC())
	if err != nil {
		return fmt.Errorf("store: meet mailbox: %w", err)
	}
	return nil
}

// FoundAtFirstMeeting reports whether a stored message was already in its mailbox when the
// intake first selected it (see MeetMailbox).
func (t *Tx) FoundAtFirstMeeting(messageID int64) (bool, error) {
	var n int
	err := get(t.ctx, t.tx, &n, `SELECT COUNT(*) FROM messages m JOIN mailboxes b
		ON b.name = m.mailbox AND b.uid_validity = m.uid_validity AND m.uid < b.uid_next
		WHERE m.id = ?`, messageID)
	if err != nil {
		return false, fmt.Errorf("store: found at first meeting: %w", err)
	}
	return n > 0, nil
}
