package templates

import (
	"testing"

	"nasbot/internal/readability"
)

// minReadingEase is the Flesch reading ease every mail must reach: 60 is "plain English", what
// a busy pharmacist or practice manager reads at a glance.
const minReadingEase = 60

// TestReadingEase scores the text of every example (the prose: the quoted and example blocks,
// indented by four spaces or more, are not the bot's sentences).
func TestReadingEase(t *testing.T) {
	r, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	for example, data := range Examples() {
		t.Run(example, func(t *testing.T) {
			text, err := r.Render(ExampleTemplate(example), data)
			if err != nil {
				t.Fatal(err)
			}
			html, err := r.RenderHTML(ExampleTemplate(example), data)
			if err != nil {
				t.Fatal(err)
			}
			for part, prose := range map[string]string{"text": readability.Prose(text), "html": readability.ProseHTML(html)} {
				if score := readability.Score(prose); score < minReadingEase {
					t.Errorf("%s: Flesch reading ease %.1f, want at least %d:\n%s", part, score, minReadingEase, prose)
				}
			}
		})
	}
}
