package service

import (
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
