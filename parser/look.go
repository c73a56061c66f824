package parser

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// The look of an element: the part of CSS's cascade and inheritance, and of HTML's
// presentational attributes, that decides whether a reader can see its text (docs/spec/requests.md
// "Readings decided"). htmlToText walks the tree; this file says, for each element, whether it
// is rendered and how its text would be drawn. css.go reads the declarations.

// look is what a node inherits that decides whether its text can be seen.
type look struct {
	invisible bool    // visibility:hidden
	fontPx    float64 // computed font size
	color     rgba    // text colour
	bg        rgba    // the opaque background behind the node
}

// readable reports whether text drawn with this look can be seen.
func (l look) readable() bool {
	return !l.invisible && l.fontPx >= minFontPx && l.color.a > 0.1 && contrast(l.color, l.bg) >= minContrast
}

// style computes an element's look from its parent's, its presentational attributes and its CSS.
// shown is false when the element and all it holds are not rendered (see rendered), or when the
// walk's budget for matching sheet selectors is spent.
func (hw *htmlWalker) style(n *html.Node, parent look) (look, bool) {
	if hw.matches -= len(hw.rules) * hw.depth; hw.matches < 0 {
		return parent, false
	}
	d := cascade(n, hw.rules)
	if !rendered(n, d, parent.fontPx) {
		return parent, false
	}
	return look{
		invisible: visibility(d, parent.invisible),
		fontPx:    fontPx(n, d, parent.fontPx),
		color:     textColour(n, d, parent.color),
		bg:        background(n, d, parent.bg),
	}, true
}

// rendered reports whether an element and all it holds are laid out at all: not so under the
// hidden attribute (unless its CSS sets a display other than none), display:none, mso-hide:all
// (Outlook), opacity near 0, or a box clipped to nothing or moved off the page (boxHidden).
// fontPx is the parent's font size, which em lengths in the box are relative to.
func rendered(n *html.Node, d map[string]decl, fontPx float64) bool {
	if _, hidden := attr(n, "hidden"); hidden {
		if v, ok := d["display"]; !ok || ident(v.value) == "none" {
			return false
		}
	}
	if v, ok := d["display"]; ok && ident(v.value) == "none" {
		return false
	}
	if v, ok := d["mso-hide"]; ok && ident(v.value) == "all" {
		return false
	}
	if v, ok := d["opacity"]; ok {
		if o, ok := number(v.value); ok && o <= 0.1 {
			return false
		}
	}
	return !boxHidden(d, fontPx)
}

// visibility is whether text is under visibility:hidden (or collapse); it is inherited unless
// the element sets its own.
func visibility(d map[string]decl, inherited bool) (invisible bool) {
	if v, ok := d["visibility"]; ok {
		switch ident(v.value) {
		case "hidden", "collapse":
			return true
		case "visible":
			return false
		}
	}
	return inherited
}

// fontPx is the element's computed font size: font-size, else the font shorthand, else
// <font size>; a value that cannot be read leaves the inherited size.
func fontPx(n *html.Node, d map[string]decl, parent float64) float64 {
	px, ok := parent, false
	if v, set := d["font-size"]; set {
		px, ok = fontSize(v.value, parent)
	} else if v, set := d["font"]; set {
		px, ok = shorthandFontSize(v.value, parent)
	} else if v, set := attr(n, "size"); set && n.Data == "font" {
		px, ok = fontSizeAttr(v, parent)
	}
	if !ok {
		return parent
	}
	return px
}

// textColour is the element's text colour: its CSS when readable, else its presentational
// attributes, else the inherited colour.
func textColour(n *html.Node, d map[string]decl, inherited rgba) rgba {
	if c, ok := cssTextColour(d); ok {
		return c
	}
	return attrTextColour(n, inherited)
}

// cssTextColour reads the colour the text is painted with; WebKit's -webkit-text-fill-color
// wins over color, as it does in the mail clients that honour it.
func cssTextColour(d map[string]decl) (rgba, bool) {
	for _, prop := range []string{"-webkit-text-fill-color", "color"} {
		if v, ok := d[prop]; ok {
			if c, ok := colour(v.value); ok {
				return c, true
			}
		}
	}
	return rgba{}, false
}

// attrTextColour reads the colour that HTML's presentational attributes give: <font color>,
// <body text> (the page's text colour), and the browsers' blue of a link.
func attrTextColour(n *html.Node, inherited rgba) rgba {
	switch n.Data {
	case "font", "body":
		key := "color"
		if n.Data == "body" {
			key = "text"
		}
		if v, ok := attr(n, key); ok {
			if c, ok := attrColour(v); ok {
				return c
			}
		}
	case "a":
		if _, ok := attr(n, "href"); ok {
			return linkBlue
		}
	}
	return inherited
}

// background is the opaque background behind the element's text: its own background-color,
// background shorthand or bgcolor attribute laid over the parent's, or the parent's when it sets
// none or a transparent one.
func background(n *html.Node, d map[string]decl, parent rgba) rgba {
	bg, ok := rgba{}, false
	if v, set := d["background-color"]; set {
		bg, ok = colour(v.value)
	} else if v, set := d["background"]; set {
		bg, ok = shorthandColour(v.value)
	}
	if !ok {
		if v, set := attr(n, "bgcolor"); set {
			bg, ok = attrColour(v)
		}
	}
	if ok && bg.a > 0 {
		return bg.over(parent)
	}
	return parent
}

// fontSizeAttr reads <font size>, 1 to 7 or relative to 3 ("+1", "-2"), as the HTML rendering
// section maps it to CSS sizes.
func fontSizeAttr(v string, parent float64) (float64, bool) {
	v = strings.TrimSpace(v)
	n, err := strconv.Atoi(strings.TrimPrefix(v, "+"))
	if err != nil {
		return parent, false
	}
	if strings.HasPrefix(v, "+") || strings.HasPrefix(v, "-") {
		n += 3
	}
	sizes := [...]float64{10, 10, 13, 16, 18, 24, 32, 48}
	return sizes[max(1, min(7, n))], true
}
