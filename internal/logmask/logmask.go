// Package logmask is a slog.Handler that masks UK mobile numbers in every log record, whatever
// attribute or message they hide in, before another handler writes it. It is the last line of
// defence: code should not log personal data at all, and mostly does not.
package logmask

import (
	"context"
	"log/slog"
	"regexp"

	"nasbot/domain"
)

// mobileLike matches what people write for a UK mobile: 07…, +44 7…, 0044 7…, with spaces,
// dashes or dots between the digit groups.
var mobileLike = regexp.MustCompile(`(?:\+44\s?(?:\(0\)\s?)?|0044\s?|\b0)7\d{2,3}[\s.\-]?\d{3}[\s.\-]?\d{3,4}\b`)

// Mask replaces every mobile-looking number in s by its masked form (07*** ***123).
func Mask(s string) string {
	return mobileLike.ReplaceAllStringFunc(s, func(m string) string {
		if n, ok := domain.NormaliseMobile(m); ok {
			return domain.MaskMobile(n)
		}
		return m
	})
}

// Handler wraps another handler and masks mobiles in the message and every string attribute.
type Handler struct{ next slog.Handler }

// New wraps next.
func New(next slog.Handler) *Handler { return &Handler{next: next} }

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Mask(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = maskAttr(a)
	}
	return &Handler{next: h.next.WithAttrs(masked)}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Mask(v.String()))
	case slog.KindGroup:
		g := v.Group()
		masked := make([]any, len(g))
		for i, ga := range g {
			masked[i] = maskAttr(ga)
		}
		return slog.Group(a.Key, masked...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, Mask(err.Error()))
		}
	}
	return a
}
