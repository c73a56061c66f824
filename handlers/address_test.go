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
	tests := []struct {
		in   string
		want error
	}{
		{"", errOneWord},
		{"   ", errOneWord},
		{"Madonna", errOneWord},
		{"Hassan-Reid", errOneWord},
		{"李 王", errNoLetters},
		{"Jane 李", errNoLetters},
		{"李 Smith", errNoLetters},
		{"— —", errNoLetters},
		{"123 456", errNoLetters},
	}
	for _, tt := range tests {
		if got, err := addressLocal(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("addressLocal(%q) = %q, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestReserved(t *testing.T) {
	tests := []struct {
		address string
		want    bool
	}{
		{"pharmacy.fa123@nhs.net", true},
		{"Pharmacy.FA123@nhs.net", true},
		{"dac.g9911@nhs.net", true},
		{"optometry.op123@nhs.net", true},
		{"dental.v10423@nhs.net", true},
		{"care.1-2000000001@nhs.net", true},
		{"care.smith@nhs.net", true}, // letters only are ODS-shaped too
		{"pharmacy.ab@nhs.net", false},
		{"pharmacy.abcdefghijklm@nhs.net", false},
		{"pharmacist.fa123@nhs.net", false},
		{"jane.pharmacy@nhs.net", false},
		{"jane.smith@nhs.net", false},
	}
	for _, tt := range tests {
		if got := reserved(tt.address); got != tt.want {
			t.Errorf("reserved(%q) = %v, want %v", tt.address, got, tt.want)
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
			if !errors.Is(err, errNoLetters) && !errors.Is(err, errOneWord) {
				t.Fatalf("addressLocal(%q): unexpected error %v", name, err)
			}
			return
		}
		if !localShape.MatchString(local) {
			t.Fatalf("addressLocal(%q) = %q, not first.last in a-z", name, local)
		}
	})
}
