package parser

import (
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/andybalholm/cascadia"
	tparse "github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
	"golang.org/x/image/colornames"
	"golang.org/x/net/html"
)

// The CSS a mail's HTML carries, read only as far as it decides whether a reader can see the
// text (docs/spec/requests.md "Readings decided": hidden text is not read). Declarations are read with
// github.com/tdewolff/parse's CSS parser, selectors of <style> sheets matched with
// github.com/andybalholm/cascadia, and the cascade (CSS Cascading 4, section 6) is kept to what
// matters here: !important, then inline over sheet, then specificity, then order.

// watched are the properties that can hide text; every other declaration is dropped.
var watched = map[string]bool{
	"display": true, "visibility": true, "opacity": true, "mso-hide": true,
	"font-size": true, "font": true, "color": true, "background-color": true, "background": true,
	"overflow": true, "height": true, "max-height": true, "width": true, "max-width": true,
	"position": true, "left": true, "top": true, "text-indent": true, "transform": true,
	"-webkit-text-fill-color": true,
}

// decl is one declaration of a watched property, with what the cascade needs to rank it.
type decl struct {
	value     []css.Token
	important bool
	inline    bool
	spec      cascadia.Specificity
	order     int
}

// beats reports whether d wins the cascade over e.
func (d decl) beats(e decl) bool {
	if d.important != e.important {
		return d.important
	}
	if d.inline != e.inline {
		return d.inline
	}
	if d.spec != e.spec {
		return e.spec.Less(d.spec)
	}
	return d.order > e.order
}

// declarations reads a declaration list (an inline style attribute, or a rule's block) into the
// watched properties, lower case, with !important split off. A declaration the parser cannot read
// is skipped, as browsers skip it (CSS Syntax 3, section 5.4.5).
func declarations(p *css.Parser, out func(prop string, value []css.Token, important bool)) (end bool) {
	for range 10000 {
		gt, _, data := p.Next()
		switch gt {
		case css.ErrorGrammar:
			if p.Err() == io.EOF {
				return true
			}
		case css.EndRulesetGrammar, css.EndAtRuleGrammar:
			return false
		case css.DeclarationGrammar:
			prop := strings.ToLower(cssUnescape(string(data)))
			if !watched[prop] {
				continue
			}
			value, important := splitImportant(p.Values())
			out(prop, value, important)
		}
	}
	return true
}

// splitImportant drops whitespace and a trailing "! important" from a declaration's value.
func splitImportant(toks []css.Token) ([]css.Token, bool) {
	out := make([]css.Token, 0, len(toks))
	for _, t := range toks {
		switch t.TokenType {
		case css.WhitespaceToken:
		case css.IdentToken, css.FunctionToken, css.HashToken, css.DimensionToken:
			out = append(out, css.Token{TokenType: t.TokenType, Data: []byte(cssUnescape(string(t.Data)))})
		default:
			out = append(out, css.Token{TokenType: t.TokenType, Data: append([]byte(nil), t.Data...)})
		}
	}
	n := len(out)
	if n >= 2 && out[n-2].TokenType == css.DelimToken && string(out[n-2].Data) == "!" &&
		strings.EqualFold(string(out[n-1].Data), "important") {
		return out[:n-2], true
	}
	return out, false
}

// inlineStyle reads a style attribute.
func inlineStyle(style string) map[string]decl {
	m := map[string]decl{}
	p := css.NewParser(tparse.NewInputString(style), true)
	order := 0
	declarations(p, func(prop string, value []css.Token, important bool) {
		order++
		d := decl{value: value, important: important, inline: true, order: order}
		if old, ok := m[prop]; !ok || d.beats(old) {
			m[prop] = d
		}
	})
	return m
}

// rule is one style rule of a <style> sheet, for one selector of its group.
type rule struct {
	sel   cascadia.Sel
	decls map[string]decl
}

// maxRules bounds the rules read from a mail's sheets; a real mail has a few dozen.
const maxRules = 500

// styleSheets reads the rules of every <style> element of the document (a browser applies a
// <style> wherever it stands). Rules inside @media apply as they would on a desktop screen
// (atRuleApplies). Selectors cascadia cannot read, or that name a pseudo-element, are left out.
func styleSheets(doc *html.Node) []rule {
	var rules []rule
	order := 0
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "style" {
			var b strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			rules = appendRules(rules, b.String(), &order)
			return
		}
		for c := n.FirstChild; c != nil && len(rules) < maxRules; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
	return rules
}

