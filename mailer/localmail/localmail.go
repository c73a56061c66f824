// Package localmail runs a small IMAP and SMTP server inside the process, for the one-command
// demo and for fast unit tests of package mailer. It is not a mail server to test against in
// integration tests: those use the real Dovecot and Exim (internal/testenv).
//
// Any address is a user: it is created on first use (an SMTP delivery, Append, AddUser or an
// IMAP LOGIN) with an INBOX, and its password is DefaultPassword unless AddUser set another.
// SMTP accepts every recipient and delivers the message unchanged into that recipient's INBOX,
// except two test hooks: a local part starting with "reject-" is refused with 550 5.1.1 and one
// starting with "tempfail-" with 451 4.3.0. SMTP AUTH PLAIN is offered without TLS and checks
// the same passwords; it is optional.
package localmail

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
)

// DefaultPassword is the password of every user that AddUser did not set one for.
const DefaultPassword = "localmail"

// Server is a running pair of in-memory IMAP and SMTP servers on 127.0.0.1.
type Server struct {
	IMAPAddr string // host:port of the IMAP server (plain, LOGIN allowed)
	SMTPAddr string // host:port of the SMTP server (plain, AUTH PLAIN allowed)

	log  *slog.Logger
	imap *imapserver.Server
	smtp *smtp.Server

	mu    sync.Mutex
	users map[string]*account // by lower-case address
}

type account struct {
	user     *imapmemserver.User
	password string
}

// Start listens on two free loopback ports and serves until Close. log may be nil.
func Start(log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{log: log.With(slog.String("component", "localmail")), users: make(map[string]*account)}

	imapLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("localmail: imap listen: %w", err)
	}
	smtpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = imapLn.Close()
		return nil, fmt.Errorf("localmail: smtp listen: %w", err)
	}
	s.IMAPAddr = imapLn.Addr().String()
	s.SMTPAddr = smtpLn.Addr().String()

	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &imapSession{srv: s}, nil, nil
		},
		// IDLE comes with IMAP4rev1 once logged in; MOVE and UIDPLUS need saying.
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {},
			imap.CapIdle:      {},
			imap.CapMove:      {},
			imap.CapUIDPlus:   {},
		},
		Logger:       printfLogger{s.log},
		InsecureAuth: true,
	})

	s.smtp = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: s}, nil
	}))
	s.smtp.Domain = "localmail.test"
	s.smtp.AllowInsecureAuth = true
	s.smtp.MaxMessageBytes = 50 << 20
	s.smtp.MaxRecipients = 100
	s.smtp.ReadTimeout = time.Minute
	s.smtp.WriteTimeout = time.Minute
	s.smtp.ErrorLog = printfLogger{s.log}

	go func() {
		if err := s.imap.Serve(imapLn); err != nil {
			s.log.Warn("localmail: imap server stopped", slog.String("error", err.Error()))
		}
	}()
	go func() {
		if err := s.smtp.Serve(smtpLn); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.log.Warn("localmail: smtp server stopped", slog.String("error", err.Error()))
		}
	}()
	s.log.Info("localmail started", slog.String("imap_addr", s.IMAPAddr), slog.String("smtp_addr", s.SMTPAddr))
	return s, nil
}

// Close stops both servers and drops their connections.
func (s *Server) Close() error {
	return errors.Join(s.imap.Close(), s.smtp.Close())
}

// AddUser creates address with an INBOX (if new) and sets its password.
func (s *Server) AddUser(address, password string) {
	a := s.account(address)
	s.mu.Lock()
	a.password = password
	s.mu.Unlock()
}

// account returns the user for address, creating it with an INBOX and DefaultPassword.
func (s *Server) account(address string) *account {
	key := strings.ToLower(strings.TrimSpace(address))
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.users[key]; ok {
		return a
	}
	u := imapmemserver.NewUser(key, "")
	_ = u.Create("INBOX", nil) // a fresh user has no mailbox: cannot fail
	a := &account{user: u, password: DefaultPassword}
	s.users[key] = a
	return a
}

func (s *Server) checkPassword(address, password string) (*account, bool) {
	a := s.account(address)
	s.mu.Lock()
	defer s.mu.Unlock()
	return a, a.password == password
}

// Append adds raw to mailbox (created if missing) of address, as new mail would arrive; IDLE
// sessions on that mailbox are told.
func (s *Server) Append(address, mailbox string, raw []byte) error {
	u := s.account(address).user
	if err := u.Create(mailbox, nil); err != nil && !isAlreadyExists(err) {
		return fmt.Errorf("localmail: create %q: %w", mailbox, err)
	}
	if _, err := u.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Time: time.Now()}); err != nil {
		return fmt.Errorf("localmail: append to %q: %w", mailbox, err)
	}
	return nil
}

