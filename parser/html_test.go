package parser

import "testing"

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, html, want string }{
		{
			"outlook paragraphs",
			`<html><head><title>x</title><style>p {color:red}</style></head><body><p class=MsoNormal>Hi,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal><b>Request:</b> Add user<o:p></o:p></p></body></html>`,
			"Hi,\n\nRequest: Add user",
		},
		{"br and divs", `<div>Request: Leaver</div><div>Account: a@nhs.net</div><div><br></div><div>Thanks</div>`, "Request: Leaver\nAccount: a@nhs.net\n\nThanks"},
		{"br inside a paragraph", `<p>Request: Leaver<br>Account: a@nhs.net<br></p><p>Next</p>`, "Request: Leaver\nAccount: a@nhs.net\nNext"},
		{"list items", `<ul><li>Name: Jo</li><li>Mobile: 07700&nbsp;900123</li></ul>`, "Name: Jo\nMobile: 07700 900123"},
		{"table cells", `<table><tr><td><p>Name:</p></td><td><p>Jo Bloggs</p></td></tr><tr><td>Role</td><td>Member</td></tr></table>`, "Name:\tJo Bloggs\nRole\tMember"},
		{"whitespace collapses", "<p>Name:\n   Jo\t\tBloggs  </p>", "Name: Jo Bloggs"},
		{"script, comments, conditional comments", `<script>var a = "Request: x";</script><!-- Request: y --><!--[if gte mso 9]><xml><o:x/></xml><![endif]--><p>ok</p>`, "ok"},
		{"entities", `<p>O&#8217;Neill &amp; Co &lt;a@b.example&gt;</p>`, "O’Neill & Co <a@b.example>"},
		{"mailto with a name", `<p>Email: <a href="mailto:jo@example.com?subject=hi">Jo Bloggs</a></p>`, "Email: Jo Bloggs <jo@example.com>"},
		{"mailto showing its address", `<p>Email: <a href="MAILTO:Jo@Example.com">jo@example.com</a></p>`, "Email: jo@example.com"},
		{"blockquote", `<p>Top</p><blockquote><p>Request: Leaver</p><blockquote>deeper</blockquote></blockquote><p>After</p>`, "Top\n> Request: Leaver\n> > deeper\nAfter"},
		{"pre keeps lines", "<pre>Request: Leaver\n  Account: a@nhs.net</pre>", "Request: Leaver\n  Account: a@nhs.net"},
		{"broken html", `<p>Request: Leaver<p>Account: a@nhs.net</div></span><b>`, "Request: Leaver\nAccount: a@nhs.net"},
		{"no markup", "Request: Leaver", "Request: Leaver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.html); got != tt.want {
				t.Errorf("htmlToText:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
