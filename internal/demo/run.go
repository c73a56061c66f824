package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"nasbot/mailer/localmail"
	"nasbot/pipeline"
	"nasbot/service"
	"nasbot/store"
	"nasbot/web"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Run runs the real poller, pipeline and outbox against in-process IMAP and SMTP servers, an
// embedded SQLite file in a temporary folder and the sample inbox, printing what happened to
// each message; with once it returns when the sample inbox is done, else it serves until ctx
// ends. cfg is the environment's settings, which the demo overrides where it must.
func Run(ctx context.Context, cfg service.Config, once bool, out io.Writer, log *slog.Logger) error {
	mail, err := localmail.Start(log)
	if err != nil {
		return err
	}
	defer mail.Close()
	dir, err := os.MkdirTemp("", "nasbot-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	cfg.DatabaseURL = filepath.Join(dir, "nasbot.db")
	cfg.IMAPURL = "imap://" + url.UserPassword(Inbox, localmail.DefaultPassword).String() + "@" + mail.IMAPAddr + "/INBOX"
	cfg.SMTPURL = "smtp://" + mail.SMTPAddr + "?tls=none"
	cfg.FromAddress = Inbox
	cfg.TrustAuthServ = []string{"mx.nas.test"}
	cfg.MaxReplyAge = 0          // the sample mail is old on purpose; the demo answers it all
	cfg.DeskSecureCookie = false // plain http on loopback
	// Temporary passwords go to a file in the demo's folder: the only place they are ever shown.
	cfg.SMS, cfg.Environment, cfg.SMSFile = "file", "demo", filepath.Join(dir, "texts.log")
	if err := cfg.Validate(true); err != nil {
		return err
	}
	st, err := store.OpenMigrated(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := loadData(ctx, st, mail); err != nil {
		return err
	}
	if err := addStaff(ctx, st); err != nil {
		return err
	}
	b, err := service.New(cfg, st, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "nasbot demo: %s holds the sample requests; the bot reads it over IMAP at %s\n", Inbox, mail.IMAPAddr)
	printPaths(out, cfg, dir, mail.SMTPAddr)
	if err := pass(ctx, b, mail, out); err != nil {
		return err
	}
	if once {
		return nil
	}
	fmt.Fprintf(out, "The NAS staff desk: http://%s/ — sign in as %s with the password %s\n",
		cfg.HTTPAddr, Staff, StaffPassword)
	fmt.Fprintf(out, "The bot keeps watching the inbox (IMAP %s, SMTP %s; operators: http://%s/metrics). Ctrl-C stops it.\n",
		mail.IMAPAddr, mail.SMTPAddr, cfg.MetricsAddr)
	return b.Run(ctx)
}

// printPaths says where everything of the demo is (its folder goes when the demo stops).
func printPaths(out io.Writer, cfg service.Config, dir, smtpAddr string) {
	fmt.Fprintf(out, "  desk:       http://%s/  (sign in as %s, password %s)\n", cfg.HTTPAddr, Staff, StaffPassword)
	fmt.Fprintf(out, "  outbox:     the outbox table of %s, sent to the in-process SMTP server at %s\n", cfg.DatabaseURL, smtpAddr)
	fmt.Fprintf(out, "  texts log:  %s  (temporary passwords by text message)\n", cfg.SMSFile)
	fmt.Fprintf(out, "  (everything in %s is removed when the demo stops)\n\n", dir)
}

// The demo's NAS staff member; the password is printed, as the demo is for trying things.
const (
	Staff         = "demo.staff@nas.test"
	StaffPassword = "demo-desk-password"
)

// Inbox is the NAS inbox of the demo.
const Inbox = "requests@nas.test"

func addStaff(ctx context.Context, st *store.Store) error {
	hash, err := web.HashPassword(StaffPassword)
	if err != nil {
		return err
	}
	_, err = st.PutStaff(ctx, store.Staff{Email: Staff, Name: "Demo Staff", Role: "admin", PasswordHash: hash}, time.Now())
	return err
}

func loadData(ctx context.Context, st *store.Store, mail *localmail.Server) error {
	if err := st.ImportDirectoryFiles(ctx, Directory()); err != nil {
		return err
	}
	inbox, err := Messages(time.Now())
	if err != nil {
		return err
	}
	for _, raw := range inbox {
		if err := mail.Append(Inbox, "INBOX", raw); err != nil {
			return err
		}
	}
	return nil
}

// pass runs one pass of each stage by hand, so it can print each message as it is decided.
func pass(ctx context.Context, b *service.Bot, mail *localmail.Server, out io.Writer) error {
	results, err := b.PassOnce(ctx)
	if err != nil {
		return err
	}
	for _, res := range results {
		printResult(out, res, mail)
	}
	return nil
}

func printResult(out io.Writer, res pipeline.Result, mail *localmail.Server) {
	fmt.Fprintf(out, "── %s from %s (%s): %s", res.Tag, res.Sender.Address, res.Sender.Kind, res.Verdict)
	if len(res.Reasons) > 0 {
		fmt.Fprintf(out, " %v", res.Reasons)
	}
	fmt.Fprintln(out)
	for _, r := range res.Requests {
		fmt.Fprintf(out, "   %-20s %-9s %v %s\n", r.Type, r.Outcome, r.Reasons, r.Account)
	}
	for _, reply := range res.Replies {
		delivered := "waiting in the outbox"
		if n := len(mail.Messages(reply.To, "INBOX")); n > 0 {
			delivered = "delivered"
		}
		fmt.Fprintf(out, "   reply to %s (%s): %s\n", reply.To, delivered, reply.Subject)
		for _, line := range strings.Split(strings.TrimRight(reply.Text, "\n"), "\n") {
			fmt.Fprintf(out, "   │ %s\n", line)
		}
	}
	if len(res.Replies) == 0 {
		fmt.Fprintln(out, "   no reply (never answered: see the reason)")
	}
	fmt.Fprintln(out)
}
