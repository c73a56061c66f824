package service

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"nasbot/sms"
	"nasbot/store"
)

// TextConfig is how temporary passwords are texted. It is meant to be embedded in Config
// (caarlos0/env reads an embedded struct's fields with the same NASBOT_ prefix):
//
//	NASBOT_SMS                 none (default: texts wait in the queue), notify, or file (demo only)
//	NASBOT_NOTIFY_API_KEY      GOV.UK Notify API key, keyname-<service id>-<secret key> (notify)
//	NASBOT_NOTIFY_TEMPLATE_ID  Notify text template (a UUID) using ((name)) and ((password))
//	NASBOT_NOTIFY_URL          Notify's API (default https://api.notifications.service.gov.uk)
//	NASBOT_SMS_FILE            where the demo file sender appends (default texts.log)
//	NASBOT_ENVIRONMENT         production (default), staging, development or demo; the file
//	                           sender, which writes passwords in clear, runs only in
//	                           development or demo
type TextConfig struct {
	SMS              string `env:"SMS" envDefault:"none"`
	NotifyAPIKey     string `env:"NOTIFY_API_KEY"`
	NotifyTemplateID string `env:"NOTIFY_TEMPLATE_ID"`
	NotifyURL        string `env:"NOTIFY_URL" envDefault:"https://api.notifications.service.gov.uk"`
	SMSFile          string `env:"SMS_FILE" envDefault:"texts.log"`
	Environment      string `env:"ENVIRONMENT" envDefault:"production"`
}

// environments where the demo file sender may run.
var fileSenderEnvironments = []string{"development", "demo"}

// Validate names the first bad text setting. It never quotes the API key.
func (c TextConfig) Validate() error {
	var errs []error
	bad := func(name, why string) { errs = append(errs, fmt.Errorf("NASBOT_%s %s", name, why)) }
	if !slices.Contains([]string{"production", "staging", "development", "demo"}, c.Environment) {
		bad("ENVIRONMENT", "must be production, staging, development or demo")
	}
	switch c.SMS {
	case "none":
	case "notify":
		if c.NotifyAPIKey == "" {
			bad("NOTIFY_API_KEY", "is not set (NASBOT_SMS=notify)")
		} else if _, _, err := sms.ParseAPIKey(c.NotifyAPIKey); err != nil {
			bad("NOTIFY_API_KEY", "is not a Notify API key (keyname-<service id>-<secret key>)")
		}
		if c.NotifyTemplateID == "" {
			bad("NOTIFY_TEMPLATE_ID", "is not set (NASBOT_SMS=notify)")
		}
	case "file":
		if !slices.Contains(fileSenderEnvironments, c.Environment) {
			bad("SMS", "=file writes temporary passwords in clear to a file and is for the demo only: "+
				"it needs NASBOT_ENVIRONMENT=development or demo (use notify in production)")
		}
		if c.SMSFile == "" {
			bad("SMS_FILE", "is empty")
		}
	default:
		bad("SMS", "must be none, notify or file")
	}
	return errors.Join(errs...)
}

// newTexts builds the configured text sender and the drainer that sends the queued texts; nil
// (and no error) with NASBOT_SMS=none, when texts wait in the queue.
func newTexts(c TextConfig, st *store.Store, log *slog.Logger) (*sms.Drainer, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var sender sms.Texter
	switch c.SMS {
	case "none":
		log.Warn("text messages are not sent (NASBOT_SMS=none): temporary passwords wait in the queue")
		return nil, nil
	case "notify":
		n, err := sms.NewNotify(sms.NotifyConfig{APIKey: c.NotifyAPIKey, TemplateID: c.NotifyTemplateID,
			BaseURL: c.NotifyURL})
		if err != nil {
			return nil, err
		}
		sender = n
	case "file":
		f, err := sms.NewFile(c.SMSFile, !slices.Contains(fileSenderEnvironments, c.Environment))
		if err != nil {
			return nil, err
		}
		log.Warn("DEMO ONLY: temporary passwords are written in clear to a file, not texted",
			slog.String("file", c.SMSFile))
		sender = f
	}
	return sms.NewDrainer(sms.DrainerConfig{}, st, sender, log, time.Now), nil
}