func appendRules(rules []rule, sheet string, order *int) []rule {
	p := css.NewParser(tparse.NewInputString(sheet), false)
	var applies []bool // the enclosing at-rules, whether each applies
	for range 100000 {
		if len(rules) >= maxRules {
			return rules
		}
		gt, _, data := p.Next()
		switch gt {
		case css.ErrorGrammar:
			if p.Err() == io.EOF {
				return rules
			}
		case css.BeginAtRuleGrammar:
			applies = append(applies, atRuleApplies(string(data), p.Values()))
		case css.EndAtRuleGrammar:
			if len(applies) > 0 {
				applies = applies[:len(applies)-1]
			}
		case css.BeginRulesetGrammar:
			var sel strings.Builder
			for _, t := range p.Values() {
				sel.Write(t.Data)
			}
			decls := map[string]decl{}
			declarations(p, func(prop string, value []css.Token, important bool) {
				*order++
				decls[prop] = decl{value: value, important: important, order: *order}
			})
			if slices.Contains(applies, false) || len(decls) == 0 {
				continue
			}
			group, err := cascadia.ParseGroup(sel.String())
			if err != nil {
				continue
			}
			for _, s := range group {
				if s.PseudoElement() == "" {
					rules = append(rules, rule{sel: s, decls: decls})
				}
			}
		}
	}
	return rules
}

// viewportPx is the width of the screen NAS staff read mail on, for @media queries.
const viewportPx = 1024

// atRuleApplies reports whether the rules inside an at-rule apply: @media as its query says on
// a desktop screen (Media Queries 4, simplified: media types, not/only, and width features;
// other features count as true), @supports, @layer and @container always. Other at-rules
// (@font-face, @keyframes, @page…) hold no rules for elements.
func atRuleApplies(name string, prelude []css.Token) bool {
	switch strings.ToLower(name) {
	case "@media":
	case "@supports", "@layer", "@container":
		return true
	default:
		return false
	}
	var query []css.Token
	for _, t := range append(prelude, css.Token{TokenType: css.CommaToken}) {
		switch t.TokenType {
		case css.WhitespaceToken, css.CommentToken:
		case css.CommaToken:
			if mediaQuery(query) {
				return true
			}
			query = query[:0]
		default:
			query = append(query, t)
		}
	}
	return false
}

// mediaQuery evaluates one query of a media query list.
func mediaQuery(q []css.Token) bool {
	if len(q) == 0 {
		return true
	}
	negate := false
	ok := true
	for i := 0; i < len(q); i++ {
		t := q[i]
		switch t.TokenType {
		case css.IdentToken:
			switch strings.ToLower(cssUnescape(string(t.Data))) {
			case "not":
				negate = i == 0
			case "only", "and", "all", "screen":
			default:
				ok = false // print, speech and the other media types
			}
		case css.LeftParenthesisToken:
			end := i + 1
			for end < len(q) && q[end].TokenType != css.RightParenthesisToken {
				end++
			}
			if !mediaFeature(q[i+1 : end]) {
				ok = false
			}
			i = end
		}
	}
	return ok != negate
}

// mediaFeature evaluates "(name: value)" for the width features; any other is taken as true.
func mediaFeature(f []css.Token) bool {
	if len(f) != 3 || f[0].TokenType != css.IdentToken || f[1].TokenType != css.ColonToken {
		return true
	}
	px, ok := sizeToken(f[2], rootFontPx)
	if !ok {
		return true
	}
	switch strings.ToLower(string(f[0].Data)) {
	case "min-width", "min-device-width":
		return viewportPx >= px
	case "max-width", "max-device-width":
		return viewportPx <= px
	case "width", "device-width":
		return viewportPx == px
	}
	return true
}

