package parser

import (
	"strings"

	"golang.org/x/net/html"
)

// htmlToText reduces an HTML body to the lines a person sees. golang.org/x/net/html builds the
// tree as a browser does (HTML5 tree construction, so entities, raw-text elements, comments and
// broken markup are read as a browser reads them), and the walk writes what is visible. Block
// elements, <br>, <p>, <div>, <li> and <tr> break lines; table cells are separated by a tab so
// "Name | Jane" tables read as fields; &nbsp; becomes a space; <blockquote> content gets "> " so
// quoted history is recognised; a mailto link whose text does not show its address gets
// " <address>" after it.
//
// Text a reader cannot see is not read (docs/spec/requests.md "Readings decided"): <head>, <style>,
// <script>, <template>, comments, elements with the hidden attribute, display:none or
// mso-hide:all, text under visibility:hidden, text smaller than 2px (font-size 0 or 1px), text
// coloured like its background (white or near-white with no background set: the page is white),
// text under opacity near 0, boxes clipped to nothing or moved off the page (boxHidden), and
// what a closed <details> or <dialog> holds. Styles come from style attributes and from the mail's own
// <style> sheets (css.go), with inheritance: a hidden ancestor hides its descendants, and
// font-size, colour and visibility are inherited unless an element sets its own (look.go).
func htmlToText(src string) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	w := htmlWalker{rules: styleSheets(doc), matches: matchBudget}
	w.w.b.Grow(len(src) / 4)
	w.node(doc, look{fontPx: rootFontPx, color: black, bg: white})
	w.w.endLine(false)
	return w.w.String()
}

type htmlWalker struct {
	w     textWriter
	rules []rule
	cells int // depth inside td/th
	depth int // of the element being walked
	// matches is what is left of matchBudget.
	matches int
}

// matchBudget bounds the work of matching sheet selectors in one body: each element costs the
// number of rules times its depth (a descendant selector may climb to the root). A real mail
// spends well under a million. A mail past it is no request mail but an attempt to tire the bot:
// the rest of its HTML is not read, since which of it is hidden can no longer be told.
const matchBudget = 20_000_000

// skipped are the elements whose content is never shown: raw text, metadata, templates, and
// Outlook's <xml> islands.
func skipped(tag string) bool {
	switch tag {
	case "head", "style", "script", "title", "noscript", "template", "xml", "object", "iframe":
		return true
	}
	return false
}

// node writes what a reader sees of n and all it holds.
func (hw *htmlWalker) node(n *html.Node, parent look) {
	switch n.Type {
	case html.TextNode:
		hw.textNode(n, parent)
	case html.DocumentNode:
		hw.children(n, parent)
	case html.ElementNode:
		hw.element(n, parent)
	}
	// Comments and the doctype show nothing.
}

// textNode writes a text node when it can be read. Blank text is kept even when unreadable:
// Outlook's spacer paragraphs, a &nbsp; in a tiny or white font, still make the blank line that
// ends a block.
func (hw *htmlWalker) textNode(n *html.Node, l look) {
	if l.readable() || strings.TrimSpace(strings.ReplaceAll(n.Data, "\u00a0", " ")) == "" {
		hw.w.text(n.Data)
	}
}

// element writes an element that is rendered, with the look it gives its content.
func (hw *htmlWalker) element(n *html.Node, parent look) {
	if skipped(n.Data) {
		return
	}
	hw.depth++
	defer func() { hw.depth-- }()
	l, shown := hw.style(n, parent)
	if !shown {
		return
	}
	w := &hw.w
	switch n.Data {
	case "br":
		hw.lineBreak()
	case "td", "th":
		w.cell()
		hw.cells++
		hw.children(n, l)
		hw.cells--
	case "blockquote":
		hw.indented(n, l, &w.quote)
	case "pre":
		hw.indented(n, l, &w.pre)
	case "a":
		hw.link(n, l)
	case "details":
		hw.details(n, l)
	case "dialog":
		if _, open := attr(n, "open"); open {
			hw.flow(n, l)
		}
	case "tr", "table":
		hw.table(n, l)
	default:
		hw.flow(n, l)
	}
}

// lineBreak writes a <br>: a line end, even of an empty line; inside a table cell, a space.
func (hw *htmlWalker) lineBreak() {
	if hw.cells > 0 {
		hw.w.space()
	} else {
		hw.w.endLine(true)
	}
}

// indented writes a <blockquote> or a <pre> on lines of their own, with depth (the writer's
// quote or pre level) raised while their content is written.
func (hw *htmlWalker) indented(n *html.Node, l look, depth *int) {
	hw.w.endLine(false)
	*depth++
	hw.children(n, l)
	hw.w.endLine(false)
	*depth--
}

