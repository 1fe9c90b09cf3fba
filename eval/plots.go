package eval

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/noble-neuro/noble/internal/atomicfile"
)

// Colours of the figures: simulator (ground truth) black, surrogate orange.
var (
	colSim   = color.RGBA{A: 255}
	colSurr  = color.RGBA{R: 230, G: 120, B: 20, A: 255}
	colOther = color.RGBA{R: 40, G: 100, B: 200, A: 255}
	palette  = []color.Color{
		color.RGBA{R: 31, G: 119, B: 180, A: 255}, color.RGBA{R: 255, G: 127, B: 14, A: 255},
		color.RGBA{R: 44, G: 160, B: 44, A: 255}, color.RGBA{R: 214, G: 39, B: 40, A: 255},
		color.RGBA{R: 148, G: 103, B: 189, A: 255}, color.RGBA{R: 140, G: 86, B: 75, A: 255},
		color.RGBA{R: 227, G: 119, B: 194, A: 255}, color.RGBA{R: 127, G: 127, B: 127, A: 255},
	}
)

// Palette returns the i-th colour of the figures' cycle.
func Palette(i int) color.Color { return palette[i%len(palette)] }

// series is one line of a plot.
type series struct {
	label  string
	x, y   []float64
	col    color.Color
	dashed bool
	points bool // scatter instead of a line
}

func newPlot(title, xl, yl string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xl
	p.Y.Label.Text = yl
	p.Title.TextStyle.Font.Size = vg.Points(9)
	p.X.Label.TextStyle.Font.Size = vg.Points(8)
	p.Y.Label.TextStyle.Font.Size = vg.Points(8)
	p.X.Tick.Label.Font.Size = vg.Points(7)
	p.Y.Tick.Label.Font.Size = vg.Points(7)
	p.Legend.TextStyle.Font.Size = vg.Points(7)
	p.Legend.Top = true
	return p
}

func addSeries(p *plot.Plot, ss []series) error {
	for _, s := range ss {
		xy := make(plotter.XYs, 0, len(s.x))
		for i := range s.x {
			if finite(s.x[i]) && finite(s.y[i]) {
				xy = append(xy, plotter.XY{X: s.x[i], Y: s.y[i]})
			}
		}
		if len(xy) == 0 {
			continue
		}
		if s.points {
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			sc.GlyphStyle.Color = s.col
			sc.GlyphStyle.Radius = vg.Points(1.8)
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			p.Add(sc)
			if s.label != "" {
				p.Legend.Add(s.label, sc)
			}
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.LineStyle.Color = s.col
		l.LineStyle.Width = vg.Points(0.8)
		if s.dashed {
			l.LineStyle.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		}
		p.Add(l)
		if s.label != "" {
			p.Legend.Add(s.label, l)
		}
	}
	return nil
}

// writeGrid renders plots (row-major, cols per row) into one PNG at path,
// atomically; each tile is tileW × tileH.
func writeGrid(path string, plots []*plot.Plot, cols int, tileW, tileH vg.Length) error {
	if len(plots) == 0 {
		return fmt.Errorf("eval: %s: no plots", path)
	}
	cols = max(1, min(cols, len(plots)))
	rows := (len(plots) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
		for c := range grid[r] {
			if i := r*cols + c; i < len(plots) {
				grid[r][c] = plots[i]
			}
		}
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(cols)*tileW, vg.Length(rows)*tileH), vgimg.UseDPI(96))
	dc := draw.New(img)
	t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 2, PadY: vg.Millimeter * 2,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter}
	canvases := plot.Align(grid, t, dc)
	for r := range grid {
		for c, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// histogram adds a normalised step histogram of x over [lo, hi] in bins
// (density).
func histogram(p *plot.Plot, x []float64, lo, hi float64, bins int, label string, col color.Color) error {
	if len(x) == 0 {
		return nil
	}
	lo, hi, d := density(x, lo, hi, bins)
	w := (hi - lo) / float64(bins)
	xy := make(plotter.XYs, 0, 2*bins+2)
	xy = append(xy, plotter.XY{X: lo, Y: 0})
	for i, di := range d {
		xy = append(xy, plotter.XY{X: lo + float64(i)*w, Y: di}, plotter.XY{X: lo + float64(i+1)*w, Y: di})
	}
	xy = append(xy, plotter.XY{X: hi, Y: 0})
	l, err := plotter.NewLine(xy)
	if err != nil {
		return err
	}
	l.LineStyle.Color = col
	l.LineStyle.Width = vg.Points(1)
	l.FillColor = withAlpha(col, 60)
	p.Add(l)
	p.Legend.Add(label, l)
	return nil
}

// density returns the histogram of x (not empty) over bins equal bins of
// [lo, hi] as a density (bin count / len(x) / bin width, so that it
// integrates to 1), and the range used: [lo−0.5, hi+0.5] when hi ≤ lo (all
// values equal). Values outside the range count in the first or last bin.
func density(x []float64, lo, hi float64, bins int) (lo2, hi2 float64, d []float64) {
	if !(hi > lo) {
		lo, hi = lo-0.5, hi+0.5
	}
	w := (hi - lo) / float64(bins)
	d = make([]float64, bins)
	for _, v := range x {
		i := int(math.Floor((v - lo) / w))
		d[min(max(i, 0), bins-1)]++
	}
	for i := range d {
		d[i] /= float64(len(x)) * w
	}
	return lo, hi, d
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func nan() float64 { return math.NaN() }
