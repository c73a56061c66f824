package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// bar is one bar of a chart: its label and its parts, stacked bottom up (one part for a plain
// bar chart).
type bar struct {
	Label string
	Parts []int
}

// chartSeries names the parts of every bar and gives each a colour of the NHS palette.
type chartSeries struct {
	Name, Colour string
}

// Colours of the NHS identity palette (nhsuk-frontend's), dark enough for 3:1 against white.
var (
	seriesDone     = chartSeries{"Done", "#007f3b"}
	seriesReview   = chartSeries{"Passed to the NAS team", "#005eb8"}
	seriesRejected = chartSeries{"Not done", "#d5281b"}
	seriesCount    = chartSeries{"Count", "#005eb8"}
)

// barChart draws a stacked bar chart as inline SVG, server-side: no script, no charting
// library, nothing fetched. It is an image with a text alternative for screen readers; the page
// puts the same figures in a table beside it, which is where they are read.
func barChart(title string, series []chartSeries, bars []bar) template.HTML {
	const width, height, left, bottom, top = 640, 220, 36, 28, 8
	highest := 0
	for _, b := range bars {
		sum := 0
		for _, p := range b.Parts {
			sum += p
		}
		highest = max(highest, sum)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="nasbot-chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">`,
		html.EscapeString(title), width, height)
	fmt.Fprintf(&sb, `<title>%s</title>`, html.EscapeString(title))
	plotH := float64(height - bottom - top)
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#4c6272"/>`, left, height-bottom, width, height-bottom)
	fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#212b32">%d</text>`, left-4, top+10, highest)
	fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#212b32">0</text>`, left-4, height-bottom)
	if len(bars) > 0 && highest > 0 {
		slot := float64(width-left) / float64(len(bars))
		w := slot * 0.7
		for i, b := range bars {
			x := float64(left) + slot*float64(i) + (slot-w)/2
			y := float64(height - bottom)
			for j, p := range b.Parts {
				if p <= 0 {
					continue
				}
				h := plotH * float64(p) / float64(highest)
				y -= h
				fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, w, h, series[j%len(series)].Colour)
			}
			if every := labelEvery(len(bars)); i%every == 0 {
				fmt.Fprintf(&sb, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#212b32">%s</text>`,
					x+w/2, height-bottom+16, html.EscapeString(b.Label))
			}
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every text in it is escaped above
}

// labelEvery thins the labels under many bars so that they do not overlap.
func labelEvery(n int) int {
	return max(1, n/8)
}
