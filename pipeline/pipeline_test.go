package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/pipeline"
	"nasbot/store"
	"nasbot/templates"
	"nasbot/verify"
)

var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	t     testing.TB
	store *store.Store
	p     *pipeline.Pipeline
	uid   uint32
}

func newFixture(t *testing.T, cfg pipeline.Config) *fixture {
	t.Helper()
	return newFixtureAt(t, filepath.Join(t.TempDir(), "nasbot.db"), cfg)
}

// newFixtureAt is a pipeline on the database at url, loaded with the sample directory.
func newFixtureAt(t testing.TB, url string, cfg pipeline.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	st := testenv.OpenStore(t, url)
	orgs, _ := os.Open("../testdata/corpus/directory/organisations.csv")
	accts, _ := os.Open("../testdata/corpus/directory/accounts.csv")
	defer orgs.Close()
	defer accts.Close()
	if err := st.ImportDirectory(ctx, orgs, accts); err != nil {
		t.Fatal(err)
	}
	r, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.NASAddress = "requests@nas.test"
	cfg.Verify = verify.Config{TrustedAuthServIDs: []string{"mx.nas.test"}}
	p := pipeline.New(st, cfg, r, slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return testNow })
	return &fixture{t: t, store: st, p: p}
}

// store saves raw as the intake would, and returns its ledger id.
func (f *fixture) save(raw string) int64 {
	f.t.Helper()
	f.uid++
	id, _, err := f.store.SaveInbound(context.Background(), domain.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: f.uid,
		Raw: []byte(strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")), ReceivedAt: testNow})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// deliver stores raw as the intake would and decides it.
func (f *fixture) deliver(raw string) pipeline.Result {
	f.t.Helper()
	res, err := f.p.Process(context.Background(), f.save(raw))
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

type mailOpts struct {
	from, subject, id, extra, body string
	trusted                        bool
	date                           string
}

func mail(o mailOpts) string {
	if o.date == "" {
		o.date = "Mon, 02 Mar 2026 08:00:00 +0000"
	}
	ar := ""
	if o.trusted {
		ar = "Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net\n"
	}
	return fmt.Sprintf("%sReceived: from x by mx.nas.test; %s\nFrom: %s\nTo: requests@nas.test\nSubject: %s\nDate: %s\nMessage-ID: <%s>\n%sContent-Type: text/plain; charset=utf-8\n\n%s",
		ar, o.date, o.from, o.subject, o.date, o.id, o.extra, o.body)
}

const addUserBody = `Request: Add user
Name: Zoe Example
Mobile: 07700 900901
Email: zoe@example.org
Linked: Yes

Requested by: Rachel Dunmore (rachel.dunmore@nhs.net)
`

func TestGenuineRequestIsDoneAndAnsweredThreaded(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	res := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "RE: Re: New starter [NAS-000077]", id: "a1@nhs.net",
		trusted: true, extra: "References: <older@nas.test>\nReply-To: someone@evil.example\n",
		body: strings.ReplaceAll(addUserBody, "Rachel Dunmore (rachel.dunmore", "Amelia Hart (amelia.hart")}))
	if res.Verdict != domain.Processed || len(res.Requests) != 1 || res.Requests[0].Outcome != domain.Done {
		t.Fatalf("result: %+v", res)
	}
	if len(res.Replies) != 1 {
		t.Fatalf("want one reply, got %d", len(res.Replies))
	}
	r := res.Replies[0]
	if r.To != "pharmacy.fq7k2@nhs.net" {
		t.Errorf("reply goes to %q, want the shared mailbox on record (never Reply-To)", r.To)
	}
	if r.Subject != "Re: New starter ["+res.Tag+"]" {
		t.Errorf("subject %q: want one Re: and only our tag", r.Subject)
	}
	if r.InReplyTo != "<a1@nhs.net>" || strings.Join(r.References, " ") != "<older@nas.test> <a1@nhs.net>" {
		t.Errorf("threading: In-Reply-To %q References %v", r.InReplyTo, r.References)
	}
	if !strings.Contains(r.Text, "zoe.example@nhs.net") || strings.Contains(r.Text, "07700 900901") || strings.Contains(r.Text, "07700900901") {
		t.Errorf("reply must name the account and never show the full mobile:\n%s", r.Text)
	}
	if _, err := f.store.Account(context.Background(), "zoe.example@nhs.net"); err != nil {
		t.Errorf("account not created: %v", err)
	}
}

func TestNeverAnswered(t *testing.T) {
	cases := map[string]string{
		"auto-submitted": "Auto-Submitted: auto-replied\n",
		"bounce":         "Return-Path: <>\n",
		"list":           "List-Id: <staff.example.org>\n",
		"bulk":           "Precedence: bulk\n",
	}
	for name, extra := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, pipeline.Config{})
			res := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "x", id: name + "@nhs.net",
				trusted: true, extra: extra, body: addUserBody}))
			if res.Verdict != domain.Ignored || len(res.Replies) != 0 || len(res.Requests) != 0 {
				t.Fatalf("want ignored with no reply, got %+v", res)
			}
		})
	}
	t.Run("auto-submitted no is ordinary mail", func(t *testing.T) {
		f := newFixture(t, pipeline.Config{})
		res := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "x", id: "no@nhs.net",
			trusted: true, extra: "Auto-Submitted: no\n", body: addUserBody}))
		if res.Verdict == domain.Ignored {
			t.Fatalf("Auto-Submitted: no must be processed, got %+v", res)
		}
	})
}

