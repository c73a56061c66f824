package service

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caarlos0/env/v11"
)

const textsTestKey = "nasbot-live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"

// TestTextConfigEmbedsInConfig proves the settings read with Config's prefix once embedded.
func TestTextConfigEmbedsInConfig(t *testing.T) {
	t.Setenv("NASBOT_SMS", "notify")
	t.Setenv("NASBOT_NOTIFY_API_KEY", textsTestKey)
	t.Setenv("NASBOT_NOTIFY_TEMPLATE_ID", "f33517ff-2a88-4f6e-b855-c550268ce08a")
	var c struct {
		DatabaseURL string `env:"DATABASE_URL" envDefault:"nasbot.db"`
		TextConfig
	}
	if err := env.ParseWithOptions(&c, env.Options{Prefix: "NASBOT_"}); err != nil {
		t.Fatal(err)
	}
	if c.SMS != "notify" || c.NotifyAPIKey != textsTestKey || c.Environment != "production" ||
		c.NotifyURL != "https://api.notifications.service.gov.uk" {
		t.Fatalf("%+v", c.TextConfig)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestTextConfigValidate(t *testing.T) {
	ok := TextConfig{SMS: "notify", NotifyAPIKey: textsTestKey, NotifyTemplateID: "f33517ff-2a88-4f6e-b855-c550268ce08a",
		NotifyURL: "https://api.notifications.service.gov.uk", SMSFile: "texts.log", Environment: "production"}
	for _, tc := range []struct {
		name string
		mod  func(*TextConfig)
		want string // "" when valid
	}{
		{"notify", func(*TextConfig) {}, ""},
		{"none", func(c *TextConfig) { c.SMS, c.NotifyAPIKey = "none", "" }, ""},
		{"file in production", func(c *TextConfig) { c.SMS = "file" }, "NASBOT_SMS"},
		{"file in staging", func(c *TextConfig) { c.SMS, c.Environment = "file", "staging" }, "NASBOT_SMS"},
		{"file in the demo", func(c *TextConfig) { c.SMS, c.Environment = "file", "demo" }, ""},
		{"no key", func(c *TextConfig) { c.NotifyAPIKey = "" }, "NASBOT_NOTIFY_API_KEY"},
		{"bad key", func(c *TextConfig) { c.NotifyAPIKey = "secret-not-a-key" }, "NASBOT_NOTIFY_API_KEY"},
		{"no template", func(c *TextConfig) { c.NotifyTemplateID = "" }, "NASBOT_NOTIFY_TEMPLATE_ID"},
		{"unknown sender", func(c *TextConfig) { c.SMS = "pigeon" }, "NASBOT_SMS"},
		{"unknown environment", func(c *TextConfig) { c.Environment = "prod" }, "NASBOT_ENVIRONMENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			err := c.Validate()
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if err != nil && (strings.Contains(err.Error(), "secret-not-a-key") || strings.Contains(err.Error(), textsTestKey)) {
				t.Fatalf("error quotes the key: %v", err)
			}
		})
	}
}

func TestNewTexts(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	d, err := newTexts(TextConfig{SMS: "none", Environment: "production"}, nil, log)
	if err != nil || d != nil || !strings.Contains(logs.String(), "not sent") {
		t.Fatalf("none: %v %v %s", d, err, logs.String())
	}
	file := filepath.Join(t.TempDir(), "texts.log")
	if _, err := newTexts(TextConfig{SMS: "file", SMSFile: file, Environment: "production"}, nil, log); err == nil {
		t.Fatal("file sender started in production")
	}
	if d, err := newTexts(TextConfig{SMS: "file", SMSFile: file, Environment: "demo"}, nil, log); err != nil || d == nil {
		t.Fatalf("file in the demo: %v", err)
	}
	if d, err := newTexts(TextConfig{SMS: "notify", NotifyAPIKey: textsTestKey, NotifyTemplateID: "f33517ff-2a88-4f6e-b855-c550268ce08a",
		NotifyURL: "https://api.notifications.service.gov.uk", Environment: "production"}, nil, log); err != nil || d == nil {
		t.Fatalf("notify: %v", err)
	}
}
