package pipeline

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"pgregory.net/rapid"

	"nasbot/templates"
)

// hostile are values a sender can put in anything a mail may echo.
var hostile = []string{
	"Jane\r\nRequest: Close shared mailbox\r\nBcc: eve@evil.test",
	`<script>alert(1)</script><img src=x onerror=alert(1)><a href="https://evil.test">click</a>`,
	strings.Repeat("very long line ", 200),
	"Jane \u202eten.shn@eve\u202c Smith \u2066x\u2069 \u200f",
	"call 07700 900123 or +44 7700 900 456 or 0044-7700-900789 or 07000123456",
	"Password: hunter2",
	"Jane Smith, my PIN is hunter2",
}

// TestEchoRulesOverEveryTemplate fills every string of every template's example with each hostile
// value, renders it as the pipeline does, and checks both parts.
func TestEchoRulesOverEveryTemplate(t *testing.T) {
	r, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{templates: r}
	for example, data := range templates.Examples() {
		for i, v := range hostile {
			t.Run(example+"/"+string(rune('a'+i)), func(t *testing.T) {
				text, html, err := p.render(templates.ExampleTemplate(example), fill(data, v))
				if err != nil {
					t.Fatal(err)
				}
				checkSafe(t, "text", text)
				checkSafe(t, "html", html)
				if strings.Contains(html, "<script") || strings.Contains(html, "<img") || strings.Contains(html, `href="https://evil`) {
					t.Errorf("html carries the sender's markup:\n%s", html)
				}
				for _, l := range strings.Split(text, "\n") {
					if strings.HasPrefix(strings.TrimSpace(l), "Bcc:") || strings.HasPrefix(l, "Request: Close") {
						t.Errorf("a value started a line of its own: %q", l)
					}
					if len(l) > 998 { // RFC 5322 section 2.1.1
						t.Errorf("line of %d characters", len([]rune(l)))
					}
				}
			})
		}
	}
}

var fullMobile = regexp.MustCompile(`(?:\+\s*44|0044|\b0)[\s.\-]*7(?:[\s.\-]*\d){8,9}`)

func checkSafe(t *testing.T, part, s string) {
	t.Helper()
	if m := fullMobile.FindString(s); m != "" && !strings.Contains(m, "07700 900123") {
		t.Errorf("%s holds the full mobile %q", part, m)
	}
	if strings.Contains(s, "900456") || strings.Contains(s, "900789") || strings.Contains(s, "123456") {
		t.Errorf("%s holds a full mobile number", part)
	}
	if strings.Contains(s, "hunter2") {
		t.Errorf("%s holds a line next to a password word", part)
	}
	if strings.ContainsRune(s, '\r') {
		t.Errorf("%s holds a carriage return", part)
	}
	for _, c := range s {
		if unicode.Is(unicode.Bidi_Control, c) {
			t.Errorf("%s holds the bidirectional control %U", part, c)
			break
		}
	}
}

// fill sets every string a sender or the directory could supply to v.
func fill(m templates.Message, v string) templates.Message {
	m.Subject, m.Organisation, m.Failure, m.StaffReason, m.Mailbox, m.Arrived = v, v, v, v, v, v
	if m.Unrecognised != nil {
		m.Unrecognised = []string{v, "Password", "hunter2", "PIN 4321 hunter2", "Name: " + v}
	}
	reqs := make([]templates.Request, len(m.Requests))
	for i, r := range m.Requests {
		r.What, r.Summary, r.Ignored = v, v, []string{v}
		if r.Listing != nil {
			l := *r.Listing
			l.Accounts = append([]templates.ListedAccount{}, l.Accounts...)
			for j := range l.Accounts {
				a := &l.Accounts[j]
				a.Name, a.Address, a.Status, a.Mobile, a.OldAddresses = v, v, v, v, []string{v}
			}
			r.Listing = &l
		}
		reqs[i] = r
	}
	m.Requests = reqs
	for _, cs := range []*[]templates.AccountChange{&m.Deleted, &m.Inactive} {
		out := append([]templates.AccountChange{}, (*cs)...)
		for j := range out {
			out[j] = templates.AccountChange{Address: v, Why: v, Until: v}
		}
		*cs = out
	}
	return m
}

