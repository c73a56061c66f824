// Package readability scores text with the Flesch reading ease, for tests that hold the bot's
// mails to plain English: 206.835 − 1.015 words per sentence − 84.6 syllables per word; 60 and
// above is plain English.
package readability

import (
	"html"
	"regexp"
	"strings"
	"unicode"
)

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

// Score is the Flesch reading ease of text: 206.835 − 1.015 words per sentence − 84.6
// syllables per word. A line is a sentence when it ends without a full stop (a heading, a list
// item); an address, a link or a number is a word of one syllable.
func Score(text string) float64 {
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

var (
	preBlock = regexp.MustCompile(`(?s)<(pre|head|table)\b.*?</(pre|head|table)>`)
	blockTag = regexp.MustCompile(`(?i)</?(p|div|li|ul|h[1-6]|tr|br)\b[^>]*>`)
	anyTag   = regexp.MustCompile(`<[^>]*>`)
)

// ProseHTML is the prose of an HTML mail: its example blocks and tables left out, each
// paragraph a line, as Prose reads the text.
func ProseHTML(s string) string {
	s = preBlock.ReplaceAllString(s, "")
	s = blockTag.ReplaceAllString(s, "\n")
	return html.UnescapeString(anyTag.ReplaceAllString(s, ""))
}
