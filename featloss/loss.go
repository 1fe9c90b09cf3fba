package featloss

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"

	"github.com/noble-neuro/noble/features"
	"golang.org/x/sync/errgroup"
)

// Scale converts the operator's output (volts) to the features' unit (mV):
// v_mV = Scale·v_V, and by the chain rule ∂L/∂v_V = Scale·∂L/∂v_mV.
// TraceVolts32 applies both.
const Scale = 1000

// relEps is the reference's 1e-8 added to the relative loss's denominator.
const relEps = 1e-8

// Sentinels of Prepare's input errors.
var (
	ErrInput    = errors.New("featloss: invalid input")
	ErrSettings = errors.New("featloss: invalid settings")
)

// SampleError reports a non-finite sample of target trace Trace.
type SampleError struct {
	Trace, Index int
	Value        float64
}

func (e *SampleError) Error() string {
	return fmt.Sprintf("featloss: target %d sample %d = %v", e.Trace, e.Index, e.Value)
}

func (e *SampleError) Unwrap() error { return ErrInput }

// Settings configures the features and the loss. A zero field means the
// default in brackets.
type Settings struct {
	Dt float64 // sample spacing, ms [0.06: the reference's dt·ds]
	// Absolute selects the absolute loss Σ_b (f̂_b − f_b)² instead of the
	// relative Σ_b (f̂_b − f_b)² / (Σ_b f_b² + 1e-8).
	Absolute bool

	SagTemperature float64 // sharpness of the soft minimum, 1/mV [50]
	// SagTargetEFEL takes the sag target from eFEL (sag_amplitude on silent
	// targets, 0 on spiking ones or where it is undefined: the reference's
	// compute_true_sag_amplitude, which its loss does not call) instead of
	// the reference's choice, the soft sag of the target trace.
	SagTargetEFEL bool

	WidthSharpness float64 // k of the AP1 width's crossings, 1/mV [200]

	CountThreshold float64 // threshold of SpikeCount and SpikeTiming, mV [−20, eFEL's]
	CountSharpness float64 // k of SpikeCount and SpikeTiming, 1/mV [0.5]
	TimingTau      float64 // time constant of the van Rossum filter, ms [5]
	EnvelopeWidth  float64 // segment length of SpikeEnvelope, ms [20]
	EnvelopeTemp   float64 // softmax temperature of SpikeEnvelope's maxima, 1/mV [1]
}

func (s Settings) withDefaults() Settings {
	def := func(p *float64, d float64) {
		if *p == 0 {
			*p = d
		}
	}
	def(&s.Dt, 0.06)
	def(&s.SagTemperature, 50)
	def(&s.WidthSharpness, 200)
	def(&s.CountThreshold, -20)
	def(&s.CountSharpness, 0.5)
	def(&s.TimingTau, 5)
	def(&s.EnvelopeWidth, 20)
	def(&s.EnvelopeTemp, 1)
	return s
}

func (s Settings) validate() error {
	for _, f := range []struct {
		name string
		x    float64
		pos  bool
	}{
		{"Dt", s.Dt, true}, {"SagTemperature", s.SagTemperature, true},
		{"WidthSharpness", s.WidthSharpness, true}, {"CountThreshold", s.CountThreshold, false},
		{"CountSharpness", s.CountSharpness, true}, {"TimingTau", s.TimingTau, true},
		{"EnvelopeWidth", s.EnvelopeWidth, true}, {"EnvelopeTemp", s.EnvelopeTemp, true},
	} {
		if math.IsNaN(f.x) || math.IsInf(f.x, 0) || (f.pos && f.x < 0) {
			return fmt.Errorf("%w: %s = %v", ErrSettings, f.name, f.x)
		}
	}
	return nil
}

// Loss is a validated combined feature loss. It is immutable and safe for
// concurrent use.
type Loss struct {
	spec Spec
	s    Settings
}

