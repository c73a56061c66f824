package sms

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestTemporaryShape(t *testing.T) {
	seen := map[string]bool{}
	for range 5000 {
		p, err := TemporaryPassword("Jane Smith")
		if err != nil {
			t.Fatal(err)
		}
		if len(p) < 12 || len(p) != Length {
			t.Fatalf("%q: length %d, want %d (at least 12)", p, len(p), Length)
		}
		if strings.ContainsAny(p, " \t\r\n") {
			t.Fatalf("%q holds a space", p)
		}
		if !strings.ContainsAny(p, upper) || !strings.ContainsAny(p, lower) || !strings.ContainsAny(p, digits) {
			t.Fatalf("%q lacks a class", p)
		}
		if strings.Trim(p, alphabet) != "" {
			t.Fatalf("%q holds a character outside the alphabet", p)
		}
		if strings.ContainsAny(p, "0O1lI") {
			t.Fatalf("%q holds a look-alike character", p)
		}
		if seen[p] {
			t.Fatalf("%q drawn twice", p)
		}
		seen[p] = true
	}
}

// Short names turn up in random draws often enough to exercise the regeneration.
func TestTemporaryNeverHoldsTheName(t *testing.T) {
	for _, name := range []string{"Ab Cd", "Li Wei", "Zoë Ng", "Kim Ax-By", "Ty O'Ek"} {
		words := nameWords(name)
		for range 3000 {
			p, err := TemporaryPassword(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range words {
				if strings.Contains(strings.ToLower(p), w) {
					t.Fatalf("TemporaryPassword(%q) = %q holds %q", name, p, w)
				}
			}
		}
	}
}

func TestNameWords(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"Jane Smith", []string{"jane", "smith"}},
		{"  JANE   SMITH ", []string{"jane", "smith"}},
		{"Sean O'Neill", []string{"sean", "neill", "oneill"}},
		{"Amira Hassan-Reid", []string{"amira", "hassan", "reid", "hassanreid"}},
		{"Zoë Brontë", []string{"zoe", "bronte"}},
		{"Jürgen Groß", []string{"jurgen", "gross"}},
		// Folded as the address is (package fold): the letters the old table here lacked.
		{"Işık Ħabib", []string{"isik", "habib"}},
		{"Łukasz Søren", []string{"lukasz", "soren"}},
		{"J Smith", []string{"smith"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := nameWords(tt.name); !slices.Equal(got, tt.want) {
			t.Errorf("nameWords(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAcceptable(t *testing.T) {
	words := nameWords("Jane Smith")
	tests := []struct {
		p    string
		want bool
	}{
		{"Ab3defghijkmnp", true},
		{"abcdefghijkmnp", false}, // no upper, no digit
		{"ABCDEFGH23JKMN", false}, // no lower
		{"Abcdefghijkmnp", false}, // no digit
		{"x7SMITHqrstuvw", false}, // the last name, any case
		{"x7JaNeqrstuvwZ", false}, // the first name, any case
		{"x7Janqrstuvwez", true},
	}
	for _, tt := range tests {
		if got := acceptable(tt.p, words); got != tt.want {
			t.Errorf("acceptable(%q) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func withRandom(t *testing.T, r io.Reader) {
	t.Helper()
	saved := random
	random = r
	t.Cleanup(func() { random = saved })
}

func TestTemporaryRandomFails(t *testing.T) {
	broken := errors.New("no entropy")
	withRandom(t, iotest.ErrReader(broken))
	if p, err := TemporaryPassword("Jane Smith"); !errors.Is(err, broken) || p != "" {
		t.Errorf("Temporary = %q, %v; want the read error", p, err)
	}
}

// A source that always gives the same byte never yields all three classes: give up, not loop.
func TestTemporaryExhausted(t *testing.T) {
	withRandom(t, iotest.OneByteReader(bytes.NewReader(bytes.Repeat([]byte{0}, 32*maxAttempts))))
	if p, err := TemporaryPassword("Jane Smith"); !errors.Is(err, ErrExhausted) || p != "" {
		t.Errorf("Temporary = %q, %v; want ErrExhausted", p, err)
	}
}

// Bytes at or above the largest multiple of the alphabet's size are skipped, not folded in.
func TestDrawRejectsBias(t *testing.T) {
	limit := 256 - 256%len(alphabet)
	src := append(bytes.Repeat([]byte{byte(limit)}, 31), 1) // 31 rejected bytes, then index 1
	src = append(src, bytes.Repeat([]byte{2}, 32)...)
	withRandom(t, bytes.NewReader(src))
	buf := make([]byte, 3)
	if err := draw(buf); err != nil {
		t.Fatal(err)
	}
	if want := string([]byte{alphabet[1], alphabet[2], alphabet[2]}); string(buf) != want {
		t.Errorf("draw = %q, want %q", buf, want)
	}
}

func BenchmarkTemporary(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := TemporaryPassword("Jane Smith"); err != nil {
			b.Fatal(err)
		}
	}
}
