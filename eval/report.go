package eval

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/noble-neuro/noble/internal/atomicfile"
)

// paperFigures are NOBLE's published relative errors in % (Ghafourpour et
// al., NeurIPS 2025; docs/noble-model.md) for one cell type: Tables 1 and 2
// for its human PVALB cell, Appendix D.3 for its VIP cell, which reports the
// training models only (no held-out split).
type paperFigures struct {
	label string                        // what the report says they are
	split map[string]map[string]float64 // split → quantity → error in %
}

var (
	paperPVALB = paperFigures{
		label: "NOBLE's published figures for its human PVALB cell (Tables 1 and 2)",
		split: map[string]map[string]float64{
			"test_seen": {"voltage": 2.18, "Spikecount": 3, "AP1_width": 32.8, "mean_AP_amplitude": 8.54, "steady_state_voltage": 0.83},
			"test_held": {"voltage": 11.7, "Spikecount": 9.2, "AP1_width": 350, "mean_AP_amplitude": 14, "steady_state_voltage": 2.0},
		},
	}
	paperVIP = paperFigures{
		label: "NOBLE's published figures for its human VIP cell (Appendix D.3: training models only)",
		split: map[string]map[string]float64{
			"test_seen": {"voltage": 2.5, "Spikecount": 9.0, "AP1_width": 20, "mean_AP_amplitude": 10, "steady_state_voltage": 0.99},
		},
	}
)

// paperFor picks the published figures nearest the evaluated cell: the VIP
// ones for a cell whose name says VIP (the human cortical repository's and
// noble's cell folders do), else the PVALB ones, the paper's main cell.
func paperFor(cell string) paperFigures {
	if strings.Contains(strings.ToLower(cell), "vip") {
		return paperVIP
	}
	return paperPVALB
}

// paperPct formats a published figure, "–" where the paper gives none.
func paperPct(fig map[string]float64, name string) string {
	v, ok := fig[name]
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.3g %%", v)
}

func pct(x Num) string {
	if !finite(float64(x)) {
		return "–"
	}
	v := 100 * float64(x)
	if math.Abs(v) < 1000 {
		return fmt.Sprintf("%.3g %%", v)
	}
	// Three significant digits as %.3g, without its exponent: 1,230 %.
	r, _ := strconv.ParseFloat(fmt.Sprintf("%.3g", v), 64)
	d := strconv.FormatFloat(math.Abs(r), 'f', 0, 64)
	var b strings.Builder
	if r < 0 {
		b.WriteByte('-')
	}
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + " %"
}

func num(x float64) string {
	if !finite(x) {
		return "–"
	}
	return fmt.Sprintf("%.4g", x)
}

