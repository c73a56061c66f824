package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/sethvargo/go-retry"

	"nasbot/domain"
)

// Ledger is where intake stores what it fetched (implemented by the store).
type Ledger interface {
	// LastUID is the highest UID stored for mailbox at uidValidity (0 when none).
	LastUID(ctx context.Context, mailbox string, uidValidity uint32) (uint32, error)
	// SaveInbound stores the raw message durably in one transaction; isNew is false when that
	// (mailbox, uidValidity, uid) was stored before.
	SaveInbound(ctx context.Context, in domain.Inbound) (id int64, isNew bool, err error)
	// MeetMailbox records, the first time only, which mail was in the mailbox when it was first
	// selected (UIDs below uidNext): the backlog guard holds the replies to it.
	MeetMailbox(ctx context.Context, mailbox string, uidValidity, uidNext uint32, now time.Time) error
}

// IMAPConfig says where the NAS mailbox is and how to watch it.
type IMAPConfig struct {
	// URL is imap://user:pass@host:port/INBOX (plain, or STARTTLS with ?starttls=1) or
	// imaps://user:pass@host:port/INBOX (implicit TLS). See ParseIMAPURL.
	URL string
	// ProcessedFolder receives every message once it is stored; created if missing.
	// Default "Processed".
	ProcessedFolder string
	// PollInterval is how often the mailbox is checked when the server lacks IDLE. Default 30s.
	PollInterval time.Duration
	// IdleRefresh ends each IDLE after this long for a full pass, a safety net for a missed
	// notification. Default 5 min (the server's own inactivity limit is at least 30 min,
	// RFC 2177).
	IdleRefresh time.Duration
	// BatchSize is how many UIDs one UID FETCH asks for. Default 100.
	BatchSize int
	// TLSConfig is used for imaps and STARTTLS; nil means the system roots and the URL's host.
	TLSConfig *tls.Config
	// Auth logs in; nil means LOGIN with the URL's user and password. (XOAUTH2 plugs in here.)
	Auth Auth
	// Observe (may be nil) is told after every pass over the mailbox, and of every failed
	// connection, with the time and the error (nil when the pass worked): metrics and /readyz.
	Observe func(at time.Time, err error)
}

// Intake copies new messages from the NAS mailbox into the ledger, then moves them to the
// processed folder.
//
// The order of the steps is the whole point: a message is moved only after SaveInbound has
// returned without error in the same pass, so a crash, a dropped connection or a failing store
// at any moment leaves it either in the mailbox (fetched again next pass; SaveInbound is
// idempotent on mailbox+UIDVALIDITY+UID) or stored. Messages are tracked by UIDVALIDITY and UID
// (RFC 3501 section 2.3.1.1), never by \Seen, and fetched with BODY.PEEK[] so that \Seen is
// left alone for the humans who also read the mailbox.
type Intake struct {
	cfg      IMAPConfig
	ep       Endpoint
	auth     Auth
	ledger   Ledger
	log      *slog.Logger
	onStored func(id int64)

	backoffBase, backoffMax time.Duration
	noIdle                  bool // tests: behave as if the server lacked IDLE
}

