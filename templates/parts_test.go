package templates

import (
	"strings"
	"testing"

	"nasbot/internal/readability"
)

// TestTextAndHTMLSayTheSame: every sentence of the text part is in the HTML part, so an owner
// reads the same whichever part their mail program shows.
func TestTextAndHTMLSayTheSame(t *testing.T) {
	r, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	quotes := strings.NewReplacer("“", `"`, "”", `"`)
	for example, data := range Examples() {
		t.Run(example, func(t *testing.T) {
			name := ExampleTemplate(example)
			text, err := r.Render(name, data)
			if err != nil {
				t.Fatal(err)
			}
			html, err := r.RenderHTML(name, data)
			if err != nil {
				t.Fatal(err)
			}
			prose := quotes.Replace(readability.ProseHTML(html))
			for _, l := range strings.Split(readability.Prose(text), "\n") {
				l = strings.TrimPrefix(strings.TrimSpace(l), "- ")
				if l != "" && !strings.Contains(prose, l) {
					t.Errorf("the HTML part lacks %q", l)
				}
			}
		})
	}
}