func (e *evaluator) writeReport() error {
	r := e.res
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# NOBLE surrogate evaluation\n\n")
	w("- model: `%s`\n- dataset: `%s` (cell %s, generation %.12s)\n", r.Model, r.Data, r.Cell, e.d.Manifest.GenerationID)
	w("- protocol: %d samples at %g ms, step %g → %g ms; features as eFEL (package features) on the test window\n",
		e.sur.Length(), e.sur.Dt(), e.sur.Protocol.StimStartMS, e.sur.Protocol.StimEndMS)
	w("- evaluated %s in %.1f s\n\n", time.Now().UTC().Format(time.RFC3339), r.Seconds)

	paper := paperFor(r.Cell)
	w("## Accuracy (the paper's Tables 1 and 2)\n\n")
	w("Voltage error: mean over traces of ‖ŷ − y‖₂ / ‖y‖₂ on the %d-sample test window. Feature errors, as NOBLE's reference code computes them: mean over traces of |f̂ − f| / |f|, f the mean of the feature's values on the trace, over the traces on which simulator and surrogate both fire or both stay silent, both define the feature and f ≠ 0 (n). A trace on which only one of them fires is a miss, counted apart (missed firing: only the simulator fires; missed non-firing: only the surrogate). Paper: %s.\n\n", e.sur.Length(), paper.label)
	w("| | voltage rel. L2 | Spikecount | AP1_width | mean_AP_amplitude | steady_state_voltage | missed firing | missed non-firing |\n|---|---|---|---|---|---|---|---|\n")
	for _, sr := range r.Splits {
		if sr.Traces == 0 {
			continue
		}
		row := []string{pct(sr.VoltageL2)}
		pub := paper.split[sr.Split]
		prow := []string{paperPct(pub, "voltage")}
		for _, name := range ErrorFeatures[:4] {
			for _, f := range sr.Features {
				if f.Name == name {
					row = append(row, pct(f.Mean))
				}
			}
			prow = append(prow, paperPct(pub, name))
		}
		row = append(row, fmt.Sprintf("%d of %d", sr.MissedFiring, sr.Firing), fmt.Sprintf("%d of %d", sr.MissedNonFiring, sr.Traces-sr.Firing))
		prow = append(prow, "–", "–")
		w("| %s (%d traces) | %s |\n| paper, %s | %s |\n", sr.Split, sr.Traces, strings.Join(row, " | "), sr.Split, strings.Join(prow, " | "))
	}
	w("\nEvery trace's spike counts and voltage error: %s.\n\n", TracesName)
	for _, sr := range r.Splits {
		w("### %s: %s\n\n", sr.Split, sr.Description)
		if sr.Traces == 0 {
			w("No traces.\n\n")
			continue
		}
		pub := paper.split[sr.Split]
		w("%d traces. Voltage relative L2: mean **%s**, median %s (paper %s). The simulator fires on %d; the surrogate misses %d of them and fires on %d of the other %d.\n\n",
			sr.Traces, pct(sr.VoltageL2), pct(sr.VoltageL2Med), paperPct(pub, "voltage"), sr.Firing, sr.MissedFiring, sr.MissedNonFiring, sr.Traces-sr.Firing)
		w("| feature | n | mean rel. error | median | paper | only simulator | only surrogate | f = 0 |\n|---|---|---|---|---|---|---|---|\n")
		for _, f := range sr.Features {
			w("| %s | %d | %s | %s | %s | %d | %d | %d |\n", f.Name, f.N, pct(f.Mean), pct(f.Median), paperPct(pub, f.Name), f.OnlySim, f.OnlySurr, f.ZeroTruth)
		}
		w("\n")
		b.WriteString(countTable(sr.SpikecountByCount))
		b.WriteString(outlierTable(sr.SpikecountOutliers))
	}
	for _, f := range r.Figures {
		switch f {
		case "voltage_error.png":
			w("![distribution of the voltage errors](voltage_error.png)\n\n")
		case "traces.png":
			w("Example test traces, simulator (black) and surrogate (orange, dashed):\n\n![example traces](traces.png)\n\n")
		}
	}

	if len(r.FI) > 0 {
		w("## F-I curves\n\n")
		w("Firing rate = spikes in the stimulus window / its duration (eFEL Spikecount_stimint, as package fi's default rate). Simulator: the model's evaluated test traces (black points); surrogate: at the same amplitudes (orange points) and on %d amplitudes spanning them (line). MAE: mean |rate_surrogate − rate_simulator| at the test amplitudes.\n\n", len(r.FI[0].Amps))
		if len(r.FI[0].SimAmps) > 0 {
			w("Fresh simulations at %d amplitudes of the grid per model: black dashed line.\n\n", len(r.FI[0].SimAmps))
		}
		w("![F-I curves](fi_curves.png)\n\n")
		w("| model | split | I_thr (nA) | s_thr (Hz/nA) | traces | rate MAE (Hz) |\n|---|---|---|---|---|---|\n")
		for _, c := range r.FI {
			w("| %s | %s | %.4g | %.4g | %d | %s |\n", c.Model, c.Split, c.IThr, c.SThr, c.Points, num(float64(c.RateMAE)))
		}
		w("\n")
	}

	if p := r.Population; p != nil {
		w("## Synthetic population\n\n")
		w("%d embeddings drawn uniformly in the convex hull of the training HoF embeddings (seed %d), each under a %.4g nA step, against the %d HoF models (%s).\n\n", p.Size, p.Seed, p.Amp, p.HoFSize, p.HoFSource)
		w("![feature histograms](population.png)\n\n")
		w("| feature | synthetic mean ± sd | synthetic q05–q95 | HoF mean ± sd | HoF q05–q95 |\n|---|---|---|---|---|\n")
		for i, s := range p.Synthetic {
			h := p.HoF[i]
			w("| %s | %s ± %s | %s – %s | %s ± %s | %s – %s |\n", s.Name, num(s.Mean), num(s.SD), num(s.Q05), num(s.Q95), num(h.Mean), num(h.SD), num(h.Q05), num(h.Q95))
		}
		w("\n")
	}

	if in := r.Interp; in != nil {
		w("## Latent interpolation\n\n")
		w("Between %s and %s at %.4g nA. The simulator runs the linearly interpolated parameters (every genome value, Ra, celsius and v_init), the surrogate the linearly interpolated embedding (I_thr, s_thr).\n\n", in.ModelA, in.ModelB, in.Amp)
		w("![interpolation](interpolation.png)\n\n")
		w("| α | I_thr (nA) | s_thr (Hz/nA) | spikes (simulator) | spikes (surrogate) | voltage rel. L2 |\n|---|---|---|---|---|---|\n")
		for _, pt := range in.Points {
			w("| %.2f | %.4g | %.4g | %s | %s | %s |\n", pt.Alpha, pt.IThr, pt.SThr, num(float64(pt.SpikesSim)), num(float64(pt.SpikesSurr)), pct(pt.RelL2))
		}
		w("\n")
	} else {
		w("## Latent interpolation\n\nNot run: it simulates, and no cell directory was given (--cell).\n\n")
	}

	if sp := r.Speed; sp != nil {
		w("## Speed\n\n")
		w("Wall time per trace on this machine (shared with other jobs: see docs/benchmarks.md for CPU times). NEURON here: 2.8 s CPU per trace (mouse cell, idle core) to 11 s wall under load (docs/benchmarks.md).\n\n")
		w("| | ms per trace | speed-up vs simulator here | vs NEURON here (%.0f–%.0f ms) | vs NEURON in the paper (%.0f ms) |\n|---|---|---|---|---|\n", float64(sp.NEURONHereMS), float64(sp.NEURONHereHi), float64(sp.NEURONPaperMS))
		row := func(name string, ms Num) {
			su := "–"
			if finite(float64(sp.SimMS)) && sp.SimTraces > 0 {
				su = fmt.Sprintf("%.0f×", float64(sp.SimMS)/float64(ms))
			}
			w("| %s | %s | %s | %.0f–%.0f× | %.0f× |\n", name, num(float64(ms)), su, float64(sp.NEURONHereMS)/float64(ms), float64(sp.NEURONHereHi)/float64(ms), float64(sp.NEURONPaperMS)/float64(ms))
		}
		row("surrogate, batch 1", sp.Batch1MS)
		row(fmt.Sprintf("surrogate, %d traces", sp.BatchN), sp.BatchNMS)
		if sp.SimTraces > 0 {
			w("| simulator (package sim, %d traces, one core) | %s | 1× | | |\n", sp.SimTraces, num(float64(sp.SimMS)))
		}
		w("\nThe paper: NOBLE 15.7 ms per trace at batch 1 and 0.86 ms at batch 1000 on an RTX 4090 against NEURON's 3.6 s on a Ryzen 9 7900X core.\n\n")
	}
	return atomicfile.WriteFile(filepath.Join(e.out, ReportName), b.Bytes())
}