// NewIntake checks cfg and returns an intake; it does not connect. onStored (may be nil) is
// called with the ledger id of each newly stored message, after its row is committed.
func NewIntake(cfg IMAPConfig, ledger Ledger, log *slog.Logger, onStored func(id int64)) (*Intake, error) {
	ep, err := ParseIMAPURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if ledger == nil {
		return nil, errors.New("mailer: intake: nil ledger")
	}
	if cfg.ProcessedFolder == "" {
		cfg.ProcessedFolder = "Processed"
	}
	if cfg.ProcessedFolder == ep.Mailbox {
		return nil, fmt.Errorf("mailer: intake: processed folder %q is the watched mailbox", cfg.ProcessedFolder)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 30 * time.Second
	}
	if cfg.IdleRefresh <= 0 {
		cfg.IdleRefresh = 5 * time.Minute
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	auth := cfg.Auth
	if auth == nil {
		if ep.Username == "" {
			return nil, errors.New("mailer: intake: imap url has no user and no Auth is set")
		}
		auth = PasswordAuth{Username: ep.Username, Password: ep.Password}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if onStored == nil {
		onStored = func(int64) {}
	}
	return &Intake{
		cfg:         cfg,
		ep:          ep,
		auth:        auth,
		ledger:      ledger,
		log:         log.With(slog.String("component", "imap_intake"), slog.String("mailbox", ep.Mailbox)),
		onStored:    onStored,
		backoffBase: backoffBase,
		backoffMax:  backoffMax,
	}, nil
}

// Run watches the mailbox until ctx is done, then returns nil. Connection errors are logged and
// followed by a reconnect after an exponential back-off (1 s to 2 min, with jitter); they never
// end Run.
func (in *Intake) Run(ctx context.Context) error {
	b := newBackoff(in.backoffBase, in.backoffMax)
	for {
		err := in.watch(ctx, func() { b = newBackoff(in.backoffBase, in.backoffMax) })
		if ctx.Err() != nil {
			return nil
		}
		in.observe(err)
		delay, _ := b.Next()
		in.log.Warn("imap session ended; reconnecting",
			slog.String("addr", in.ep.Addr), slog.String("error", errText(err)), slog.Duration("retry_in", delay))
		if !sleep(ctx, delay) {
			return nil
		}
	}
}

// PollOnce does one connect, fetch, store and move pass and logs out. It returns how many
// messages were newly stored; a store failure is returned (joined) after the other messages
// were handled, and the failed ones are left in the mailbox for the next pass.
func (in *Intake) PollOnce(ctx context.Context) (stored int, err error) {
	cn, err := in.connect(ctx)
	if err != nil {
		return 0, err
	}
	defer cn.close()
	if err := in.prepare(cn); err != nil {
		return 0, err
	}
	return in.pass(ctx, cn)
}

// watch is one connection's life: connect, then pass and wait until an IMAP error.
func (in *Intake) watch(ctx context.Context, connected func()) error {
	cn, err := in.connect(ctx)
	if err != nil {
		return err
	}
	defer cn.close()
	if err := in.prepare(cn); err != nil {
		return err
	}
	in.log.Info("imap connected", slog.String("addr", in.ep.Addr), slog.Bool("idle", cn.idle),
		slog.Uint64("uid_validity", uint64(cn.uidValidity)))

	var storeRetry retry.Backoff
	for first := true; ; first = false {
		_, err := in.pass(ctx, cn)
		in.observe(err)
		var retryIn time.Duration
		var le *ledgerError
		if first && (err == nil || errors.As(err, &le)) {
			// Reset the reconnect back-off only once IMAP worked end to end, so that a server
			// that fails every pass is not hammered once a second.
			connected()
		}
		switch {
		case err == nil:
			storeRetry = nil
		case errors.As(err, &le):
			// The store is down or refused a message: keep the connection, try again soon.
			if storeRetry == nil {
				storeRetry = newBackoff(in.backoffBase, in.backoffMax)
			}
			retryIn, _ = storeRetry.Next()
			in.log.Error("imap intake: store failed; messages left in mailbox",
				slog.String("error", errText(err)), slog.Duration("retry_in", retryIn))
		default:
			return err
		}
		if err := in.wait(ctx, cn, retryIn); err != nil {
			return err
		}
	}
}

func (in *Intake) observe(err error) {
	if in.cfg.Observe != nil {
		in.cfg.Observe(time.Now(), err)
	}
}

// conn is one logged-in, selected IMAP connection.
type conn struct {
	c           *imapclient.Client
	changed     chan struct{} // a new EXISTS count arrived (RFC 3501 section 7.3.1)
	uidValidity uint32
	uidNext     uint32 // at SELECT
	met         bool   // the ledger has recorded the mailbox
	idle        bool
	stop        func() bool
}

func (cn *conn) close() {
	// LOGOUT is a courtesy; the library bounds its wait for the answer.
	_ = cn.c.Logout().Wait()
	_ = cn.c.Close()
	cn.stop()
}

// connect dials, secures and logs in. Cancelling ctx closes the socket, which unblocks every
// command of the session.
func (in *Intake) connect(ctx context.Context) (*conn, error) {
	d := net.Dialer{Timeout: 30 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", in.ep.Addr)
	if err != nil {
		return nil, fmt.Errorf("mailer: imap dial %s: %w", in.ep.Addr, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.Close() })
	changed := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: in.tlsConfig(),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the client's reader goroutine: never block here.
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case changed <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	fail := func(err error) (*conn, error) {
		_ = raw.Close()
		stop()
		return nil, err
	}
	var c *imapclient.Client
	switch in.ep.Security {
	case SecurityTLS:
		tc := tls.Client(raw, opts.TLSConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(fmt.Errorf("mailer: imap tls %s: %w", in.ep.Addr, err))
		}
		c = imapclient.New(tc, opts)
	case SecurityStartTLS:
		c, err = imapclient.NewStartTLS(raw, opts)
		if err != nil {
			return fail(fmt.Errorf("mailer: imap starttls %s: %w", in.ep.Addr, err))
		}
	default:
		c = imapclient.New(raw, opts)
	}
	if err := c.WaitGreeting(); err != nil {
		_ = c.Close()
		return fail(fmt.Errorf("mailer: imap greeting %s: %w", in.ep.Addr, err))
	}
	if err := in.auth.Authenticate(c); err != nil {
		_ = c.Close()
		return fail(err)
	}
	return &conn{c: c, changed: changed, stop: stop}, nil
}

func (in *Intake) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if in.cfg.TLSConfig != nil {
		cfg = in.cfg.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = in.ep.Host
	}
	return cfg
}

// prepare makes sure the processed folder exists and selects the watched mailbox.
func (in *Intake) prepare(cn *conn) error {
	if err := in.ensureFolder(cn.c, in.cfg.ProcessedFolder); err != nil {
		return err
	}
	data, err := cn.c.Select(in.ep.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("mailer: imap select: %w", err)
	}
	if data.UIDValidity == 0 {
		return errors.New("mailer: imap select: server sent no UIDVALIDITY")
	}
	cn.uidValidity, cn.uidNext = data.UIDValidity, uint32(data.UIDNext)
	caps := cn.c.Caps()
	cn.idle = (caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2)) && !in.noIdle
	return nil
}

func (in *Intake) ensureFolder(c *imapclient.Client, name string) error {
	list, err := c.List("", name, nil).Collect()
	if err != nil {
		return fmt.Errorf("mailer: imap list %q: %w", name, err)
	}
	if len(list) > 0 {
		return nil
	}
	err = c.Create(name, nil).Wait()
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		err = nil // created by someone else meanwhile
	}
	if err != nil {
		return fmt.Errorf("mailer: imap create %q: %w", name, err)
	}
	in.log.Info("imap folder created", slog.String("folder", name))
	return nil
}

