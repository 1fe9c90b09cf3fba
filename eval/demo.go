package eval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// Demo file names in its output directory.
const (
	DemoPlot    = "demo.png"
	DemoSummary = "demo.md"
)

// DemoFeatures are the features of the demo's summary table.
var DemoFeatures = []string{"Spikecount", "mean_frequency", "time_to_first_spike", "AP1_width", "mean_AP_amplitude", "steady_state_voltage"}

// DemoNeuron is one synthesised neuron of the demo.
type DemoNeuron struct {
	Label    string
	Stimulus surrogate.Stimulus
	Features map[string]float64 // first values; NaN where undefined
}

// DemoResult is what Demo made.
type DemoResult struct {
	Neurons []DemoNeuron
	Seconds float64 // synthesis wall time
	Quality string  // the model's measured quality, as demo.md states it
	Files   []string
}

// DemoStimuli returns the demo's stimuli: five neurons across the
// embedding ranges (the centre and the four points at 20 % and 80 % of the
// I_thr and s_thr ranges), each under a step of amp nA (0: the largest
// training I_thr + 0.1 nA, at most the top of the amplitude range).
func DemoStimuli(s *synth.Surrogate, amp float64) ([]string, []surrogate.Stimulus) {
	if amp == 0 {
		amp = min(s.Scaling.IThr.Max+0.1, s.AmpRange.Max)
	}
	at := func(r surrogate.Range, f float64) float64 { return r.Min + f*(r.Max-r.Min) }
	fr := [][2]float64{{0.5, 0.5}, {0.2, 0.2}, {0.2, 0.8}, {0.8, 0.2}, {0.8, 0.8}}
	names := []string{"centre", "low I_thr, low s_thr", "low I_thr, high s_thr", "high I_thr, low s_thr", "high I_thr, high s_thr"}
	sts := make([]surrogate.Stimulus, len(fr))
	for i, f := range fr {
		sts[i] = surrogate.Stimulus{AmpNA: amp, IThr: at(s.Scaling.IThr, f[0]), SThr: at(s.Scaling.SThr, f[1])}
	}
	return names, sts
}

// DemoSettings configures Demo. A zero field means the default.
type DemoSettings struct {
	Amp float64 // step amplitude, nA [0: DemoStimuli's default]
	// Policy decides what happens to an amplitude outside the training
	// range (synth.Policy: refused unless Policy.Extrapolate).
	Policy synth.Policy
}

// Demo synthesises DemoStimuli(s, set.Amp) in one batch and writes
// out/demo.png (their traces) and out/demo.md (a summary with their
// features and the model's measured quality, read from the evaluation
// report beside the model file, ReportResults(modelPath), when there is
// one). Stimuli that set.Policy refuses are an error wrapping
// synth.ErrRange, before anything is written. set nil means all defaults.
func Demo(ctx context.Context, s *synth.Surrogate, modelPath, out string, set *DemoSettings) (*DemoResult, error) {
	var ds DemoSettings
	if set != nil {
		ds = *set
	}
	names, sts := DemoStimuli(s, ds.Amp)
	if _, err := s.Admit(sts, ds.Policy); err != nil {
		return nil, err
	}
	quality := "No evaluation report beside the model file (" + ReportResults(modelPath) + "): its quality is unknown; run `noble eval` to measure it."
	if q, err := ReadQuality(ReportResults(modelPath)); err == nil {
		quality = "Quality " + q.Summary() + " (" + ReportResults(modelPath) + "). The traces below are predictions, not simulations."
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	t0 := time.Now()
	v, err := s.Synthesize(ctx, sts, len(sts), nil)
	if err != nil {
		return nil, err
	}
	res := &DemoResult{Seconds: time.Since(t0).Seconds()}
	l := s.Length()
	vals, err := synth.Features(ctx, v, len(sts), l, s.Dt(), s.FeatureSettings())
	if err != nil {
		return nil, err
	}
	t := make([]float64, l)
	for j := range t {
		t[j] = float64(j) * s.Dt()
	}
	var plots []*plot.Plot
	for i, st := range sts {
		n := DemoNeuron{Label: names[i], Stimulus: st, Features: map[string]float64{}}
		for _, f := range DemoFeatures {
			x, ok := vals[i].First(f)
			if !ok {
				x = nan()
			}
			n.Features[f] = x
		}
		res.Neurons = append(res.Neurons, n)
		p := newPlot(fmt.Sprintf("%s: I_thr %.4g nA, s_thr %.4g Hz/nA, step %.3g nA", names[i], st.IThr, st.SThr, st.AmpNA), "time (ms)", "V (mV)")
		if err := addSeries(p, []series{{x: t, y: toF64(v[i*l : (i+1)*l]), col: Palette(i)}}); err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	if err := writeGrid(filepath.Join(out, DemoPlot), plots, 1, 7*vg.Inch, 1.7*vg.Inch); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# NOBLE demo\n\nModel `%s`: %d neurons synthesised across the F-I embedding range (I_thr %.4g–%.4g nA, s_thr %.4g–%.4g Hz/nA) in one batch, %.2f s.\n\n",
		modelPath, len(sts), s.Scaling.IThr.Min, s.Scaling.IThr.Max, s.Scaling.SThr.Min, s.Scaling.SThr.Max, res.Seconds)
	fmt.Fprintf(&b, "%s\n\n", quality)
	res.Quality = quality
	fmt.Fprintf(&b, "![traces](%s)\n\n| neuron | I_thr (nA) | s_thr (Hz/nA) | step (nA) |", DemoPlot)
	for _, f := range DemoFeatures {
		fmt.Fprintf(&b, " %s |", f)
	}
	b.WriteString("\n|---|---|---|---|")
	for range DemoFeatures {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, n := range res.Neurons {
		fmt.Fprintf(&b, "| %s | %.4g | %.4g | %.3g |", n.Label, n.Stimulus.IThr, n.Stimulus.SThr, n.Stimulus.AmpNA)
		for _, f := range DemoFeatures {
			fmt.Fprintf(&b, " %s |", num(n.Features[f]))
		}
		b.WriteString("\n")
	}
	b.WriteString("\nFeatures: eFEL definitions (package features) on the synthesised traces, first value of each. Try `noble synth --model " + modelPath + " --hull 200 --amp ...` for a synthetic population.\n")
	if err := atomicfile.WriteFile(filepath.Join(out, DemoSummary), b.Bytes()); err != nil {
		return nil, err
	}
	res.Files = []string{filepath.Join(out, DemoPlot), filepath.Join(out, DemoSummary)}
	return res, nil
}
