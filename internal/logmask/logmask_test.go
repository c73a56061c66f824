package logmask

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	cases := map[string]string{
		"call 07700 900123 now":       "call 07*** ***123 now",
		"07700900123":                 "07*** ***123",
		"+44 7700 900123":             "07*** ***123",
		"0044 7700-900-123":           "07*** ***123",
		"+44 (0) 7700 900123":         "07*** ***123",
		"ODS FQ7K2, line 12, 3 items": "ODS FQ7K2, line 12, 3 items",
		"landline 01632 960123":       "landline 01632 960123",
	}
	for in, want := range cases {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHandlerMasksEveryPlace(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(New(slog.NewJSONHandler(&buf, nil))).With(slog.String("sender_mobile", "07700 900111"))
	log.WithGroup("req").Info("reset for 07700900222",
		slog.String("mobile", "+44 7700 900333"),
		slog.Any("error", errors.New("number 07700 900444 refused")),
		slog.Group("g", slog.String("m", "07700900555")))
	out := buf.String()
	for _, digits := range []string{"900111", "900222", "900333", "900444", "900555"} {
		if strings.Contains(out, digits) {
			t.Errorf("log line shows %s: %s", digits, out)
		}
	}
	if !strings.Contains(out, "07*** ***333") {
		t.Errorf("masked form missing: %s", out)
	}
}
