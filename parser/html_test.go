package parser

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

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
		{"a tiny spacer paragraph is still a blank line", `<p>Request: Leaver</p><p style="font-size:1pt">&nbsp;</p><p>Thanks</p>`, "Request: Leaver\n\nThanks"},
		{"white page text", `<html><body text="#ffffff"><p>Request: Add user</p><p style="color:#000">Request: Leaver</p></body></html>`, "Request: Leaver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.html); got != tt.want {
				t.Errorf("htmlToText:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestHiddenHTML: text a reader cannot see is not read (docs/spec/requests.md "Readings decided").
func TestHiddenHTML(t *testing.T) {
	const shown = "<p>Request: Leaver</p>"
	tests := []struct{ name, html, want string }{
		{"display none", `<div style="display:none">Request: Add user</div>`, ""},
		{"display none in capitals, spaced, important", `<div style="DISPLAY : NONE !IMPORTANT">Request: Add user</div>`, ""},
		{"display none hides its descendants", `<div style="display:none"><p style="display:block;color:red">Request: Add user</p></div>`, ""},
		{"a later declaration wins", `<div style="display:none; display:block">Request: Add user</div>`, "Request: Add user"},
		{"visibility hidden", `<p style="visibility:hidden">Request: Add user</p>`, ""},
		{"visibility hidden is inherited", `<div style="visibility:hidden"><p><b>Request: Add user</b></p></div>`, ""},
		{"visibility visible inside hidden shows", `<div style="visibility:hidden"><p style="visibility:visible">Request: Add user</p></div>`, "Request: Add user"},
		{"hidden attribute", `<p hidden>Request: Add user</p>`, ""},
		{"mso-hide", `<p style="mso-hide:all">Request: Add user</p>`, ""},
		{"opacity 0", `<p style="opacity:0">Request: Add user</p>`, ""},
		{"font-size 0", `<p style="font-size:0">Request: Add user</p>`, ""},
		{"font-size 1px", `<p><span style="font-size:1px">Request: Add user</span></p>`, ""},
		{"font-size 0.5pt", `<p style="font-size:.5pt">Request: Add user</p>`, ""},
		{"font shorthand 0/0", `<p style="font:0/0 a">Request: Add user</p>`, ""},
		{"font-size in em of a tiny parent", `<div style="font-size:1px"><p style="font-size:1.5em">Request: Add user</p></div>`, ""},
		{"a readable size inside a tiny one", `<div style="font-size:0"><p style="font-size:11pt">Request: Add user</p></div>`, "Request: Add user"},
		{"2px is read", `<p style="font-size:2px">Request: Add user</p>`, "Request: Add user"},
		{"white with no background", `<p style="color:white">Request: Add user</p>`, ""},
		{"#fff", `<p style="color:#FFF">Request: Add user</p>`, ""},
		{"#ffffff", `<p style="color:#ffffff">Request: Add user</p>`, ""},
		{"rgb white", `<p style="color: rgb(255, 255, 255)">Request: Add user</p>`, ""},
		{"rgb percent white", `<p style="color:rgb(100%,100%,100%)">Request: Add user</p>`, ""},
		{"near-white", `<p style="color:#f4f4f4">Request: Add user</p>`, ""},
		{"named near-white", `<p style="color:Snow">Request: Add user</p>`, ""},
		{"hsl white", `<p style="color:hsl(0, 0%, 99%)">Request: Add user</p>`, ""},
		{"font color attribute", `<p><font color="#ffffff">Request: Add user</font></p>`, ""},
		{"transparent", `<p style="color:transparent">Request: Add user</p>`, ""},
		{"alpha 0", `<p style="color:rgba(0,0,0,0)">Request: Add user</p>`, ""},
		{"white inherited", `<div style="color:#fff"><p><span>Request: Add user</span></p></div>`, ""},
		{"white on a dark background", `<div style="background:#003087 url(x.png)"><p style="color:#fff">Request: Add user</p></div>`, "Request: Add user"},
		{"white on a bgcolor cell", `<table bgcolor="navy"><tr><td><font color="white">Request: Add user</font></td></tr></table>`, "Request: Add user"},
		{"black on black", `<div style="background-color:black"><p style="color:#010101">Request: Add user</p></div>`, ""},
		{"grey is read", `<p style="color:#999">Request: Add user</p>`, "Request: Add user"},
		{"a link keeps its own colour", `<p style="color:#fff"><a href="https://x.example">Request: Add user</a></p>`, "Request: Add user"},
		{"a hidden mailto adds no address", `<p>Email: <a href="mailto:a@b.example" style="font-size:0">x</a></p>`, "Email:"},
		{"sheet class display none", `<style>.pre { display: none }</style><p class="pre">Request: Add user</p>`, ""},
		{"sheet in the body", `<p class="w">Request: Add user</p><style>p.w{color:#ffffff}</style>`, ""},
		{"sheet descendant selector", `<style>div.x span {font-size:0}</style><div class="x"><p><span>Request: Add user</span></p></div>`, ""},
		{"inline beats the sheet", `<style>.pre{display:none}</style><p class="pre" style="display:block">Request: Add user</p>`, "Request: Add user"},
		{"sheet !important beats inline", `<style>.pre{display:none!important}</style><p class="pre" style="display:block">Request: Add user</p>`, ""},
		{"id beats class", `<style>#v{color:black} .w{color:white}</style><p id="v" class="w">Request: Add user</p>`, "Request: Add user"},
		{"media rules for the screen apply", `<style>@media screen { .m {display:none} }</style><p class="m">Request: Add user</p>`, ""},
		{"media rules always true apply", `<style>@media not print and (min-width: 1px) { .m {display:none} }</style><p class="m">Request: Add user</p>`, ""},
		{"supports rules apply", `<style>@supports (display:grid) { .m {font-size:0} }</style><p class="m">Request: Add user</p>`, ""},
		{"print rules do not apply", `<style>@media print { .m {display:none} }</style><p class="m">Request: Add user</p>`, "Request: Add user"},
		{"phone rules do not apply", `<style>@media only screen and (max-width: 600px) { .m {display:none !important} }</style><p class="m">Request: Add user</p>`, "Request: Add user"},
		{"escaped property", `<p style="\64 isplay: none">Request: Add user</p>`, ""},
		{"escaped value", `<p style="display: n\one">Request: Add user</p>`, ""},
		{"escaped colour", `<p style="color: wh\69 te">Request: Add user</p>`, ""},
		{"comment inside a value", `<p style="display:/* x */none">Request: Add user</p>`, ""},
		{"calc", `<p style="font-size:calc(0px)">Request: Add user</p>`, ""},
		{"webkit fill", `<p style="color:black;-webkit-text-fill-color:transparent">Request: Add user</p>`, ""},
		{"template", `<template><p>Request: Add user</p></template>`, ""},
		{"comment", `<!-- <p>Request: Add user</p> -->`, ""},
		{"head", `<html><head><title>Request: Add user</title><meta name=x content="Request: Add user"></head><body></body></html>`, ""},
		{"clipped to no height", `<div style="max-height:0px;overflow:hidden">Request: Add user</div>`, ""},
		{"clipped to no width", `<div style="width:1px; overflow:hidden">Request: Add user</div>`, ""},
		{"overflow without a small box is read", `<div style="height:40px;overflow:hidden">Request: Add user</div>`, "Request: Add user"},
		{"moved off the page", `<div style="position:absolute;left:-9999px">Request: Add user</div>`, ""},
		{"indented off the page", `<p style="text-indent:-100em">Request: Add user</p>`, ""},
		{"scaled to nothing", `<p style="transform:scale(0)">Request: Add user</p>`, ""},
		{"closed details", `<details><summary>Staff changes</summary><p>Request: Add user</p></details>`, "Staff changes"},
		{"open details", `<details open><summary>Staff changes</summary><p>Request: Add user</p></details>`, "Staff changes\nRequest: Add user"},
		{"closed dialog", `<dialog><p>Request: Add user</p></dialog>`, ""},
		{"font size attribute inside a tiny font", `<div style="font-size:0"><font size="3">Request: Add user</font></div>`, "Request: Add user"},
		{"broken style is skipped", `<p style="color:; display:none; {">Request: Add user</p>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "Request: Leaver"
			if tt.want != "" {
				want += "\n" + tt.want
			}
			if got := htmlToText(shown + tt.html); got != want {
				t.Errorf("htmlToText:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestHTMLMatchBudget: a body whose sheets and elements would take too much selector matching is
// read only as far as the budget goes, and quickly.
func TestHTMLMatchBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("<style>")
	for i := range maxRules {
		fmt.Fprintf(&b, ".c%d div { display: none }\n", i) // every div matches, then climbs to the root
	}
	b.WriteString("</style><p>Request: Leaver</p>")
	const depth = 400
	b.WriteString(strings.Repeat("<div>", depth))
	for range 200 {
		b.WriteString("<div>x</div>")
	}
	b.WriteString(strings.Repeat("</div>", depth))
	b.WriteString("<p>Request: Add user</p>")
	start := time.Now()
	got := htmlToText(b.String())
	if strings.Contains(got, "Request: Add user") || !strings.HasPrefix(got, "Request: Leaver") {
		t.Errorf("read past the budget: %.80q…", got)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}