// ledgerError marks a failure of the store (as opposed to the IMAP connection).
type ledgerError struct{ err error }

func (e *ledgerError) Error() string { return e.err.Error() }
func (e *ledgerError) Unwrap() error { return e.err }

// pass handles every message now in the mailbox, lowest UID first, in batches.
//
// New messages (UID above the ledger's LastUID) and messages stored by an earlier pass that
// never got moved (a crash or a failed MOVE) are both fetched and saved; for the latter
// SaveInbound answers isNew=false and only the move is repeated. Re-saving instead of trusting
// "UID <= LastUID means stored" keeps the guarantee simple: nothing is moved unless this pass
// saw its SaveInbound succeed. The UID list comes from UID SEARCH ALL, so the "UID N:* matches
// the highest UID" trap of RFC 3501 section 6.4.8 does not arise.
func (in *Intake) pass(ctx context.Context, cn *conn) (stored int, err error) {
	if !cn.met {
		if err := in.ledger.MeetMailbox(ctx, in.ep.Mailbox, cn.uidValidity, cn.uidNext, time.Now()); err != nil {
			return 0, &ledgerError{fmt.Errorf("mailer: ledger meet mailbox: %w", err)}
		}
		cn.met = true
	}
	last, err := in.ledger.LastUID(ctx, in.ep.Mailbox, cn.uidValidity)
	if err != nil {
		return 0, &ledgerError{fmt.Errorf("mailer: ledger last uid: %w", err)}
	}
	sd, err := cn.c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("mailer: imap uid search: %w", err)
	}
	uids := sd.AllUIDs()
	slices.Sort(uids)
	if n := countAtMost(uids, imap.UID(last)); n > 0 {
		in.log.Info("imap intake: messages stored earlier are still in the mailbox; moving them",
			slog.Int("count", n), slog.Uint64("last_uid", uint64(last)))
	}
	var storeErrs []error
	for batch := range slices.Chunk(uids, in.cfg.BatchSize) {
		if err := ctx.Err(); err != nil {
			return stored, err
		}
		saved, n, serr, err := in.fetchBatch(ctx, cn, batch)
		stored += n
		// Move what this pass saved even when the batch ended in an error.
		if merr := in.move(cn, saved); merr != nil && err == nil {
			err = merr
		}
		if err != nil {
			return stored, err
		}
		storeErrs = append(storeErrs, serr...)
	}
	if stored > 0 {
		in.log.Info("imap intake: messages stored", slog.Int("count", stored),
			slog.Uint64("uid_validity", uint64(cn.uidValidity)))
	}
	if len(storeErrs) > 0 {
		return stored, &ledgerError{errors.Join(storeErrs...)}
	}
	return stored, nil
}

