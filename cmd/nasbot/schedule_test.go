package main

import (
	"context"
	"nasbot/service"
	"strings"
	"testing"
	"time"
)

// TestBotRunsTheLifecycleJobsDaily schedules the jobs for the coming minute: the site's owner,
// not signed in since February, is made inactive and the site's mailbox is told.
func TestBotRunsTheLifecycleJobsDaily(t *testing.T) {
	t.Parallel()
	next := time.Now().Add(time.Minute).Format("15:04")
	tb := startTestBot(t, func(c *service.Config) { c.LifecycleAt = next })
	notice := waitForMail(t, tb.servers, tb.shared, 90*time.Second)
	if subject, _ := notice.Header.Subject(); !strings.HasPrefix(subject, "Changes to NHSmail accounts") {
		t.Errorf("mail to the site: %q, want the lifecycle notice", subject)
	}
	var status string
	tb.store.DB().GetContext(context.Background(), &status, `SELECT status FROM accounts WHERE email = 'ola.owner@nhs.net'`)
	if status != "inactive" {
		t.Errorf("the owner unseen since February is %q, want inactive", status)
	}
}
