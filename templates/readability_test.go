package templates

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
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
			if score := ReadingEase(Prose(text)); score < minReadingEase {
				t.Errorf("Flesch reading ease %.1f, want at least %d:\n%s", score, minReadingEase, Prose(text))
			}
		})
	}
}

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
			"organisational domain of the claimed sender.", -100, minReadingEase - 1},
		{"addresses are one word", "Write to jane.smith@nhs.net today.", 70, 121},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReadingEase(tt.text); got < tt.min || got > tt.max {
				t.Errorf("ReadingEase(%q) = %.1f, want %v..%v", tt.text, got, tt.min, tt.max)
			}
		})
	}
}

var (
	sentenceEnd = regexp.MustCompile(`[.!?:]+(\s|$)|\n`)
	vowelGroup  = regexp.MustCompile(`[aeiouy]+`)
)

// Prose is the text a reader reads as sentences: lines indented by four spaces or more (the
// example and quoted blocks, the account lists) and underlines are left out.
func Prose(text string) string {
	var keep []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "    ") || strings.Trim(l, "-") == "" {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// ReadingEase is the Flesch reading ease of text: 206.835 − 1.015 words per sentence − 84.6
// syllables per word. A line is a sentence when it ends without a full stop (a heading, a list
// item); an address, a link or a number is a word of one syllable.
func ReadingEase(text string) float64 {
	sentences := 0
	words, syllables := 0, 0
	for _, s := range sentenceEnd.Split(text, -1) {
		n := 0
		for _, w := range strings.Fields(s) {
			if !strings.ContainsFunc(w, unicode.IsLetter) && !strings.ContainsFunc(w, unicode.IsDigit) {
				continue
			}
			n++
			syllables += syllablesOf(w)
		}
		if n > 0 {
			sentences++
			words += n
		}
	}
	if words == 0 {
		return 0
	}
	return 206.835 - 1.015*float64(words)/float64(sentences) - 84.6*float64(syllables)/float64(words)
}

// syllablesOf counts vowel groups, less a silent final e; at least one.
func syllablesOf(w string) int {
	w = strings.ToLower(w)
	if strings.ContainsAny(w, "@/") || !strings.ContainsFunc(w, unicode.IsLetter) {
		return 1
	}
	w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
	n := len(vowelGroup.FindAllString(w, -1))
	if strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "le") && n > 1 {
		n--
	}
	return max(n, 1)
}