// New validates spec (as ParseSpec would) and s (nil means every default)
// and returns the loss.
func New(spec Spec, s *Settings) (*Loss, error) {
	var set Settings
	if s != nil {
		set = *s
	}
	set = set.withDefaults()
	if err := set.validate(); err != nil {
		return nil, err
	}
	if _, err := ParseSpec(spec.String()); err != nil {
		return nil, err
	}
	return &Loss{spec: slices.Clone(spec), s: set}, nil
}

// Spec returns the loss's terms.
func (l *Loss) Spec() Spec { return slices.Clone(l.spec) }

// Settings returns the settings with defaults filled in.
func (l *Loss) Settings() Settings { return l.s }

// Targets holds what a batch's loss needs from its targets, computed once by
// Prepare: the target value of every feature of the spec, the AP1 width
// threshold and the target spike samples of each trace, and each feature's
// denominator. It is read-only and safe for concurrent use.
type Targets struct {
	l       *Loss
	n       int // samples per trace
	windows []Window
	value   [][numFeatures]float64
	thr     []float64
	spikes  [][]int
	norm    []float64   // (dt/τ)·Σ f_i² of each target spike train
	env     [][]float64 // SpikeEnvelope: the target's envelopes (Workspace.Envelope), mV
	envNorm []float64   // Σ_j (env_j − resting)² of each target
	den     [numFeatures]float64
}

