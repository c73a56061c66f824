package handlers

import (
	"errors"
	"regexp"
	"testing"
)

func TestAddressLocal(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Jane Smith", "jane.smith"},
		{"apostrophe", "Sean O'Neill", "sean.oneill"},
		{"curly apostrophe", "Sean O’Neill", "sean.oneill"},
		{"hyphen", "Amira Hassan-Reid", "amira.hassanreid"},
		{"middle names", "Mary Ann Lou Lee", "mary.lee"},
		{"acute", "José García", "jose.garcia"},
		{"diaeresis", "Zoë Brontë", "zoe.bronte"},
		{"cedilla and caron", "François Dvořák", "francois.dvorak"},
		{"sharp s", "Jürgen Groß", "jurgen.gross"},
		{"slashed o and ash", "Søren Ærø", "soren.aero"},
		{"polish l", "Łukasz Wałęsa", "lukasz.walesa"},
		{"capitals and spaces", "  JANE \t SMITH  ", "jane.smith"},
		{"digits dropped", "Jane Smith2", "jane.smith"},
		{"punctuation word skipped", "Jane - Smith", "jane.smith"},
		{"trailing punctuation", "Smith, Jane.", "smith.jane"},
		{"non-breaking space", "Jane\u00a0Smith", "jane.smith"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := addressLocal(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("addressLocal(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestAddressLocalRefuses(t *testing.T) {
	for _, in := range []string{"", "   ", "Madonna", "Hassan-Reid", "李 王", "— —", "123 456"} {
		if got, err := addressLocal(in); !errors.Is(err, errNoLetters) {
			t.Errorf("addressLocal(%q) = %q, %v; want errNoLetters", in, got, err)
		}
	}
}

func TestSameLocal(t *testing.T) {
	tests := []struct {
		address, local string
		want           bool
	}{
		{"jane.smith@nhs.net", "jane.smith", true},
		{"jane.smith3@nhs.net", "jane.smith", true},
		{"JANE.SMITH@NHS.NET", "jane.smith", true},
		{"jane.smithson@nhs.net", "jane.smith", false},
		{"jane.smith@example.org", "jane.smith", false},
		{"jsmith@nhs.net", "jane.smith", false},
		{"no-at-sign", "jane.smith", false},
	}
	for _, tt := range tests {
		if got := sameLocal(tt.address, tt.local, "nhs.net"); got != tt.want {
			t.Errorf("sameLocal(%q, %q) = %v, want %v", tt.address, tt.local, got, tt.want)
		}
	}
}

var localShape = regexp.MustCompile(`^[a-z]+\.[a-z]+$`)

// FuzzAddressLocal: whatever the name, the local part is first.last in a–z, or refused.
func FuzzAddressLocal(f *testing.F) {
	for _, s := range []string{"Jane Smith", "Sean O'Neill", "Zoë Brontë", "Madonna", "ǅemal Ǉubić", "ﬁona ﬂynn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		local, err := addressLocal(name)
		if err != nil {
			if !errors.Is(err, errNoLetters) {
				t.Fatalf("addressLocal(%q): unexpected error %v", name, err)
			}
			return
		}
		if !localShape.MatchString(local) {
			t.Fatalf("addressLocal(%q) = %q, not first.last in a-z", name, local)
		}
	})
}
