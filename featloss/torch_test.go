package featloss

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/noble-neuro/noble/internal/testutil"
)

// torchPython returns a python3 that can import torch, or skips.
func torchPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import torch, numpy").Run(); err == nil {
			return py
		}
	}
	t.Skip("python3 with torch not available (Debian: apt-get install python3-torch): PyTorch reference skipped")
	return ""
}

type torchIn struct {
	Dt             float64     `json:"dt"`
	Absolute       bool        `json:"absolute"`
	Spec           [][2]any    `json:"spec"`
	SagTemperature float64     `json:"sag_temperature"`
	WidthSharpness float64     `json:"width_sharpness"`
	CountThreshold float64     `json:"count_threshold"`
	CountSharpness float64     `json:"count_sharpness"`
	TimingTau      float64     `json:"timing_tau"`
	Stimulus       [][]float64 `json:"stimulus"`
	Target         [][]float64 `json:"target"`
	Pred           [][]float64 `json:"pred"`
	AP1Threshold   []float64   `json:"ap1_threshold"`
	AP1Target      []float64   `json:"ap1_target"`
	CountTarget    []float64   `json:"count_target"`
}

type torchOut struct {
	Loss         []float64            `json:"loss"`
	PredValues   map[string][]float64 `json:"pred_values"`
	TargetValues map[string][]float64 `json:"target_values"`
	Grad         [][]float64          `json:"grad"`
}

// Tolerance of the PyTorch comparison. Both sides compute in float64 from
// the same inputs; they differ in summation order (torch's softmax, cumsum
// and sums, its convolution for the van Rossum filter against our
// recursion) and in the formula of the gradient (autograd against the
// hand-derived backward pass). Rounding errors are ~1e-13 relative; 1e-5
// relative (of the largest gradient of the trace for gradients) is the
// issue's bound and catches any wrong term.
const torchTol = 1e-5

