package parser

import "testing"

func TestScanAddressField(t *testing.T) {
	for _, c := range []struct {
		in        string
		mailboxes int
		group     bool
	}{
		{"a@nhs.net", 1, false},
		{`"A: B" <a@nhs.net>`, 1, false},
		{`"Hart, Amelia" <a@nhs.net>`, 1, false},
		{`Hart, Amelia <a@nhs.net>`, 1, false},
		{`"x@nhs.net" <a@evil.example>`, 1, false},
		{`a@nhs.net (x: y, z@w)`, 1, false},
		{`<@route.example,@r2.example:a@nhs.net>`, 1, false},
		{`a@[IPv6:2001:db8::1]`, 1, false},
		{`a@nhs.net, b@nhs.net`, 2, false},
		{`a@nhs.net, <broken@`, 2, false},
		{`a@nhs.net,`, 1, false},
		{`G: a@nhs.net;`, 1, true},
		{`undisclosed-recipients:;`, 0, true},
		{`"x" <a@nhs.net>, G: b@nhs.net;`, 2, true},
		{`"unterminated: <a@nhs.net>`, 0, false},
		{`=?utf-8?q?Riverside?= <a@nhs.net>`, 1, false},
		{`Riverside <a@nhs.net>; b@evil.example`, 1, true},
	} {
		n, g := scanAddressField(c.in)
		if n != c.mailboxes || g != c.group {
			t.Errorf("scanAddressField(%q) = %d, %v; want %d, %v", c.in, n, g, c.mailboxes, c.group)
		}
	}
}
