package main

import (
	"fmt"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotStages draws, for each relay mode, every steady request's three stages over the steady
// part: inbox → decision begins (mostly the IMAP server's notification delay), decision begins →
// relay accepts (the bot's own part), relay accepts → in the mailbox (the relay's delivery).
func plotStages(path string, all []summary) error {
	var panels []*plot.Plot
	colours := []color.Color{color.RGBA{31, 119, 180, 255}, color.RGBA{214, 39, 40, 255}, color.RGBA{44, 160, 44, 255}}
	for _, s := range all {
		r := s.res
		if r == nil || len(r.arrived) == 0 {
			continue
		}
		p := plot.New()
		p.Title.Text = fmt.Sprintf("steady stages, relay %s: %d requests at %.0f/s", s.Mode, r.steadyN, r.steadyRate)
		p.Y.Label.Text = "ms (log)"
		p.X.Label.Text = "seconds since the steady part began"
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		series := make([]plotter.XYs, 3)
		for k, arrived := range r.arrived {
			st, ok := r.stages[r.n+k]
			if !ok {
				continue
			}
			x := arrived.Sub(r.arrived[0]).Seconds()
			for i, d := range []time.Duration{st.decided.Sub(arrived), st.sent.Sub(st.decided), r.delivered[k].Sub(st.sent)} {
				series[i] = append(series[i], plotter.XY{X: x, Y: max(msf(d), 0.1)})
			}
		}
		for i, name := range []string{"inbox → decision begins", "decision → relay accepts (bot)", "relay → mailbox"} {
			sc, err := plotter.NewScatter(series[i])
			if err != nil {
				return err
			}
			sc.GlyphStyle.Color, sc.GlyphStyle.Radius = colours[i], vg.Points(1.5)
			p.Add(sc)
			p.Legend.Add(name, sc)
		}
		p.Legend.Top, p.Legend.Left = true, true
		p.Add(plotter.NewGrid())
		panels = append(panels, p)
	}
	if len(panels) == 0 {
		return nil
	}
	img := vgimg.New(vg.Points(720), vg.Points(300*float64(len(panels))))
	rows := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		rows[i] = []*plot.Plot{p}
	}
	canvases := plot.Align(rows, draw.Tiles{Rows: len(panels), Cols: 1, PadX: vg.Millimeter, PadY: vg.Points(12),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}, draw.New(img))
	for i := range rows {
		rows[i][0].Draw(canvases[i][0])
	}
	return writePNG(path, img)
}
