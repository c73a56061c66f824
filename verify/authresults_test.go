package verify

import (
	"reflect"
	"testing"

	"github.com/emersion/go-msgauth/authres"
)

func TestParseAuthResults(t *testing.T) {
	cases := []struct {
		name    string
		value   string
		id      string
		results []arResult
	}{
		{name: "corpus", value: "mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net", id: "mx.nas.test",
			results: []arResult{{method: "dkim", value: "pass", d: "nhs.net"}, {method: "dmarc", value: "pass", from: "nhs.net"}}},
		{name: "OpenDKIM comment with a semicolon", value: "mx.nas.test;\tdkim=pass (2048-bit key; unprotected) header.d=nhs.net header.i=@nhs.net", id: "mx.nas.test",
			results: []arResult{{method: "dkim", value: "pass", d: "nhs.net", i: "@nhs.net"}}},
		{name: "nested comment", value: "mx.nas.test; dmarc=fail (p=reject (strict) dis=none) header.from=nhs.net", id: "mx.nas.test",
			results: []arResult{{method: "dmarc", value: "fail", from: "nhs.net"}}},
		{name: "comment after the authserv-id", value: "mx.nas.test (Postfix) 1; spf=pass smtp.mailfrom=nhs.net", id: "mx.nas.test",
			results: []arResult{{method: "spf", value: "pass"}}},
		{name: "quoted value with a semicolon", value: `mx.nas.test; dkim=pass header.d=nhs.net header.b="ab;cd"; dmarc=pass header.from=nhs.net`, id: "mx.nas.test",
			results: []arResult{{method: "dkim", value: "pass", d: "nhs.net"}, {method: "dmarc", value: "pass", from: "nhs.net"}}},
		{name: "quoted authserv-id", value: `"mx.nas.test"; dmarc=pass header.from=nhs.net`, id: "mx.nas.test",
			results: []arResult{{method: "dmarc", value: "pass", from: "nhs.net"}}},
		{name: "Exchange without authserv-id", value: "dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=nhs.net;"},
		{name: "Exchange single result", value: "dkim=none;"},
		{name: "empty", value: ""},
		{name: "comment only", value: "(mx.nas.test)"},
		{name: "method version and upper case", value: "mx.nas.test; DKIM/1=PASS Header.D=nhs.net", id: "mx.nas.test",
			results: []arResult{{method: "dkim", value: "pass", d: "nhs.net"}}},
		{name: "garbage segment skipped", value: "mx.nas.test; what is this; dmarc=pass header.from=nhs.net", id: "mx.nas.test",
			results: []arResult{{method: "dmarc", value: "pass", from: "nhs.net"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := parseAuthResults(c.value)
			if f.id != c.id {
				t.Errorf("id = %q, want %q", f.id, c.id)
			}
			if c.id != "" && !reflect.DeepEqual(f.results, c.results) {
				t.Errorf("results = %+v, want %+v", f.results, c.results)
			}
		})
	}
}

// TestAuthresParseFailures pins the go-msgauth behaviours the lenient path exists for: if a new
// version parses these, the fallback is still harmless.
func TestAuthresParseFailures(t *testing.T) {
	for _, v := range []string{
		"mx.nas.test; dkim=pass (2048-bit key; unprotected) header.d=nhs.net",
		"dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=nhs.net;",
	} {
		if _, _, err := authres.Parse(v); err == nil {
			t.Logf("authres.Parse now accepts %q", v)
		}
		if f := parseAuthResults(v); f.id == "" && v[0] == 'm' {
			t.Errorf("%q: lost the authserv-id", v)
		}
	}
}

func TestStripComments(t *testing.T) {
	for in, want := range map[string]string{
		"a (b) c":         "a   c",
		"a (b (c) d) e":   "a   e",
		`a (b \) c) d`:    "a   d",
		`a "(not) a" (x)`: `a "(not) a"  `,
		"a (unterminated": "a ",
		`"q\"(x)" y`:      `"q\"(x)" y`,
		"none":            "none",
	} {
		if got := stripComments(in); got != want {
			t.Errorf("stripComments(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAligned(t *testing.T) {
	for _, c := range []struct {
		d    string
		want bool
	}{
		{"nhs.net", true},
		{"mail.nhs.net", false}, // strict: a subdomain may be run by someone else
		{"a.b.nhs.net", false},
		{"evilnhs.net", false},
		{"nhs.net.evil.example", false},
		{"net", false},
		{"", false},
	} {
		if got := aligned(c.d, "nhs.net"); got != c.want {
			t.Errorf("aligned(%q) = %v", c.d, got)
		}
	}
}
