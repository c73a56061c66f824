package domain

import "testing"

func TestNormaliseMobile(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "07700900123", "07700900123", true},
		{"spaced", "07700 900123", "07700900123", true},
		{"dashes", "07700-900-112", "07700900112", true},
		{"dots", "07700.900.123", "07700900123", true},
		{"brackets", "(07700) 900123", "07700900123", true},
		{"nbsp", "07700\u00a0900160", "07700900160", true},
		{"tabs and padding", " \t07700 900 123 ", "07700900123", true},
		{"plus44", "+44 7700 900197", "07700900197", true},
		{"plus44 packed", "+447700900197", "07700900197", true},
		{"plus44 trunk zero", "+44 (0) 7700 900197", "07700900197", true},
		{"plus44 trunk zero packed", "+44(0)7700900197", "07700900197", true},
		{"bracketed plus", "(+44) 7700 900197", "07700900197", true},
		{"0044", "0044 7700 900197", "07700900197", true},
		{"0044 trunk zero", "0044 (0)7700 900197", "07700900197", true},
		{"44 without plus", "44 7700 900197", "07700900197", true},
		{"071", "07123 456789", "07123456789", true},
		{"075", "07512 345678", "07512345678", true},
		{"077", "07712 345678", "07712345678", true},
		{"079", "07912 345678", "07912345678", true},
		{"07624 manx", "07624 123456", "07624123456", true},
		{"en dash", "07700–900123", "07700900123", true},
		{"short", "07700 90016", "", false},
		{"long", "07700 9001234", "", false},
		{"070 personal", "07012 345678", "", false},
		{"076 pager", "07612 345678", "", false},
		{"landline", "01632 960123", "", false},
		{"letters", "07700 9OO123", "", false},
		{"empty", "", "", false},
		{"words", "ask her", "", false},
		{"plus elsewhere", "07700+900123", "", false},
		{"double plus", "++447700900123", "", false},
		{"plus not uk", "+33 6 12 34 56 78", "", false},
		{"plus44 landline", "+44 20 7946 0000", "", false},
		{"extension", "07700 900123 ext 4", "", false},
		{"two numbers", "07700 900123 / 07700 900124", "", false},
		{"too many digits", "077009001230770090012307700", "", false},
		{"44 without plus packed", "447700900197", "07700900197", true},
		{"44 trunk zero without plus", "44 (0) 7700 900197", "07700900197", true},
		{"comment after", "07700 900123 (personal)", "07700900123", true},
		{"square comment after", "07700 900123 [work phone]", "07700900123", true},
		{"two comments after", "+44 7700 900123 (mobile) (personal)", "07700900123", true},
		{"comment before", "(personal) 07700 900123", "", false},
		{"comment between two numbers", "07700 900123 (work) 07700 900124", "", false},
		{"second number in brackets", "07700 900123 (07700 900124)", "", false},
		{"two numbers spaced", "07700 900123 07700 900124", "", false},
		{"two numbers with or", "07700 900123 or 07700 900124", "", false},
		{"slash is no separator", "07700/900123", "", false},
		{"word before", "mob 07700 900123", "", false},
		{"comment only", "(personal)", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NormaliseMobile(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("NormaliseMobile(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMaskMobile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"07700900123", "07*** ***123"},
		{"+44 7700 900197", "07*** ***197"},
		{"07700 90016", "*** ***016"},
		{"123", "***"},
		{"", "***"},
	}
	for _, tt := range tests {
		if got := MaskMobile(tt.in); got != tt.want {
			t.Errorf("MaskMobile(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
