// Package mailer moves mail between the NAS mailbox and nasbot's store.
//
// Intake (intake.go) fetches new messages from an IMAP mailbox, stores each raw message through
// a Ledger before doing anything else, and only then moves it to a "Processed" folder. Messages
// are tracked by UIDVALIDITY and UID (RFC 3501 section 2.3.1.1), never by the \Seen flag, so a
// human reading the mailbox cannot make the bot miss or repeat a request.
//
// Sender (outbox.go) drains replies that the store wrote to its outbox and submits them over
// SMTP, recording the server's answer or the failure (temporary failures are retried with a
// growing delay, permanent ones are parked for staff).
//
// Both run until their context ends and survive connection failures with capped exponential
// back-off; they log through the *slog.Logger they are given and never log message bodies or
// addresses.
package mailer