func countAtMost(sorted []imap.UID, last imap.UID) int {
	n, _ := slices.BinarySearch(sorted, last+1)
	return n
}

// fetchBatch fetches uids (ascending) with BODY.PEEK[] and saves them in UID order, whatever
// order the server answers in. It returns the UIDs saved (to move), how many were new, the
// store errors (those messages stay in the mailbox), and an IMAP error, if any.
func (in *Intake) fetchBatch(ctx context.Context, cn *conn, uids []imap.UID) (saved []imap.UID, stored int, storeErrs []error, err error) {
	if len(uids) == 0 {
		return nil, 0, nil, nil // an empty UID set is a protocol error that ends the connection
	}
	cmd := cn.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID:          true,
		InternalDate: true,
		BodySection:  []*imap.FetchItemBodySection{{Peek: true}},
	})
	waiting := make(map[imap.UID]domain.Inbound, len(uids))
	next := 0 // index in uids of the next message to save
	save := func(uid imap.UID) {
		msg := waiting[uid]
		delete(waiting, uid)
		id, isNew, serr := in.ledger.SaveInbound(ctx, msg)
		if serr != nil {
			in.log.Error("imap intake: save failed; message left in mailbox",
				slog.Uint64("uid", uint64(uid)), slog.String("error", serr.Error()))
			storeErrs = append(storeErrs, fmt.Errorf("mailer: save uid %d: %w", uid, serr))
			return
		}
		saved = append(saved, uid)
		if isNew {
			stored++
			in.log.Debug("imap intake: message stored", slog.Uint64("uid", uint64(uid)),
				slog.Int64("id", id), slog.Int("bytes", len(msg.Raw)))
			in.onStored(id)
		}
	}
	// flush saves the messages that are next in UID order and have arrived.
	flush := func() {
		for next < len(uids) && ctx.Err() == nil {
			if _, ok := waiting[uids[next]]; !ok {
				return
			}
			save(uids[next])
			next++
		}
	}
	var readErr error
	for {
		fm := cmd.Next()
		if fm == nil {
			break
		}
		msg, rerr := readFetched(fm)
		if rerr != nil {
			readErr = rerr
			break
		}
		if msg.Raw == nil || msg.UID == 0 {
			continue // expunged meanwhile (NIL body) or not ours
		}
		msg.Mailbox = in.ep.Mailbox
		msg.UIDValidity = cn.uidValidity
		if msg.ReceivedAt.IsZero() {
			msg.ReceivedAt = time.Now()
		}
		waiting[imap.UID(msg.UID)] = msg
		flush()
	}
	if cerr := cmd.Close(); readErr == nil {
		readErr = cerr
	}
	if readErr != nil {
		return saved, stored, storeErrs, fmt.Errorf("mailer: imap uid fetch: %w", readErr)
	}
	// The FETCH completed: UIDs it did not return were expunged meanwhile. Save the rest.
	for ; next < len(uids) && ctx.Err() == nil; next++ {
		if _, ok := waiting[uids[next]]; ok {
			save(uids[next])
		}
	}
	if err := ctx.Err(); err != nil {
		return saved, stored, storeErrs, err
	}
	return saved, stored, storeErrs, nil
}