func TestQuotable(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"a password field goes", []string{"Name Jane", "Password: hunter2", "Role member"}, []string{"Name Jane", "Role member"}},
		{"a label alone takes its value with it", []string{"Passcode", "hunter2", "Town Ashford"}, []string{"Town Ashford"}},
		{"a PIN goes, a town called Pinner stays", []string{"PIN - 1234", "Town: Pinner"}, []string{"Town: Pinner"}},
		{"the password request is no secret", []string{"Request: Password reset", "Reset password please"}, []string{"Request: Password reset", "Reset password please"}},
		{"a mobile is masked", []string{"Mob 07700 900123"}, []string{"Mob 07*** ***123"}},
		{"an invalid mobile is masked too", []string{"Mobile 0700 0123 456"}, []string{"Mobile 07*** ***456"}},
		{"a line is cut", []string{strings.Repeat("x", 500)}, []string{strings.Repeat("x", maxQuoted-1) + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := quotable(tt.in)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("quotable(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSafeText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a secret's value goes", "New starter, Password: hunter2", "New starter, (removed)"},
		{"said in a sentence too", "my pin is 1234", "my (removed)"},
		{"our own words about passwords stay", "A temporary password for Jane has been sent", "A temporary password for Jane has been sent"},
		{"line breaks become spaces", "a\r\nBcc: b", "a  Bcc: b"},
		{"bidi controls go", "abc\u202edef\u2066", "abcdef"},
		{"mobiles are masked", "+44 7700 900123", "07*** ***123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safeText(tt.in, maxEcho); got != tt.want {
				t.Errorf("safeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSummariesKeepTheirSentences: our own explanations are longer than a sender's value and
// must reach the owner whole.
func TestSummariesKeepTheirSentences(t *testing.T) {
	long := strings.Repeat("The shared mailbox has been closed, so nothing was changed. ", 9)
	m := safeMessage(templates.Message{Requests: []templates.Request{{Summary: long}}})
	if got := m.Requests[0].Summary; got != long {
		t.Errorf("a summary of %d characters was cut to %d", len(long), len(got))
	}
}

// TestEchoPrefiltersNeverSkipAMatch holds the cheap tests in front of the echo regexps to what
// they stand for: whenever mobileLike or secretWord would match, the prefilter says "may".
func TestEchoPrefiltersNeverSkipAMatch(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		parts := rapid.SliceOf(rapid.SampledFrom([]string{"0", "7", "44", "+", " ", "-", ".", "(0)", "123", "9",
			"pass", "PASS", "word", "Code", "pin", "PINs", "secret", "memorable", "answer", "security", "question",
			"one", "time", "otp", "pwd", "is", ":", "=", "ſ", "K", "é", "a", "Jane", "\n", "\t", "x1", "IS", "–"})).Draw(t, "parts")
		s := strings.Join(parts, "")
		if mobileLike.MatchString(s) && !mayHoldMobile(s) {
			t.Fatalf("%q holds a mobile the prefilter skips", s)
		}
		if secretWord.MatchString(s) && !mayNameSecret(s) {
			t.Fatalf("%q names a secret the prefilter skips", s)
		}
		if secretValue.MatchString(s) && !mayHoldSecretValue(s) {
			t.Fatalf("%q holds a secret's value the prefilter skips", s)
		}
	})
	edges := []string{"0712345678", "call 0 7 1 2 3 4 5 6 7 8 now", "447123456789", "paſſword: x", "One-time code: 1",
		"my PIN is 1234", "Pass Word = x", "password-x", "the passcode\tis\t42", "OTP:7", "memorable  answer - blue"}
	for _, s := range append(edges, hostile...) {
		if mobileLike.MatchString(s) && !mayHoldMobile(s) || secretWord.MatchString(s) && !mayNameSecret(s) ||
			secretValue.MatchString(s) && !mayHoldSecretValue(s) {
			t.Errorf("%q: a prefilter skips a match", s)
		}
	}
}

func TestReplySubject(t *testing.T) {
	for subject, want := range map[string]string{
		"RE: Fw: New starter [NAS-000001]": "Re: New starter [NAS-000002]",
		"New starter":                      "Re: New starter [NAS-000002]",
		"re:":                              "Re: Your request [NAS-000002]",
		"":                                 "Re: Your request [NAS-000002]",
		"[NAS-12] [NAS-13]":                "Re: Your request [NAS-000002]",
		"Time: 10:00 meeting":              "Re: Time: 10:00 meeting [NAS-000002]",
	} {
		if got := replySubject(subject, "NAS-000002"); got != want {
			t.Errorf("replySubject(%q) = %q, want %q", subject, got, want)
		}
	}
}
