package service

import (
	"strings"
	"testing"
	"time"

	"github.com/caarlos0/env/v11"
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

func TestMetricsAddressAndProxiesAreChecked(t *testing.T) {
	base, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if base.MetricsAddr != "127.0.0.1:9090" {
		t.Errorf("default NASBOT_METRICS_ADDR %q, want loopback", base.MetricsAddr)
	}
	tests := []struct {
		name   string
		change func(*Config)
		says   string
	}{
		{"not host:port", func(c *Config) { c.MetricsAddr = "9090" }, "NASBOT_METRICS_ADDR is not host:port"},
		{"the desk's address", func(c *Config) { c.MetricsAddr = c.HTTPAddr }, "NASBOT_METRICS_ADDR must differ"},
		{"a bad proxy", func(c *Config) { c.DeskTrustedProxies = []string{"10.0.0.1", "proxy.example"} }, "NASBOT_DESK_TRUSTED_PROXIES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			tt.change(&c)
			if err := c.Validate(false); err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Validate: %v, want it to say %q", err, tt.says)
			}
		})
	}
	c := base
	c.DeskTrustedProxies = []string{"10.0.0.1", " 10.1.0.0/16", "fd00::/8"}
	ps, err := c.trustedProxies()
	if err != nil || len(ps) != 3 || ps[0].String() != "10.0.0.1/32" || ps[1].String() != "10.1.0.0/16" {
		t.Errorf("trusted proxies %v, %v", ps, err)
	}
}

// loadConfig reads the NASBOT_* environment as cmd/nasbot does.
func loadConfig() (Config, error) {
	var c Config
	err := env.ParseWithOptions(&c, env.Options{Prefix: "NASBOT_"})
	return c, err
}