// cssUnescape undoes CSS escapes in an identifier (CSS Syntax 3, section 4.3.7): `\64 isplay`
// and `disp\lay` are "display", as a browser reads them.
func cssUnescape(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		for j < len(s) && j < i+7 && isHex(s[j]) {
			j++
		}
		if j == i+1 {
			b.WriteByte(s[j]) // an escaped character stands for itself
			i = j
			continue
		}
		r, _ := strconv.ParseUint(s[i+1:j], 16, 32)
		if r == 0 || r > 0x10ffff || r >= 0xd800 && r <= 0xdfff {
			r = 0xfffd
		}
		b.WriteRune(rune(r))
		if j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n') {
			j++
		}
		i = j - 1
	}
	return b.String()
}

// cascade is the winning declaration of each watched property for element n: its sheet rules,
// then its style attribute.
func cascade(n *html.Node, rules []rule) map[string]decl {
	var won map[string]decl
	for _, r := range rules {
		if !r.sel.Match(n) {
			continue
		}
		if won == nil {
			won = map[string]decl{}
		}
		spec := r.sel.Specificity()
		for prop, d := range r.decls {
			d.spec = spec
			if old, ok := won[prop]; !ok || d.beats(old) {
				won[prop] = d
			}
		}
	}
	style, ok := attr(n, "style")
	if !ok {
		return won
	}
	for prop, d := range inlineStyle(style) {
		if won == nil {
			won = map[string]decl{}
		}
		if old, ok := won[prop]; !ok || d.beats(old) {
			won[prop] = d
		}
	}
	return won
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// ident is a value that is a single keyword, lower case ("" otherwise).
func ident(v []css.Token) string {
	if len(v) == 1 && v[0].TokenType == css.IdentToken {
		return strings.ToLower(string(v[0].Data))
	}
	return ""
}

// rgba is a colour with straight alpha, channels 0 to 1.
type rgba struct{ r, g, b, a float64 }

var (
	white = rgba{1, 1, 1, 1}
	black = rgba{0, 0, 0, 1}
	// linkBlue is the colour browsers give a link that no style colours (HTML section 15.3.4).
	linkBlue = rgba{0, 0, 0xee / 255.0, 1}
)

// colour reads a CSS colour value (CSS Color 4): a name, "transparent", #rgb, #rgba, #rrggbb,
// #rrggbbaa, rgb()/rgba() with numbers or percentages, hsl()/hsla(). Outlook's "windowtext" is
// black. ok is false for anything else, which then does not change the colour.
func colour(v []css.Token) (rgba, bool) {
	if len(v) == 0 {
		return rgba{}, false
	}
	t := v[0]
	switch t.TokenType {
	case css.HashToken:
		return hexColour(string(t.Data[1:]))
	case css.IdentToken:
		return namedColour(string(t.Data))
	case css.FunctionToken:
		name := strings.ToLower(strings.TrimSuffix(string(t.Data), "("))
		var args []float64
		var pct []bool
		for _, a := range v[1:] {
			switch a.TokenType {
			case css.NumberToken, css.PercentageToken, css.DimensionToken:
				s := strings.TrimRight(string(a.Data), "%abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
				f, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return rgba{}, false
				}
				args = append(args, f)
				pct = append(pct, a.TokenType == css.PercentageToken)
			}
		}
		if len(args) < 3 {
			return rgba{}, false
		}
		alpha := 1.0
		if len(args) >= 4 {
			alpha = args[3]
			if pct[3] {
				alpha /= 100
			}
		}
		switch name {
		case "rgb", "rgba":
			ch := func(i int) float64 {
				if pct[i] {
					return args[i] / 100
				}
				return args[i] / 255
			}
			return clampColour(rgba{ch(0), ch(1), ch(2), alpha}), true
		case "hsl", "hsla":
			r, g, b := hsl(args[0], args[1]/100, args[2]/100)
			return clampColour(rgba{r, g, b, alpha}), true
		}
	}
	return rgba{}, false
}

// attrColour reads a legacy colour attribute (bgcolor, <font color>): a name or hex digits with
// or without "#" (HTML section 2.3.6 is more lenient still; these are the forms mail uses).
func attrColour(s string) (rgba, bool) {
	s = strings.TrimSpace(s)
	if c, ok := namedColour(s); ok {
		return c, true
	}
	return hexColour(strings.TrimPrefix(s, "#"))
}

func namedColour(s string) (rgba, bool) {
	s = strings.ToLower(s)
	switch s {
	case "transparent":
		return rgba{}, true
	case "windowtext":
		return black, true
	case "window":
		return white, true
	}
	c, ok := colornames.Map[s]
	if !ok {
		return rgba{}, false
	}
	return rgba{float64(c.R) / 255, float64(c.G) / 255, float64(c.B) / 255, 1}, true
}

func hexColour(h string) (rgba, bool) {
	switch len(h) {
	case 3, 4:
		var b strings.Builder
		for i := 0; i < len(h); i++ {
			b.WriteByte(h[i])
			b.WriteByte(h[i])
		}
		h = b.String()
	case 6, 8:
	default:
		return rgba{}, false
	}
	n, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return rgba{}, false
	}
	if len(h) == 6 {
		n = n<<8 | 0xff
	}
	return rgba{float64(n>>24&0xff) / 255, float64(n>>16&0xff) / 255, float64(n>>8&0xff) / 255, float64(n&0xff) / 255}, true
}

