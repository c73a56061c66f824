package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
	_ "github.com/lib/pq"
)

// The floor is what the same work costs with nothing but bare clients on the same servers: the
// time under which no bot could go, whatever its design. Each part runs alone, one after the
// other, on one connection, the way the bot talks to each server.

// floorIMAP fetches every message of the mailbox with UID FETCH BODY.PEEK[] in batches of 100
// (the bot's batch size), after logging in and selecting it read-only.
func floorIMAP(addr, user, pass string) (took time.Duration, n int, bytes int64, err error) {
	start := time.Now()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err != nil {
		return 0, 0, 0, err
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, 0, 0, err
	}
	sd, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return 0, 0, 0, err
	}
	uids := sd.AllUIDs()
	slices.Sort(uids)
	for batch := range slices.Chunk(uids, 100) {
		cmd := c.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{UID: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		for m := cmd.Next(); m != nil; m = cmd.Next() {
			for item := m.Next(); item != nil; item = m.Next() {
				if body, ok := item.(imapclient.FetchItemDataBodySection); ok && body.Literal != nil {
					k, err := io.Copy(io.Discard, body.Literal)
					if err != nil {
						return 0, 0, 0, err
					}
					bytes += k
					n++
				}
			}
		}
		if err := cmd.Close(); err != nil {
			return 0, 0, 0, err
		}
	}
	took = time.Since(start)
	_ = c.Logout().Wait()
	return took, n, bytes, nil
}

// floorSMTP submits one mail per recipient over one connection, reused, and returns when the
// server has accepted the last one. A server that limits the mails of a connection (Exim:
// smtp_accept_max_per_connection, 1000) answers 421, and the floor connects again.
func floorSMTP(addr, from string, to []string, mailFor func(i int) []byte) (time.Duration, error) {
	start := time.Now()
	dial := func() (*smtp.Client, error) {
		c, err := smtp.Dial(addr)
		if err != nil {
			return nil, err
		}
		if err := c.Hello("bench.nas.test"); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	c, err := dial()
	if err != nil {
		return 0, err
	}
	defer func() { c.Close() }()
	for i, rcpt := range to {
		err := c.Mail(from, nil)
		if se := (*smtp.SMTPError)(nil); errors.As(err, &se) && se.Code == 421 {
			c.Close()
			if c, err = dial(); err != nil {
				return 0, err
			}
			err = c.Mail(from, nil)
		}
		if err != nil {
			return 0, fmt.Errorf("mail %d: %w", i, err)
		}
		if err := c.Rcpt(rcpt, nil); err != nil {
			return 0, fmt.Errorf("rcpt %d: %w", i, err)
		}
		w, err := c.Data()
		if err != nil {
			return 0, fmt.Errorf("data %d: %w", i, err)
		}
		if _, err := w.Write(mailFor(i)); err != nil {
			return 0, err
		}
		if err := w.Close(); err != nil {
			return 0, fmt.Errorf("data %d: %w", i, err)
		}
	}
	took := time.Since(start)
	_ = c.Quit()
	return took, nil
}

// floorMail is a reply-sized mail (the bot's replies are about replyBytes) to the shared mailbox.
func floorMail(runID string, i int, from, to string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: NHSmail National Administration Service <%s>\r\nTo: <%s>\r\n", from, to)
	fmt.Fprintf(&b, "Subject: Re: New starter [NAS-%06d]\r\nDate: %s\r\n", i, time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <floor-%s-%d@nas.test>\r\nAuto-Submitted: auto-replied\r\n", runID, i)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	line := "The floor sends a reply of about the size the bot sends.\r\n"
	for b.Len() < replyBytes {
		b.WriteString(line)
	}
	return b.Bytes()
}

// replyBytes is about the size of the bot's replies as Dovecot stores them.
const replyBytes = 3200

// floorPG runs n minimal transactions, each one INSERT and its COMMIT, on one connection.
func floorPG(ctx context.Context, dsn string, n int) (time.Duration, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_floor (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, note TEXT NOT NULL)`); err != nil {
		return 0, err
	}
	start := time.Now()
	for i := range n {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_floor (at, note) VALUES ($1, $2)`, time.Now(), fmt.Sprint("floor ", i)); err != nil {
			tx.Rollback()
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
