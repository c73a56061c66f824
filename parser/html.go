package parser

import (
	"strings"

	"golang.org/x/net/html"
)

// htmlToText reduces an HTML body to the lines a person sees, with golang.org/x/net/html's
// tokenizer (the HTML5 tokenization algorithm, so entities, raw-text elements and comments are
// read as a browser reads them). Block elements, <br>, <p>, <div>, <li> and <tr> break lines;
// table cells are separated by a tab so "Name | Jane" tables read as fields; &nbsp; becomes a
// space; <head>, <style>, <script> and comments (Outlook's conditional comments among them) are
// skipped; <blockquote> content gets "> " so quoted history is recognised; a mailto link whose
// text does not show its address gets " <address>" after it.
func htmlToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var w textWriter
	w.b.Grow(len(src) / 4)
	skip := 0 // depth inside head/style/script/title/…
	inHead := false
	cells := 0 // depth inside td/th
	var mailto string
	linkStart := -1
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			w.endLine(false)
			return w.String()
		case html.TextToken:
			if skip > 0 || inHead {
				continue
			}
			w.text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch tag {
			case "head":
				inHead = tt == html.StartTagToken
			case "body":
				inHead = false
			case "style", "script", "title", "noscript", "template", "xml":
				if tt == html.StartTagToken {
					skip++
				}
			case "br":
				if cells > 0 {
					w.space()
				} else {
					w.endLine(true)
				}
			case "td", "th":
				w.cell()
				if tt == html.StartTagToken {
					cells++
				}
			case "blockquote":
				w.endLine(false)
				w.quote++
			case "pre":
				w.endLine(false)
				w.pre++
			case "a":
				mailto, linkStart = "", -1
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" && len(v) > 7 && strings.EqualFold(string(v[:7]), "mailto:") {
						addr, _, _ := strings.Cut(string(v[7:]), "?")
						mailto = strings.TrimSpace(addr)
						linkStart = w.line.Len()
					}
				}
			default:
				if isBlock(tag) {
					if cells > 0 {
						w.space()
					} else {
						w.endLine(false)
					}
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "head":
				inHead = false
			case "style", "script", "title", "noscript", "template", "xml":
				if skip > 0 {
					skip--
				}
			case "td", "th":
				if cells > 0 {
					cells--
				}
			case "blockquote":
				w.endLine(false)
				if w.quote > 0 {
					w.quote--
				}
			case "pre":
				w.endLine(false)
				if w.pre > 0 {
					w.pre--
				}
			case "a":
				if mailto != "" && linkStart >= 0 && linkStart <= w.line.Len() &&
					!strings.Contains(strings.ToLower(w.line.String()[linkStart:]), strings.ToLower(mailto)) {
					w.text(" <" + mailto + ">")
				}
				mailto, linkStart = "", -1
			case "tr", "table":
				cells = 0
				w.endLine(false)
			default:
				if isBlock(tag) {
					if cells > 0 {
						w.space()
					} else {
						w.endLine(false)
					}
				}
			}
		}
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
