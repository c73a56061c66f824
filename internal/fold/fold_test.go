package fold_test

import (
	"testing"

	"nasbot/internal/fold"
)

// The readings of docs/spec/requests.md ("Accented and other letters in names") and the cases the two
// old tables disagreed on.
func TestLetters(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"diaeresis", "Zoë", "zoe"},
		{"diaeresis last", "Brontë", "bronte"},
		{"stroke l", "Łukasz", "lukasz"},
		{"slashed o", "Søren", "soren"},
		{"sharp s", "Straße", "strasse"},
		{"capital sharp s", "STRAẞE", "strasse"},
		{"ash", "Æsa", "aesa"},
		{"oe ligature", "Œdipe", "oedipe"},
		{"d with stroke", "Đorđe", "dorde"},
		{"thorn", "Þóra", "thora"},
		{"eth", "Guðrún", "gudrun"},
		{"dotless i", "Işık", "isik"},
		{"cedilla and acute", "François-Émile", "francoisemile"},
		{"apostrophe", "O'Neill", "oneill"},
		{"hyphen", "Hassan-Reid", "hassanreid"},
		{"fi ligature", "ﬁona", "fiona"},
		{"fullwidth", "Ｊａｎｅ", "jane"},
		{"no foldable letter", "李", ""},
		{"digits only", "2024", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fold.Letters(tt.in); got != tt.want {
				t.Errorf("Letters(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// ASCII keeps what is not a letter, so callers can split on it.
func TestASCIIKeepsSeparators(t *testing.T) {
	if got, want := fold.ASCII("Zoë Hassan-Reid 李"), "zoe hassan-reid 李"; got != want {
		t.Errorf("ASCII = %q, want %q", got, want)
	}
}
