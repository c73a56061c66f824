package pipeline

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/store"
	"nasbot/templates"
)

// Notifier writes mails that answer no message to the outbox: the lifecycle jobs' notices to a
// site's shared mailbox. They are rendered like replies and pass the same outbox guards, so a
// mailbox past its hourly cap is not sent one more; a held notice waits, parked, for staff to
// send or drop it from the parked replies (it has no message, so no case in the queue).
type Notifier struct{ p *Pipeline }

// NewNotifier returns the notifier of a pipeline.
func NewNotifier(p *Pipeline) *Notifier { return &Notifier{p: p} }

// Notify renders the template with data (data.Subject is the mail's subject) and writes it to
// the outbox for to, in tx.
func (n *Notifier) Notify(tx *store.Tx, to, template string, data templates.Message, now time.Time) (outboxID int64, err error) {
	capped, held, err := n.p.guardOutbox(tx, to, now)
	if err != nil {
		return 0, err
	}
	if held.by != "" {
		n.p.log.Warn("notice held for staff", slog.String("template", template), slog.String("why", held.why))
	}
	data.Capped = capped
	text, html, err := n.p.render(template, data)
	if err != nil {
		return 0, err
	}
	out := domain.Outgoing{
		MessageID: fmt.Sprintf("<notice.%s@%s>", strings.ToLower(rand.Text()), n.p.host()),
		From:      n.p.cfg.NASAddress,
		To:        to,
		Subject:   data.Subject,
		Text:      text,
		HTML:      html,
	}
	return tx.Enqueue(0, out, held.by != "", now)
}