func TestReplayIsIgnoredAndChangesNothingTwice(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	raw := mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "x", id: "same@nhs.net", trusted: true,
		body: strings.ReplaceAll(addUserBody, "Rachel Dunmore (rachel.dunmore", "Amelia Hart (amelia.hart")})
	first := f.deliver(raw)
	second := f.deliver(raw)
	if first.Verdict != domain.Processed || second.Verdict != domain.Ignored || second.Reasons[0] != domain.Duplicate {
		t.Fatalf("first %v, second %v %v", first.Verdict, second.Verdict, second.Reasons)
	}
	if len(second.Replies) != 0 {
		t.Fatal("a duplicate must not be answered")
	}
}

func TestUnprovenMailNoticesOnlyTheGenuineMailbox(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	res := f.deliver(mail(mailOpts{from: `"Riverside" <pharmacy.fq7k2@nhs.net>`, subject: "urgent", id: "spoof@evil.example",
		extra: "Reply-To: thief@evil.example\n", body: addUserBody}))
	if res.Verdict != domain.Unverified || res.Requests[0].Outcome != domain.Review {
		t.Fatalf("result: %+v", res)
	}
	if len(res.Replies) != 1 || res.Replies[0].To != "pharmacy.fq7k2@nhs.net" {
		t.Fatalf("notice must go to the genuine mailbox only: %+v", res.Replies)
	}
	if !strings.Contains(res.Replies[0].Text, "could not confirm") {
		t.Errorf("notice text:\n%s", res.Replies[0].Text)
	}
	if _, err := f.store.Account(context.Background(), "zoe.example@nhs.net"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unproven mail changed the directory: %v", err)
	}

	unknown := f.deliver(mail(mailOpts{from: "stranger@evil.example", subject: "hi", id: "s2@evil.example", body: addUserBody}))
	if unknown.Verdict != domain.Unverified || len(unknown.Replies) != 0 {
		t.Fatalf("an unknown unproven sender gets no answer: %+v", unknown)
	}
}

func TestBacklogGuardHoldsRepliesToOldMail(t *testing.T) {
	f := newFixture(t, pipeline.Config{MaxReplyAge: 72 * time.Hour})
	res := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "old", id: "old@nhs.net", trusted: true,
		date: "Wed, 25 Feb 2026 08:00:00 +0000", body: "Request: Leaver\nAccount: daniel.okafor@nhs.net\n"}))
	if res.Requests[0].Outcome != domain.Done {
		t.Fatalf("old mail is still decided: %+v", res)
	}
	due, err := f.store.PendingReplies(context.Background(), 10, testNow.Add(time.Hour))
	if err != nil || len(due) != 0 {
		t.Fatalf("reply to week-old mail must be held, pending: %+v %v", due, err)
	}
}

func TestUnparseableIsAnsweredWithTheFormat(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	res := f.deliver(mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "help", id: "u@nhs.net", trusted: true,
		body: "Hi, please add Sam to our mailbox, thanks\n"}))
	if res.Verdict != domain.Unparseable || len(res.Replies) != 1 || !strings.Contains(res.Replies[0].Text, "Request: Add user") {
		t.Fatalf("result: %+v", res)
	}
}

func TestLegacyMailboxAliasCountsAsTheMailbox(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	legacy := "nhspharmacy.ashford.riversidefq7k2@nhs.net"
	if err := f.store.ImportAliases(context.Background(),
		strings.NewReader("alias,target\n"+legacy+",pharmacy.fq7k2@nhs.net\n")); err != nil {
		t.Fatal(err)
	}
	res := f.deliver(mail(mailOpts{from: legacy, subject: "leaver", id: "legacy@nhs.net", trusted: true,
		body: "Request: Leaver\nAccount: daniel.okafor@nhs.net\n"}))
	if res.Sender.Kind != pipeline.SenderSharedMailbox || res.Sender.ODS != "FQ7K2" || res.Requests[0].Outcome != domain.Done {
		t.Fatalf("legacy alias not taken as the mailbox: %+v", res)
	}
	if res.Replies[0].To != "pharmacy.fq7k2@nhs.net" {
		t.Errorf("reply to %s, want the mailbox on record", res.Replies[0].To)
	}
}

func TestFollowUpIsNotedOnTheOriginalRequest(t *testing.T) {
	f := newFixture(t, pipeline.Config{})
	first := f.deliver(overLimitMail())
	follow := f.deliver(mail(mailOpts{from: "pharmacy.fh3m8@nhs.net", subject: "RE: Eleventh [" + first.Tag + "]",
		id: "follow@nhs.net", trusted: true, body: "Any news on this one?\n"}))
	var details []string
	err := f.store.DB().Select(&details, f.store.DB().Rebind(`SELECT detail FROM audit WHERE action = 'follow-up' AND subject = ?`), first.Tag)
	if err != nil || len(details) != 1 || !strings.Contains(details[0], follow.Tag) {
		t.Fatalf("follow-up not noted on %s: %v %v", first.Tag, details, err)
	}
}