// readFetched reads one FETCH response, literal first, before the caller moves to the next.
func readFetched(fm *imapclient.FetchMessageData) (domain.Inbound, error) {
	var msg domain.Inbound
	for {
		item := fm.Next()
		if item == nil {
			return msg, nil
		}
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			msg.UID = uint32(it.UID)
		case imapclient.FetchItemDataInternalDate:
			msg.ReceivedAt = it.Time.UTC()
		case imapclient.FetchItemDataBodySection:
			if it.Literal == nil {
				continue
			}
			raw, err := io.ReadAll(it.Literal)
			if err != nil {
				return msg, err
			}
			if raw == nil {
				raw = []byte{}
			}
			msg.Raw = raw
		}
	}
}

// move moves uids to the processed folder (UID MOVE, RFC 6851; the library falls back to
// COPY + STORE \Deleted + EXPUNGE without it).
func (in *Intake) move(cn *conn, uids []imap.UID) error {
	if len(uids) == 0 {
		return nil
	}
	if _, err := cn.c.Move(imap.UIDSetNum(uids...), in.cfg.ProcessedFolder).Wait(); err != nil {
		return fmt.Errorf("mailer: imap move to %q: %w", in.cfg.ProcessedFolder, err)
	}
	return nil
}

// wait returns when the mailbox may have changed: an EXISTS during IDLE (RFC 2177), the idle
// refresh or poll interval, or retryIn (when > 0) after a store failure.
func (in *Intake) wait(ctx context.Context, cn *conn, retryIn time.Duration) error {
	timeout := in.cfg.PollInterval
	if cn.idle {
		timeout = in.cfg.IdleRefresh
	}
	if retryIn > 0 && retryIn < timeout {
		timeout = retryIn
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	if !cn.idle {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-cn.c.Closed():
			return errors.New("mailer: imap connection closed")
		case <-cn.changed:
		case <-timer.C:
		}
		return nil
	}

	select {
	case <-cn.changed:
		return nil // new mail arrived during the pass
	default:
	}
	idle, err := cn.c.Idle()
	if err != nil {
		return fmt.Errorf("mailer: imap idle: %w", err)
	}
	var closed bool
	select {
	case <-ctx.Done():
	case <-cn.c.Closed():
		closed = true
	case <-cn.changed:
	case <-timer.C:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := idle.Close(); err != nil {
		return fmt.Errorf("mailer: imap idle done: %w", err)
	}
	if err := idle.Wait(); err != nil {
		return fmt.Errorf("mailer: imap idle: %w", err)
	}
	if closed {
		return errors.New("mailer: imap connection closed")
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
