package main

import (
	"strings"
	"testing"
	"time"
)

func TestSMTPRetrySettingsAreChecked(t *testing.T) {
	base, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if err := base.Validate(false); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if base.SMTPRetryFirst != time.Minute || base.SMTPRetryMax != time.Hour || base.SMTPRetryAfterOutage != time.Minute {
		t.Errorf("defaults %v %v %v, want 1m 1h 1m", base.SMTPRetryFirst, base.SMTPRetryMax, base.SMTPRetryAfterOutage)
	}
	for name, change := range map[string]func(*Config){
		"no first delay":       func(c *Config) { c.SMTPRetryFirst = 0 },
		"a maximum too short":  func(c *Config) { c.SMTPRetryMax = 30 * time.Second },
		"an instant reconnect": func(c *Config) { c.SMTPRetryAfterOutage = time.Millisecond },
	} {
		c := base
		change(&c)
		if err := c.Validate(false); err == nil || !strings.Contains(err.Error(), "NASBOT_SMTP_RETRY_FIRST/SMTP_RETRY_MAX") {
			t.Errorf("%s: Validate said %v", name, err)
		}
	}
}