// TestTorchReference checks every feature loss, its per-trace value and its
// gradient against tools/noble_torch.py --featloss (torch autograd), on a
// synthetic batch (L = 400, dt 0.1 ms, samples nudged to the thresholds so
// that the sharp sigmoids carry gradients) and on NEURON traces (L = 8583).
func TestTorchReference(t *testing.T) {
	py := torchPython(t)
	script := filepath.Join(testutil.RepoRoot(t), "tools", "noble_torch.py")
	spec := Spec{{SagAmplitude, 25}, {AP1Width, 2}, {SpikeCount, 1}, {SpikeTiming, 3}}

	// Synthetic batch: a sag target, two spiking ones.
	var synT, synP [][]float64
	var synW []Window
	for i, sp := range [][]int{nil, {90, 150, 210, 270}, {120, 200}} {
		v, w := synth(400, sp, uint64(30+i))
		synT, synW = append(synT, v), append(synW, w)
		p, _ := synth(400, [][]int{{200}, {95, 160}, {118, 205, 300}}[i], uint64(40+i))
		synP = append(synP, p)
	}
	real, realW, _ := realBatch(t)
	var rT, rP [][]float64
	var rW []Window
	for _, b := range []int{0, 6, 14} { // mouse: −0.1 nA (sag), 0.3 nA (42 spikes), 0.2 nA (2 spikes)
		rT, rW = append(rT, real[b]), append(rW, realW[b])
		p := make([]float64, realLen)
		for i, x := range real[(b+1)%len(real)] {
			p[i] = 0.98*x - 0.5
		}
		rP = append(rP, p)
	}
	for _, tc := range []struct {
		name    string
		set     Settings
		targets [][]float64
		preds   [][]float64
		wins    []Window
		nudge   bool
	}{
		{"synthetic relative", Settings{Dt: 0.1}, synT, synP, synW, true},
		{"synthetic absolute", Settings{Dt: 0.1, Absolute: true}, synT, synP, synW, true},
		{"synthetic soft k", Settings{Dt: 0.1, WidthSharpness: 20, CountSharpness: 2, TimingTau: 2}, synT, synP, synW, true},
		{"NEURON relative", Settings{}, rT, rP, rW, false},
		{"NEURON absolute", Settings{Absolute: true}, rT, rP, rW, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.targets[0]) > 1000 && testing.Short() {
				t.Skip("PyTorch reference at L = 8583 (about 10 s) skipped under -short")
			}
			l, err := New(spec, &tc.set)
			if err != nil {
				t.Fatal(err)
			}
			tg, err := l.Prepare(context.Background(), tc.targets, tc.wins)
			if err != nil {
				t.Fatal(err)
			}
			s := l.Settings()
			in := torchIn{Dt: s.Dt, Absolute: s.Absolute, SagTemperature: s.SagTemperature, WidthSharpness: s.WidthSharpness,
				CountThreshold: s.CountThreshold, CountSharpness: s.CountSharpness, TimingTau: s.TimingTau}
			for _, term := range spec {
				in.Spec = append(in.Spec, [2]any{term.Feature.String(), term.Weight})
			}
			for b := range tc.targets {
				p := append([]float64(nil), tc.preds[b]...)
				if tc.nudge { // the first spike's upstroke and the next sample at the AP1 threshold
					for i := 1; i < len(p); i++ {
						if p[i] > tg.Threshold(b) && p[i-1] < tg.Threshold(b) {
							nudge(p, i, tg.Threshold(b), 0.4, s.WidthSharpness)
							nudge(p, i+2, tg.Threshold(b), -0.3, s.WidthSharpness)
							break
						}
					}
				}
				stim := make([]float64, len(p))
				for i := tc.wins[b].Start; i <= tc.wins[b].End; i++ {
					stim[i] = 2
				}
				in.Stimulus, in.Target, in.Pred = append(in.Stimulus, stim), append(in.Target, tc.targets[b]), append(in.Pred, p)
				in.AP1Threshold = append(in.AP1Threshold, tg.Threshold(b))
				in.AP1Target = append(in.AP1Target, tg.Target(b, AP1Width))
				in.CountTarget = append(in.CountTarget, tg.Target(b, SpikeCount))
			}
			dir := t.TempDir()
			buf, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "in.json"), buf, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, script, "--featloss", filepath.Join(dir, "in.json"), "--out", filepath.Join(dir, "out.json"))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", script, err, out)
			}
			var ref torchOut
			buf, err = os.ReadFile(filepath.Join(dir, "out.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(buf, &ref); err != nil {
				t.Fatal(err)
			}
			var ws Workspace
			for b, p := range in.Pred {
				g := make([]float64, len(p))
				loss := tg.Trace(&ws, g, p, b)
				if !closeRel(loss, ref.Loss[b], torchTol, 1e-12) {
					t.Errorf("trace %d: loss %.12g, torch %.12g", b, loss, ref.Loss[b])
				}
				for _, term := range spec {
					f := term.Feature
					if got, want := ws.Predicted(f), ref.PredValues[f.String()][b]; !closeRel(got, want, torchTol, 1e-12) {
						t.Errorf("trace %d: %v predicted %.12g, torch %.12g", b, f, got, want)
					}
					if got, want := tg.Target(b, f), ref.TargetValues[f.String()][b]; !closeRel(got, want, torchTol, 1e-12) {
						t.Errorf("trace %d: %v target %.12g, torch %.12g", b, f, got, want)
					}
				}
				var scale, worst float64
				at := 0
				for i := range g {
					scale = max(scale, math.Abs(ref.Grad[b][i]))
					if d := math.Abs(g[i] - ref.Grad[b][i]); d > worst {
						worst, at = d, i
					}
				}
				if worst > torchTol*scale || scale == 0 {
					t.Errorf("trace %d: gradient[%d] %.12g, torch %.12g (max |∂| %.3g)", b, at, g[at], ref.Grad[b][at], scale)
				}
				t.Logf("trace %d: loss %.6g, max |∂| %.3g, max gradient difference %.2g relative", b, loss, scale, worst/scale)
			}
		})
	}
}

func closeRel(a, b, rel, abs float64) bool {
	return math.Abs(a-b) <= max(rel*math.Max(math.Abs(a), math.Abs(b)), abs)
}