// RecreateMailbox deletes mailbox of address and creates it empty again, which gives it a new
// UIDVALIDITY (RFC 3501 section 2.3.1.1): for tests of what the intake does then.
func (s *Server) RecreateMailbox(address, mailbox string) error {
	u := s.account(address).user
	if err := u.Delete(mailbox); err != nil {
		return fmt.Errorf("localmail: delete %q: %w", mailbox, err)
	}
	if err := u.Create(mailbox, nil); err != nil {
		return fmt.Errorf("localmail: create %q: %w", mailbox, err)
	}
	return nil
}

// Messages returns the raw messages in mailbox of address, lowest UID first, or nil when the
// mailbox does not exist. It reads them over IMAP (with BODY.PEEK[], so flags are untouched).
func (s *Server) Messages(address, mailbox string) [][]byte {
	msgs, err := s.messages(address, mailbox)
	if err != nil {
		s.log.Debug("localmail: read mailbox", slog.String("mailbox", mailbox), slog.String("error", err.Error()))
		return nil
	}
	return msgs
}

func (s *Server) messages(address, mailbox string) ([][]byte, error) {
	a := s.account(address)
	s.mu.Lock()
	password := a.password
	s.mu.Unlock()

	c, err := imapclient.DialInsecure(s.IMAPAddr, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	if err := c.Login(address, password).Wait(); err != nil {
		return nil, err
	}
	data, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, err
	}
	if data.NumMessages == 0 {
		return [][]byte{}, nil
	}
	var set imap.SeqSet
	set.AddRange(1, data.NumMessages)
	bufs, err := c.Fetch(set, &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		return nil, err
	}
	msgs := make([][]byte, 0, len(bufs))
	for _, b := range bufs {
		msgs = append(msgs, b.FindBodySection(&imap.FetchItemBodySection{Peek: true}))
	}
	_ = c.Logout().Wait()
	return msgs, nil
}

func isAlreadyExists(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists
}

// literal is an imap.LiteralReader over bytes.
type literal struct{ *bytes.Reader }

// imapSession is imapmemserver's user session behind localmail's own LOGIN, which creates
// users on demand.
type imapSession struct {
	*imapmemserver.UserSession // nil until LOGIN
	srv                        *Server
}

var _ imapserver.SessionIMAP4rev2 = (*imapSession)(nil)

func (sess *imapSession) Login(username, password string) error {
	a, ok := sess.srv.checkPassword(username, password)
	if !ok {
		return imapserver.ErrAuthFailed
	}
	sess.UserSession = imapmemserver.NewUserSession(a.user)
	return nil
}

func (sess *imapSession) Close() error {
	if sess.UserSession == nil {
		return nil
	}
	return sess.UserSession.Close()
}

// idleRecheck bounds how long a change that raced with the start of IDLE can go unreported.
const idleRecheck = 200 * time.Millisecond

// Idle reports changes while the client idles (RFC 2177). imapmemserver's own Idle waits for
// the next change only, so a message appended between the client's last command and IDLE would
// go unreported until a later one; this reports what queued up first and then re-checks the
// queue every idleRecheck.
func (sess *imapSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if sess.UserSession == nil {
		<-stop
		return nil
	}
	for {
		if err := sess.UserSession.Poll(w, true); err != nil {
			return err
		}
		innerStop := make(chan struct{})
		done := make(chan error, 1)
		go func() { done <- sess.UserSession.Idle(w, innerStop) }()
		timer := time.NewTimer(idleRecheck)
		select {
		case <-stop:
			timer.Stop()
			close(innerStop)
			return <-done
		case <-timer.C:
			close(innerStop)
			if err := <-done; err != nil {
				return err
			}
		case err := <-done:
			timer.Stop()
			if err != nil {
				return err
			}
			select { // no mailbox selected: nothing to report
			case <-stop:
				return nil
			case <-time.After(idleRecheck):
			}
		}
	}
}

// printfLogger lets the servers' Printf-style error logs reach slog.
type printfLogger struct{ log *slog.Logger }

func (l printfLogger) Printf(format string, v ...any) {
	l.log.Warn("localmail: " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (l printfLogger) Println(v ...any) {
	l.log.Warn("localmail: " + strings.TrimSpace(fmt.Sprintln(v...)))
}