// details writes a <details>: a closed one shows only its <summary> (HTML section 4.11.1).
func (hw *htmlWalker) details(n *html.Node, l look) {
	if _, open := attr(n, "open"); open {
		hw.flow(n, l)
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "summary" {
			hw.node(c, l)
			return
		}
	}
}

// table writes a <table> or <tr> on lines of its own; a table nested in a cell starts its cells
// afresh.
func (hw *htmlWalker) table(n *html.Node, l look) {
	hw.block()
	saved := hw.cells
	hw.cells = 0
	hw.children(n, l)
	hw.cells = saved
	hw.w.endLine(false)
}

// flow writes an element in the flow of text, a block one on lines of its own.
func (hw *htmlWalker) flow(n *html.Node, l look) {
	if isBlock(n.Data) {
		hw.block()
		hw.children(n, l)
		hw.block()
		return
	}
	hw.children(n, l)
}

func (hw *htmlWalker) children(n *html.Node, l look) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		hw.node(c, l)
	}
}

// block breaks the line at a block element's edge; inside a table cell, a space.
func (hw *htmlWalker) block() {
	if hw.cells > 0 {
		hw.w.space()
	} else {
		hw.w.endLine(false)
	}
}

// link writes an <a>; a mailto link whose visible text does not show its address gets it after.
func (hw *htmlWalker) link(n *html.Node, l look) {
	mailto := ""
	if href, ok := attr(n, "href"); ok && len(href) > 7 && strings.EqualFold(href[:7], "mailto:") {
		addr, _, _ := strings.Cut(href[7:], "?")
		mailto = strings.TrimSpace(addr)
	}
	w := &hw.w
	start := w.line.Len()
	hw.children(n, l)
	if mailto != "" && l.readable() && start <= w.line.Len() &&
		!strings.Contains(strings.ToLower(w.line.String()[start:]), strings.ToLower(mailto)) {
		w.text(" <" + mailto + ">")
	}
}

func isBlock(tag string) bool {
	switch tag {
	case "p", "div", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4",
		"h5", "h6", "hr", "section", "article", "header", "footer", "address", "center", "form",
		"fieldset", "main", "nav", "aside", "figure", "figcaption", "caption", "tbody", "thead",
		"tfoot", "body", "html":
		return true
	}
	return false
}

// textWriter builds lines the way a browser lays out inline text: runs of white space collapse
// to one space, a line's leading and trailing spaces are dropped, and a line that held only
// non-breaking spaces still counts (Outlook's empty paragraph, <p>&nbsp;</p>, is a blank line).
type textWriter struct {
	b       strings.Builder
	line    strings.Builder
	content bool // the current line has something, if only a non-breaking space
	pendSp  bool // a collapsible space waits to be written before the next text
	cellSep bool // a table cell ended on this line: the next cell starts with a tab
	quote   int
	pre     int
}

func (w *textWriter) text(s string) {
	if w.pre > 0 {
		for {
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				break
			}
			w.writeRaw(s[:i])
			w.endLine(true)
			s = s[i+1:]
		}
		w.writeRaw(s)
		return
	}
	for len(s) > 0 {
		i := strings.IndexAny(s, " \t\n\r\f")
		if i < 0 {
			w.word(s)
			return
		}
		if i > 0 {
			w.word(s[:i])
		}
		if w.line.Len() > 0 {
			w.pendSp = true
		}
		s = s[i+1:]
	}
}

func (w *textWriter) word(s string) {
	if w.cellSep {
		w.line.WriteByte('\t')
		w.cellSep, w.pendSp = false, false
	} else if w.pendSp {
		w.line.WriteByte(' ')
		w.pendSp = false
	}
	w.writeRaw(s)
}

func (w *textWriter) writeRaw(s string) {
	if strings.ContainsRune(s, '\u00a0') {
		s = strings.ReplaceAll(s, "\u00a0", " ")
	}
	if s != "" {
		w.content = true
	}
	w.line.WriteString(s)
}

// space separates block content inside a table cell.
func (w *textWriter) space() {
	if w.line.Len() > 0 {
		w.pendSp = true
	}
}

// cell marks the start of a table cell.
func (w *textWriter) cell() {
	if w.line.Len() > 0 {
		w.cellSep = true
	}
}

// endLine ends the current line. force ends it even when empty (a <br> makes a blank line).
func (w *textWriter) endLine(force bool) {
	if !w.content && !force {
		w.line.Reset()
		w.pendSp, w.cellSep = false, false
		return
	}
	for i := 0; i < w.quote; i++ {
		w.b.WriteString("> ")
	}
	l := strings.TrimRight(w.line.String(), " \t")
	if w.pre == 0 {
		l = strings.TrimLeft(l, " ")
	}
	w.b.WriteString(l)
	w.b.WriteByte('\n')
	w.line.Reset()
	w.content, w.pendSp, w.cellSep = false, false, false
}

func (w *textWriter) String() string {
	return strings.TrimRight(w.b.String(), "\n")
}