func hsl(h, s, l float64) (float64, float64, float64) {
	h = math.Mod(math.Mod(h, 360)+360, 360) / 360
	s, l = math.Max(0, math.Min(1, s)), math.Max(0, math.Min(1, l))
	if s == 0 {
		return l, l, l
	}
	q := l + s - l*s
	if l < 0.5 {
		q = l * (1 + s)
	}
	p := 2*l - q
	hue := func(t float64) float64 {
		t = math.Mod(t+1, 1)
		switch {
		case t < 1.0/6:
			return p + (q-p)*6*t
		case t < 0.5:
			return q
		case t < 2.0/3:
			return p + (q-p)*(2.0/3-t)*6
		}
		return p
	}
	return hue(h + 1.0/3), hue(h), hue(h - 1.0/3)
}

func clampColour(c rgba) rgba {
	cl := func(f float64) float64 { return math.Max(0, math.Min(1, f)) }
	return rgba{cl(c.r), cl(c.g), cl(c.b), cl(c.a)}
}

// over paints c over an opaque background bg.
func (c rgba) over(bg rgba) rgba {
	return rgba{c.r*c.a + bg.r*(1-c.a), c.g*c.a + bg.g*(1-c.a), c.b*c.a + bg.b*(1-c.a), 1}
}

// luminance is the relative luminance of WCAG 2.2 (an opaque colour).
func (c rgba) luminance() float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is the WCAG 2.2 contrast ratio of text colour fg over background bg, 1 to 21.
func contrast(fg, bg rgba) float64 {
	a, b := fg.over(bg).luminance(), bg.luminance()
	if a < b {
		a, b = b, a
	}
	return (a + 0.05) / (b + 0.05)
}

// minContrast is the contrast below which text counts as coloured like its background: white
// on white is 1, #eeeeee on white 1.16, #dddddd on white 1.36, black on white 21.
const minContrast = 1.25

// Font sizes, in CSS pixels.
const (
	rootFontPx = 16 // the browser default, which mail clients keep
	// minFontPx: text smaller than this cannot be read (docs/spec/requests.md: font-size 0 or 1px).
	minFontPx = 2
)

var fontKeywords = map[string]float64{
	"xx-small": 9, "x-small": 10, "small": 13, "medium": 16, "large": 18, "x-large": 24,
	"xx-large": 32, "xxx-large": 48,
}

// fontSize computes a font-size value against the parent's size; ok is false for a value it
// cannot read, which then inherits.
func fontSize(v []css.Token, parent float64) (float64, bool) {
	v = uncalc(v)
	if len(v) != 1 {
		return 0, false
	}
	return sizeToken(v[0], parent)
}

// uncalc reads "calc(0px)", a calc() holding a single value, as that value; calc() doing sums
// is not worked out.
func uncalc(v []css.Token) []css.Token {
	if len(v) == 3 && v[0].TokenType == css.FunctionToken && strings.EqualFold(string(v[0].Data), "calc(") &&
		v[2].TokenType == css.RightParenthesisToken {
		return v[1:2]
	}
	return v
}

