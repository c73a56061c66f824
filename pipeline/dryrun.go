package pipeline

import (
	"context"
	"io"
	"log/slog"
	"time"

	"nasbot/domain"
	"nasbot/store"
	"nasbot/templates"
)

// DryRunLine is one line of `nasbot dryrun` (docs/spec/dryrun.md): what the bot would decide
// and answer for one mail file. It is a contract read by tests outside the project: never
// rename a field.
type DryRunLine struct {
	File      string          `json:"file"`
	MessageID string          `json:"message_id"`
	Verdict   domain.Verdict  `json:"verdict"`
	Reasons   []domain.Reason `json:"reasons"`
	Sender    Sender          `json:"sender"`
	Requests  []RequestResult `json:"requests"`
	Reply     *DryRunReply    `json:"reply"`
}

// DryRunReply is the reply the bot would send, or hold for staff (Held, HeldBy naming the guard).
type DryRunReply struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	Held    bool   `json:"held,omitempty"`
	HeldBy  string `json:"held_by,omitempty"`
}

// DryRun decides mail files one after the other against a store that nothing else uses (the
// command's is in memory), at a fixed time: each file sees what the files before it changed.
type DryRun struct {
	st   *store.Store
	p    *Pipeline
	now  time.Time
	next uint32
}

// NewDryRun decides with cfg at now; it logs nothing.
func NewDryRun(st *store.Store, cfg Config, r *templates.Renderer, now time.Time) *DryRun {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &DryRun{st: st, now: now, p: New(st, cfg, r, log, func() time.Time { return now })}
}

// Decide stores raw as the next message of the dry run's inbox and decides it.
func (d *DryRun) Decide(ctx context.Context, file string, raw []byte) (DryRunLine, error) {
	d.next++
	id, _, err := d.st.SaveInbound(ctx, domain.Inbound{Mailbox: "dryrun", UIDValidity: 1, UID: d.next,
		Raw: raw, ReceivedAt: d.now})
	if err != nil {
		return DryRunLine{}, err
	}
	res, err := d.p.Process(ctx, id)
	if err != nil {
		return DryRunLine{}, err
	}
	line := DryRunLine{File: file, MessageID: res.MessageID, Verdict: res.Verdict, Reasons: res.Reasons,
		Sender: res.Sender, Requests: res.Requests}
	if len(res.Replies) > 0 {
		r := res.Replies[0]
		line.Reply = &DryRunReply{To: r.To, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
			Held: r.HeldBy != "", HeldBy: r.HeldBy}
	}
	return line, nil
}
