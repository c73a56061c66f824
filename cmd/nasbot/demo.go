package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"nasbot/internal/demo"
	"nasbot/mailer/localmail"
	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/web"
)

const demoInbox = "requests@nas.test"

// cmdDemo runs the real poller, pipeline and outbox against in-process IMAP and SMTP servers,
// an embedded SQLite file and a sample inbox, and prints what happened to each message.
func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	once := fs.Bool("once", false, "exit when the sample inbox is done (for scripts)")
	verbose := fs.Bool("v", false, "show the bot's log")
	if err := fs.Parse(args); err != nil {
		return exitBadArgs
	}
	logOut := io.Discard
	if *verbose {
		logOut = stderr
	}
	log := newLogger(logOut, "text", "info")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runDemo(ctx, *once, stdout, log); err != nil {
		fmt.Fprintln(stderr, "nasbot demo:", err)
		return exitFailed
	}
	return exitOK
}

func runDemo(ctx context.Context, once bool, out io.Writer, log *slog.Logger) error {
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

	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	cfg.DatabaseURL = filepath.Join(dir, "nasbot.db")
	cfg.IMAPURL = "imap://" + url.UserPassword(demoInbox, localmail.DefaultPassword).String() + "@" + mail.IMAPAddr + "/INBOX"
	cfg.SMTPURL = "smtp://" + mail.SMTPAddr + "?tls=none"
	cfg.FromAddress = demoInbox
	cfg.TrustAuthServ = []string{"mx.nas.test"}
	cfg.MaxReplyAge = 0          // the sample mail is old on purpose; the demo answers it all
	cfg.DeskSecureCookie = false // plain http on loopback
	// Temporary passwords go to a file in the demo's folder: the only place they are ever shown.
	cfg.SMS, cfg.Environment, cfg.SMSFile = "file", "demo", filepath.Join(dir, "texts.log")
	if err := cfg.Validate(true); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := loadDemoData(ctx, st, mail); err != nil {
		return err
	}
	if err := addDemoStaff(ctx, st); err != nil {
		return err
	}
	b, err := newBot(cfg, st, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "nasbot demo: %s holds the sample requests; the bot reads it over IMAP at %s\n", demoInbox, mail.IMAPAddr)
	printDemoPaths(out, cfg, dir, mail.SMTPAddr)
	if err := demoPass(ctx, b, mail, out); err != nil {
		return err
	}
	if once {
		return nil
	}
	fmt.Fprintf(out, "The NAS staff desk: http://%s/ — sign in as %s with the password %s\n",
		cfg.HTTPAddr, demoStaff, demoStaffPassword)
	fmt.Fprintf(out, "The bot keeps watching the inbox (IMAP %s, SMTP %s; operators: http://%s/metrics). Ctrl-C stops it.\n",
		mail.IMAPAddr, mail.SMTPAddr, cfg.MetricsAddr)
	return b.run(ctx)
}

// printDemoPaths says where everything of the demo is (its folder goes when the demo stops).
func printDemoPaths(out io.Writer, cfg Config, dir, smtpAddr string) {
	fmt.Fprintf(out, "  desk:       http://%s/  (sign in as %s, password %s)\n", cfg.HTTPAddr, demoStaff, demoStaffPassword)
	fmt.Fprintf(out, "  outbox:     the outbox table of %s, sent to the in-process SMTP server at %s\n", cfg.DatabaseURL, smtpAddr)
	fmt.Fprintf(out, "  texts log:  %s  (temporary passwords by text message)\n", cfg.SMSFile)
	fmt.Fprintf(out, "  (everything in %s is removed when the demo stops)\n\n", dir)
}

// The demo's NAS staff member; the password is printed, as the demo is for trying things.
const (
	demoStaff         = "demo.staff@nas.test"
	demoStaffPassword = "demo-desk-password"
)

func addDemoStaff(ctx context.Context, st *store.Store) error {
	hash, err := web.HashPassword(demoStaffPassword)
	if err != nil {
		return err
	}
	_, err = st.PutStaff(ctx, store.Staff{Email: demoStaff, Name: "Demo Staff", Role: "admin", PasswordHash: hash}, time.Now())
	return err
}

func loadDemoData(ctx context.Context, st *store.Store, mail *localmail.Server) error {
	orgs, accts, err := demo.Directory()
	if err != nil {
		return err
	}
	defer orgs.Close()
	defer accts.Close()
	if err := st.ImportDirectory(ctx, orgs, accts); err != nil {
		return err
	}
	inbox, err := demo.Inbox(time.Now())
	if err != nil {
		return err
	}
	for _, raw := range inbox {
		if err := mail.Append(demoInbox, "INBOX", raw); err != nil {
			return err
		}
	}
	return nil
}

// demoPass runs one pass of each stage by hand, so it can print each message as it is decided.
func demoPass(ctx context.Context, b *bot, mail *localmail.Server, out io.Writer) error {
	if _, err := b.intake.PollOnce(ctx); err != nil {
		return err
	}
	ids, err := b.store.UndecidedMessages(ctx, 1000)
	if err != nil {
		return err
	}
	var results []pipeline.Result
	for _, id := range ids {
		res, err := b.pipe.Process(ctx, id)
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	if _, err := b.sender.SendOnce(ctx); err != nil {
		return err
	}
	if _, err := b.texts.DrainOnce(ctx); err != nil {
		return err
	}
	for _, res := range results {
		printDemoResult(out, res, mail)
	}
	return nil
}

func printDemoResult(out io.Writer, res pipeline.Result, mail *localmail.Server) {
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
