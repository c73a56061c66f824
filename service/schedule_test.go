package service

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestUntilDaily(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		now  time.Time
		at   string
		want time.Duration
	}{
		{time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC), "02:30", 90 * time.Minute},
		{time.Date(2026, 11, 27, 2, 30, 0, 0, time.UTC), "02:30", 24 * time.Hour}, // just ran
		{time.Date(2026, 11, 27, 23, 59, 0, 0, time.UTC), "00:00", time.Minute},
		// The night the clocks go back in London is 25 hours long.
		{time.Date(2026, 10, 24, 2, 30, 0, 0, london), "02:30", 25 * time.Hour},
	} {
		got, err := untilDaily(c.now, c.at)
		if err != nil || got != c.want {
			t.Errorf("untilDaily(%s, %s) = %v, %v; want %v", c.now, c.at, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "2:30pm", "25:00", "02:30:00"} {
		if _, err := untilDaily(time.Now(), bad); err == nil {
			t.Errorf("untilDaily(%q) accepted", bad)
		}
	}
}

// TestBotRunsTheLifecycleJobsDaily schedules the jobs for the coming minute: the site's owner,
// not signed in since February, is made inactive and the site's mailbox is told.
func TestBotRunsTheLifecycleJobsDaily(t *testing.T) {
	t.Parallel()
	next := time.Now().Add(time.Minute).Format("15:04")
	tb := startTestBot(t, func(c *Config) { c.LifecycleAt = next })
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
