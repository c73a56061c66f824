package readability

import "testing"

func TestReadingEaseScorer(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		min, max float64
	}{
		{"short plain words", "We have done your request. You do not need to reply.", 90, 121},
		{"long system words", "Authentication-Results verification unsuccessful: organisational administrative identification is unavailable.", -400, 0},
		{"the old spoof notice", "The message was not verified because there were no Authentication-Results from a trusted server " +
			"(mx.nas.test) above the topmost Received header, and the DKIM signature did not validate against the " +
			"organisational domain of the claimed sender.", -100, 59},
		{"addresses are one word", "Write to jane.smith@nhs.net today.", 70, 121},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Score(tt.text); got < tt.min || got > tt.max {
				t.Errorf("Score(%q) = %.1f, want %v..%v", tt.text, got, tt.min, tt.max)
			}
		})
	}
}

func TestProseHTML(t *testing.T) {
	got := ProseHTML("<html><head><title>x</title></head><p>We have done it.</p><pre>Request: Add user</pre><p>Reply &amp; keep it.</p>")
	if want := "\nWe have done it.\n\nReply & keep it.\n"; got != want {
		t.Errorf("ProseHTML = %q, want %q", got, want)
	}
}
