package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/noble-neuro/noble/internal/atomicfile"
)

// Files of an error-versus-budget curve (WriteCurve).
const (
	CurveReportName  = "curve.md"
	CurveFigureName  = "curve.png"
	CurveResultsName = "curve.json"
)

// CurveRun is one training run's per-epoch evaluation placed on the
// training budget axis. Runs that continue one another (a run started
// from another's weights) are placed by giving each the budget its
// initial weights had already had.
type CurveRun struct {
	Label  string       `json:"label"`
	Points []CurvePoint `json:"points"`
}

// CurvePoint is the evaluation after one epoch.
type CurvePoint struct {
	Epoch int `json:"epoch"`
	// TraceSteps is the training budget spent on the weights evaluated:
	// traces times optimizer steps' passes, i.e. the traces trained on,
	// counted from the run's first ancestor.
	TraceSteps int64      `json:"trace_steps"`
	Held       CurveSplit `json:"held_out"` // held-out HoF models
	Seen       CurveSplit `json:"seen"`     // training HoF models at currents not trained on
}

// CurveSplit is one test split's figures at a point. NaN marks a figure
// the run did not record (null in JSON).
type CurveSplit struct {
	L2 Num `json:"l2"` // mean relative L2 error of the voltage
	// Spikecount is the mean relative error of eFEL's Spikecount over the
	// traces on which both simulator and surrogate fire (the reference
	// code's definition).
	Spikecount   Num `json:"spikecount"`
	Firing       int `json:"firing"`        // traces on which the simulator fires
	MissedFiring int `json:"missed_firing"` // ... and the surrogate does not
}

// Missed returns the fraction of the simulator's firing traces on which
// the surrogate stays silent (NaN without firing traces).
func (s CurveSplit) Missed() float64 {
	if s.Firing == 0 {
		return math.NaN()
	}
	return float64(s.MissedFiring) / float64(s.Firing)
}

// WriteCurve writes the runs' error-versus-budget curve into the directory
// out: curve.md (a table per run), curve.png (Spikecount where both fire,
// missed firing and voltage L2 against trace-steps on a log axis, held-out
// models solid, training models dashed) and curve.json. The files are made
// in a staging directory and moved into out when all are written: an error
// leaves out as it was. Runs without points are an error.
func WriteCurve(out string, runs []CurveRun) error {
	if len(runs) == 0 {
		return fmt.Errorf("eval: curve: no runs")
	}
	for _, r := range runs {
		if len(r.Points) == 0 {
			return fmt.Errorf("eval: curve: run %q has no evaluated epochs", r.Label)
		}
	}
	st, err := newStaging(out, ".curve-*")
	if err != nil {
		return err
	}
	defer st.close()
	if err := writeCurveFigure(filepath.Join(st.dir, CurveFigureName), runs); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(st.dir, CurveReportName), CurveMarkdown(runs)); err != nil {
		return err
	}
	b, err := json.MarshalIndent(runs, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(st.dir, CurveResultsName), append(b, '\n')); err != nil {
		return err
	}
	return st.commit([]string{CurveFigureName, CurveResultsName, CurveReportName})
}

// CurveMarkdown returns the runs' points as Markdown tables, one per run.
func CurveMarkdown(runs []CurveRun) []byte {
	var b bytes.Buffer
	b.WriteString("# Error against training budget\n\n")
	b.WriteString("Per-epoch evaluation of each run (its own test traces): voltage relative L2, Spikecount error where both fire, and the simulator's firing traces on which the surrogate is silent; held-out models / training models at currents not trained on.\n")
	for _, r := range runs {
		fmt.Fprintf(&b, "\n## %s\n\n", r.Label)
		b.WriteString("| epoch | trace-steps | rel. L2 | Spikecount | missed firing |\n|---|---|---|---|---|\n")
		for _, p := range r.Points {
			fmt.Fprintf(&b, "| %d | %d | %s / %s | %s / %s | %s / %s |\n", p.Epoch, p.TraceSteps,
				pct(p.Held.L2), pct(p.Seen.L2), pct(p.Held.Spikecount), pct(p.Seen.Spikecount),
				missed(p.Held), missed(p.Seen))
		}
	}
	return b.Bytes()
}

func missed(s CurveSplit) string {
	if s.Firing == 0 {
		return "–"
	}
	return fmt.Sprintf("%d of %d", s.MissedFiring, s.Firing)
}

func writeCurveFigure(path string, runs []CurveRun) error {
	panels := []struct {
		title string
		value func(CurveSplit) float64
	}{
		{"Spikecount error where both fire (%)", func(s CurveSplit) float64 { return 100 * float64(s.Spikecount) }},
		{"missed firing (% of firing traces)", func(s CurveSplit) float64 { return 100 * s.Missed() }},
		{"voltage relative L2 (%)", func(s CurveSplit) float64 { return 100 * float64(s.L2) }},
	}
	plots := make([]*plot.Plot, len(panels))
	for i, pn := range panels {
		p := newPlot(pn.title, "trace-steps", "")
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
		var ss []series
		for j, r := range runs {
			var x, held, seen []float64
			for _, pt := range r.Points {
				if pt.TraceSteps <= 0 {
					continue // no place on a log axis
				}
				x = append(x, float64(pt.TraceSteps))
				held = append(held, pn.value(pt.Held))
				seen = append(seen, pn.value(pt.Seen))
			}
			col := Palette(j)
			ss = append(ss, series{label: r.Label + ", held-out", x: x, y: held, col: col},
				series{label: r.Label + ", training models", x: x, y: seen, col: col, dashed: true})
		}
		if err := addSeries(p, ss); err != nil {
			return err
		}
		if i < len(panels)-1 {
			// One legend, on the voltage panel: every run has its L2,
			// older runs lack the spike figures.
			p.Legend = plot.NewLegend()
		}
		plots[i] = p
	}
	return writeGrid(path, plots, len(plots), 4*vg.Inch, 3.2*vg.Inch)
}