func sizeToken(t css.Token, parent float64) (float64, bool) {
	s := strings.ToLower(string(t.Data))
	switch t.TokenType {
	case css.IdentToken:
		switch s {
		case "smaller":
			return parent / 1.2, true
		case "larger":
			return parent * 1.2, true
		}
		px, ok := fontKeywords[s]
		return px, ok
	case css.NumberToken:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != 0 {
			return 0, false // only 0 may go without a unit
		}
		return 0, true
	case css.PercentageToken:
		f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if err != nil {
			return 0, false
		}
		return parent * f / 100, true
	case css.DimensionToken:
		i := strings.IndexFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' })
		if i <= 0 {
			return 0, false
		}
		f, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, false
		}
		perUnit, ok := map[string]float64{
			"px": 1, "pt": 4.0 / 3, "pc": 16, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6,
			"em": parent, "rem": rootFontPx, "ex": parent / 2, "ch": parent / 2,
		}[s[i:]]
		if !ok {
			return 0, false
		}
		return f * perUnit, true
	}
	return 0, false
}

// length reads a length (a size token) against the element's font size; ok is false for
// anything else.
func length(v []css.Token, font float64) (float64, bool) {
	v = uncalc(v)
	if len(v) != 1 || v[0].TokenType == css.IdentToken || v[0].TokenType == css.PercentageToken {
		return 0, false
	}
	return sizeToken(v[0], font)
}

// offscreen is how far off the page a box must be put to count as hidden.
const offscreen = -500

// boxHidden reports whether an element's box takes its content out of sight without display or
// visibility: clipped to nothing (overflow:hidden with a height or width of at most 1px), moved
// off the page (position absolute or fixed with left or top far negative, a text-indent far
// negative), or scaled to nothing (transform: scale(0)). These are the tricks of mail
// "preheaders", and of anyone hiding text from the reader.
func boxHidden(d map[string]decl, font float64) bool {
	val := func(prop string) []css.Token { return d[prop].value }
	small := func(prop string) bool {
		px, ok := length(val(prop), font)
		return ok && px <= 1
	}
	far := func(prop string) bool {
		px, ok := length(val(prop), font)
		return ok && px <= offscreen
	}
	switch ident(val("overflow")) {
	case "hidden", "clip":
		if small("height") || small("max-height") || small("width") || small("max-width") {
			return true
		}
	}
	switch ident(val("position")) {
	case "absolute", "fixed":
		if far("left") || far("top") {
			return true
		}
	}
	if far("text-indent") {
		return true
	}
	if t := val("transform"); len(t) >= 2 && t[0].TokenType == css.FunctionToken {
		switch strings.ToLower(string(t[0].Data)) {
		case "scale(", "scalex(", "scaley(":
			if f, ok := number(t[1:2]); ok && f == 0 {
				return true
			}
		}
	}
	return false
}

// shorthandFontSize finds the size in a font shorthand ("bold 0/0 Arial", "11pt Calibri"): the
// first size-like token, before an optional "/line-height".
func shorthandFontSize(v []css.Token, parent float64) (float64, bool) {
	for _, t := range v {
		if t.TokenType == css.DelimToken && string(t.Data) == "/" {
			break
		}
		if t.TokenType == css.IdentToken {
			if _, ok := fontKeywords[strings.ToLower(string(t.Data))]; !ok {
				continue
			}
		}
		if px, ok := sizeToken(t, parent); ok {
			return px, true
		}
	}
	return 0, false
}

// shorthandColour finds the colour in a background shorthand ("#fff url(x) no-repeat").
func shorthandColour(v []css.Token) (rgba, bool) {
	for i, t := range v {
		switch t.TokenType {
		case css.HashToken, css.IdentToken:
			if c, ok := colour(v[i : i+1]); ok {
				return c, true
			}
		case css.FunctionToken:
			end := i + 1
			for end < len(v) && v[end].TokenType != css.RightParenthesisToken {
				end++
			}
			if c, ok := colour(v[i:end]); ok {
				return c, true
			}
		}
	}
	return rgba{}, false
}

// number reads a plain number or percentage (opacity), 0 to 1.
func number(v []css.Token) (float64, bool) {
	if len(v) != 1 {
		return 0, false
	}
	s := string(v[0].Data)
	switch v[0].TokenType {
	case css.NumberToken:
	case css.PercentageToken:
		f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		return f / 100, err == nil
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