// Prepare computes the targets of a batch: target[b] is trace b's target
// voltage (mV, Dt ms apart, all of one length) and windows[b] its stimulus
// window. It takes about 0.7 ms per 8583-sample trace (eFEL's features of
// the target), so a trainer may prepare its whole training set once, before
// training, and take each batch with Select. It fails, wrapping ErrInput, on
// a length mismatch, a trace shorter than 3 samples, a non-finite sample
// (*SampleError) or a window outside the trace, and returns ctx's error when
// ctx is done (checked per trace). The targets are:
//
//   - sag_amplitude: the soft sag of the target (the reference), or eFEL's
//     (Settings.SagTargetEFEL);
//   - AP1_width: eFEL's AP1_width with stim_start Start·Dt, stim_end End·Dt and
//     interp_step Dt, as the reference asks eFEL, or 0 where undefined (or
//     NaN, which would make the reference's loss NaN); the
//     threshold is the mean of the target's voltage at eFEL's first
//     min_AHP index and first peak index, and where AP1_width, min_AHP_indices
//     or peak_indices is undefined or empty, max((q10 + q90)/2, max v + 1 mV)
//     of the target (the reference's quantiles, linear as torch.quantile;
//     the maximum is always the second term, so the width stays 0);
//   - spike_count: eFEL's Spikecount (features, default settings);
//   - spike_timing: the samples of Spikes(target, CountThreshold);
//   - spike_envelope: the soft maxima and minima of the target's segments
//     (Workspace.Envelope).
func (l *Loss) Prepare(ctx context.Context, target [][]float64, windows []Window) (*Targets, error) {
	if len(target) != len(windows) {
		return nil, fmt.Errorf("%w: %d targets, %d windows", ErrInput, len(target), len(windows))
	}
	t := &Targets{l: l, windows: slices.Clone(windows)}
	B := len(target)
	if B > 0 {
		t.n = len(target[0])
	}
	t.value = make([][numFeatures]float64, B)
	t.thr = make([]float64, B)
	t.spikes = make([][]int, B)
	t.norm = make([]float64, B)
	t.env = make([][]float64, B)
	t.envNorm = make([]float64, B)
	// Traces are independent (each writes its own slots): on all cores, so
	// that preparing a batch stays a small part of a training step. The
	// error reported is the first trace's, whatever the timing.
	errs := make([]error, B)
	parts := min(runtime.GOMAXPROCS(0), max(B, 1))
	var g errgroup.Group
	for p := range parts {
		g.Go(func() error {
			var ws Workspace
			ws.Reset(t.n)
			for b := p; b < B; b += parts {
				if err := ctx.Err(); err != nil {
					return err
				}
				errs[b] = t.check(b, target[b])
				if errs[b] == nil {
					errs[b] = t.prepare(&ws, b, target[b])
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	t.denominators()
	return t, nil
}

// denominators sets t.den from the traces' targets.
func (t *Targets) denominators() {
	for f := range numFeatures {
		if t.l.s.Absolute {
			t.den[f] = 1
			continue
		}
		var s float64
		for b := range t.value {
			switch f {
			case SpikeTiming:
				s += t.norm[b]
			case SpikeEnvelope:
				s += t.envNorm[b]
			default:
				s += t.value[b][f] * t.value[b][f]
			}
		}
		t.den[f] = s + relEps
	}
}

// Select returns the targets of traces idx of t, in that order (trace b of
// the result is trace idx[b] of t), with the denominators of that batch. It
// shares t's read-only per-trace data and costs O(len(idx)). It panics when
// an index is out of range.
func (t *Targets) Select(idx []int) *Targets {
	s := &Targets{l: t.l, n: t.n, windows: make([]Window, len(idx)), value: make([][numFeatures]float64, len(idx)),
		thr: make([]float64, len(idx)), spikes: make([][]int, len(idx)), norm: make([]float64, len(idx)),
		env: make([][]float64, len(idx)), envNorm: make([]float64, len(idx))}
	for b, i := range idx {
		s.windows[b], s.value[b], s.thr[b], s.spikes[b], s.norm[b] = t.windows[i], t.value[i], t.thr[i], t.spikes[i], t.norm[i]
		s.env[b], s.envNorm[b] = t.env[i], t.envNorm[i]
	}
	s.denominators()
	return s
}

func (t *Targets) check(b int, v []float64) error {
	if len(v) != t.n {
		return fmt.Errorf("%w: target %d has %d samples, target 0 has %d", ErrInput, b, len(v), t.n)
	}
	if len(v) < 3 {
		return fmt.Errorf("%w: target %d has %d samples, need 3", ErrInput, b, len(v))
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return &SampleError{Trace: b, Index: i, Value: x}
		}
	}
	w := t.windows[b]
	if w.MinLo < 0 || w.MinHi < w.MinLo || w.MinHi >= len(v) || w.SteadyLo < 0 || w.SteadyHi <= w.SteadyLo ||
		w.SteadyHi > len(v) || w.Start < 0 || w.End < w.Start || w.End >= len(v) {
		return fmt.Errorf("%w: window %d %+v outside %d samples", ErrInput, b, w, len(v))
	}
	return nil
}

// prepare computes trace b's targets.
func (t *Targets) prepare(ws *Workspace, b int, v []float64) error {
	s, w := t.l.s, t.windows[b]
	need := func(f Feature) bool { return t.l.spec.Has(f) }
	var noble features.Values // eFEL with its default 0.1 ms grid
	if need(SpikeCount) || (need(SagAmplitude) && s.SagTargetEFEL) {
		var err error
		noble, err = features.Compute(v, s.Dt, &features.Settings{StimStart: float64(w.Start) * s.Dt, StimEnd: float64(w.End) * s.Dt})
		if err != nil && !errors.Is(err, features.ErrSettings) {
			return fmt.Errorf("featloss: target %d: %w", b, err)
		}
	}
	if need(SagAmplitude) {
		if s.SagTargetEFEL {
			n, _ := noble.First("Spikecount")
			if sag, ok := noble.First("sag_amplitude"); ok && n == 0 {
				t.value[b][SagAmplitude] = sag
			}
		} else {
			t.value[b][SagAmplitude] = ws.SagAmplitude(nil, v, w, s.SagTemperature)
		}
	}
	if need(AP1Width) {
		width, thr, err := ap1Target(v, w, s.Dt)
		if err != nil {
			return fmt.Errorf("featloss: target %d: %w", b, err)
		}
		t.value[b][AP1Width], t.thr[b] = width, thr
	}
	if need(SpikeCount) {
		t.value[b][SpikeCount], _ = noble.First("Spikecount")
	}
	if need(SpikeTiming) {
		t.spikes[b] = Spikes(nil, v, s.CountThreshold)
		t.norm[b] = trainNorm(t.spikes[b], len(v), s.Dt, s.TimingTau)
	}
	if need(SpikeEnvelope) {
		t.env[b] = ws.Envelope(nil, v, w, s.Dt, s.EnvelopeWidth, s.EnvelopeTemp)
		rest := restingVoltage(v, w)
		for _, m := range t.env[b] {
			t.envNorm[b] += (m - rest) * (m - rest)
		}
	}
	return nil
}

// ap1Target returns eFEL's AP1 width of the target and the threshold of the
// soft width, as the reference computes them.
func ap1Target(v []float64, w Window, dt float64) (width, thr float64, err error) {
	fv, err := features.Compute(v, dt, &features.Settings{StimStart: float64(w.Start) * dt, StimEnd: float64(w.End) * dt, InterpStep: dt})
	if err != nil && !errors.Is(err, features.ErrSettings) {
		return 0, 0, err
	}
	wd, ok1 := fv.First("AP1_width")
	ahp, ok2 := fv.First("min_AHP_indices")
	pk, ok3 := fv.First("peak_indices")
	// A NaN AP1_width (eFEL's, where an interpolation has no previous
	// sample) would make the reference's loss NaN; it counts as undefined.
	if ok1 && ok2 && ok3 && !math.IsNaN(wd) {
		ia, ip := min(max(int(ahp), 0), len(v)-1), min(max(int(pk), 0), len(v)-1)
		return wd, (v[ia] + v[ip]) / 2, nil
	}
	sorted := slices.Clone(v)
	sort.Float64s(sorted)
	return 0, max((quantile(sorted, 0.1)+quantile(sorted, 0.9))/2, sorted[len(sorted)-1]+1), nil
}

// quantile is torch.quantile's default (linear) interpolation on sorted x.
func quantile(x []float64, q float64) float64 {
	p := q * float64(len(x)-1)
	i := int(math.Floor(p))
	if i+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[i] + (p-float64(i))*(x[i+1]-x[i])
}

// Len returns the number of traces.
func (t *Targets) Len() int { return len(t.value) }

// Target returns trace b's target value of feature f (for SpikeTiming, the
// number of target spikes; for SpikeEnvelope, the mean of the target's
// upper envelope, mV).
func (t *Targets) Target(b int, f Feature) float64 {
	switch f {
	case SpikeTiming:
		return float64(len(t.spikes[b]))
	case SpikeEnvelope:
		var s float64
		for j := 0; j < len(t.env[b]); j += 2 {
			s += t.env[b][j]
		}
		return s / float64(max(len(t.env[b])/2, 1))
	}
	return t.value[b][f]
}

// Envelope returns trace b's target envelope, Workspace.Envelope's layout
// (nil when the spec has no spike_envelope term). The slice must not be
// modified.
func (t *Targets) Envelope(b int) []float64 { return t.env[b] }

// Threshold returns trace b's AP1 width threshold, mV (0 when the spec has
// no AP1_width term).
func (t *Targets) Threshold(b int) float64 { return t.thr[b] }

// Spikes returns trace b's target spike samples (nil when the spec has no
// spike_timing term). The slice must not be modified.
func (t *Targets) Spikes(b int) []int { return t.spikes[b] }

// Denominator returns feature f's denominator: Σ_b f_b² + 1e-8 for the
// relative loss (Σ_b of the van Rossum distance of an empty train to the
// target for SpikeTiming; for SpikeEnvelope Σ_b Σ_k (e_bk − r_b)² over both
// envelopes, the distance of a prediction resting at the target's
// pre-stimulus voltage r_b), 1 for the absolute one.
func (t *Targets) Denominator(f Feature) float64 { return t.den[f] }

// Window returns trace b's window.
func (t *Targets) Window(b int) Window { return t.windows[b] }

// trainNorm returns (dt/τ)·Σ_i f_i² of the filtered train of unit spikes at
// samples spikes: the van Rossum distance of an empty train to it.
func trainNorm(spikes []int, n int, dt, tau float64) float64 {
	alpha := math.Exp(-dt / tau)
	var f, s float64
	next := 0
	for i := range n {
		f *= alpha
		for next < len(spikes) && spikes[next] == i {
			f++
			next++
		}
		s += f * f
	}
	return dt / tau * s
}

// Trace returns trace b's combined loss Σ_terms λ·L_b, where per feature
//
//	L_b = (f̂_b − f_b)² / D   (D = Denominator(f); spike_timing: L_b = vR_b / D;
//	                          spike_envelope: L_b = Σ_k (ê_bk − e_bk)² / D)
//
// so that Σ_b L_b is the reference's batch loss, and writes its gradient
// ∂/∂v into dst. v is the predicted trace (mV), dst nil computes the loss
// only. Each term's value and prediction are left in ws (Term, Predicted).
// Calls for different traces are independent: run them concurrently, one
// Workspace per goroutine. It panics when v's length differs from the
// targets', dst's from v's, or b is out of range; it does not allocate once
// ws has been Reset to the trace length.
func (t *Targets) Trace(ws *Workspace, dst, v []float64, b int) float64 {
	if len(v) != t.n {
		panic(fmt.Sprintf("featloss: trace of %d samples, targets of %d", len(v), t.n))
	}
	checkDst(dst, v)
	ws.grow(t.n)
	clear(dst)
	s, w := t.l.s, t.windows[b]
	var g []float64
	if dst != nil {
		g = ws.g[:t.n]
	}
	var total float64
	for _, term := range t.l.spec {
		f := term.Feature
		var pred float64
		switch f {
		case SagAmplitude:
			pred = ws.SagAmplitude(g, v, w, s.SagTemperature)
		case AP1Width:
			pred = ws.AP1Width(g, v, t.thr[b], s.WidthSharpness, s.Dt)
		case SpikeCount:
			pred = ws.SpikeCount(g, v, s.CountThreshold, s.CountSharpness)
		case SpikeTiming:
			pred = ws.SpikeTiming(g, v, t.spikes[b], s.CountThreshold, s.CountSharpness, s.Dt, s.TimingTau)
		case SpikeEnvelope:
			pred = ws.EnvelopeDistance(g, v, t.env[b], w, s.Dt, s.EnvelopeWidth, s.EnvelopeTemp)
		}
		var loss, scale float64
		if f == SpikeTiming || f == SpikeEnvelope {
			loss, scale = pred/t.den[f], 1/t.den[f]
		} else {
			r := pred - t.value[b][f]
			loss, scale = r*r/t.den[f], 2*r/t.den[f]
		}
		ws.pred[f], ws.term[f] = pred, loss
		total += term.Weight * loss
		if dst != nil {
			c := term.Weight * scale
			for i, x := range g {
				dst[i] += c * x
			}
		}
	}
	return total
}

// TraceVolts32 is Trace for the operator's float32 output in volts: it
// converts v to mV (×Scale) in float64, and writes ∂loss/∂v (per volt: the
// mV gradient ×Scale) into dst as float32. dst nil computes the loss only.
// It panics as Trace does and does not allocate once ws has been Reset.
func (t *Targets) TraceVolts32(ws *Workspace, dst, v []float32, b int) float64 {
	if len(v) != t.n || (dst != nil && len(dst) != len(v)) {
		panic(fmt.Sprintf("featloss: trace of %d samples (dst %d), targets of %d", len(v), len(dst), t.n))
	}
	ws.grow(t.n)
	x := ws.x[:t.n]
	for i, y := range v {
		x[i] = Scale * float64(y)
	}
	if dst == nil {
		return t.Trace(ws, nil, x, b)
	}
	gx := ws.gx[:t.n]
	loss := t.Trace(ws, gx, x, b)
	for i, y := range gx {
		dst[i] = float32(Scale * y)
	}
	return loss
}
