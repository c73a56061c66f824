package web

import (
	"strings"
	"testing"
)

func TestBarChart(t *testing.T) {
	svg := string(barChart(`Requests <by> day`, []chartSeries{seriesDone, seriesRejected},
		[]bar{{Label: "2 Mar", Parts: []int{3, 1}}, {Label: "3 Mar", Parts: []int{0, 0}}, {Label: "<b>", Parts: []int{8, 0}}}))
	for _, want := range []string{`role="img"`, `aria-label="Requests &lt;by&gt; day"`, `<title>Requests &lt;by&gt; day</title>`,
		`fill="#007f3b"`, `fill="#d5281b"`, `>8</text>`, `&lt;b&gt;`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %s:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "<b>") || strings.Count(svg, "<rect") != 3 {
		t.Errorf("chart: %s", svg)
	}
	if empty := string(barChart("none", []chartSeries{seriesCount}, nil)); strings.Contains(empty, "<rect") {
		t.Errorf("an empty chart draws bars: %s", empty)
	}
}
