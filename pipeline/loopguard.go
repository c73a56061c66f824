package pipeline

import (
	"strings"

	"nasbot/domain"
)

// automatic reports whether a message must never be answered (RFC 3834 section 2 and what
// helpdesks learned): auto-submitted mail, bounces and reports, out-of-office notes, list mail
// and mail from daemon addresses. Answering any of them risks a mail loop.
func automatic(m *domain.Message) (domain.Reason, bool) {
	env := &m.Envelope
	as := strings.ToLower(strings.TrimSpace(env.AutoSubmitted))
	switch {
	case as != "" && as != "no": // RFC 3834 section 5
		return domain.AutoSubmitted, true
	case env.HasReturnPath && strings.Trim(strings.TrimSpace(env.ReturnPath), "<>") == "": // bounce
		return domain.AutoSubmitted, true
	case m.IsReport || env.ContentType == "multipart/report": // DSN, MDN (RFC 6522)
		return domain.AutoSubmitted, true
	case env.ListID != "": // RFC 2919
		return domain.AutoSubmitted, true
	}
	switch strings.ToLower(strings.TrimSpace(env.Precedence)) {
	case "list", "bulk", "junk", "auto_reply":
		return domain.AutoSubmitted, true
	}
	for _, h := range env.Headers {
		switch strings.ToLower(h.Key) {
		case "x-autoreply", "x-autorespond", "x-auto-response":
			return domain.AutoSubmitted, true
		}
	}
	subject := strings.ToLower(env.Subject)
	for _, prefix := range []string{"automatic reply:", "auto reply:", "autoreply:", "out of office:"} {
		if strings.HasPrefix(subject, prefix) {
			return domain.AutoSubmitted, true
		}
	}
	local, _, _ := strings.Cut(env.FromAddress(), "@")
	switch local {
	case "mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply":
		return domain.AutoSubmitted, true
	}
	return "", false
}
