package fi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/noble-neuro/noble/features"
)

// Simulator returns the somatic voltage (mV) of the model under a current
// step of amplitude amp (nA), sampled every Settings.Dt ms from t = 0 over
// the whole protocol. It may reuse and return the same buffer between calls.
type Simulator func(ctx context.Context, amp float64) ([]float64, error)

// Rate selects the firing-rate definition of an F-I point.
type Rate int

const (
	// RateCount is the number of spikes in the stimulus window over its duration (Hz).
	RateCount Rate = iota
	// RateMeanFrequency is eFEL's mean_frequency (Hz), 0 without spikes.
	RateMeanFrequency
)

var rateNames = [...]string{RateCount: "count", RateMeanFrequency: "mean_frequency"}

func (r Rate) String() string {
	if r >= 0 && int(r) < len(rateNames) {
		return rateNames[r]
	}
	return fmt.Sprintf("Rate(%d)", int(r))
}

// ParseRate parses the String form of a Rate.
func ParseRate(s string) (Rate, error) {
	for i, n := range rateNames {
		if n == s {
			return Rate(i), nil
		}
	}
	return 0, fmt.Errorf("%w: rate %q (want count or mean_frequency)", ErrSettings, s)
}

// Method selects how the embedding is read off the F-I curve.
type Method int

const (
	// MethodFit (the default) fits a line, in the manner of the Allen
	// Institute's fi_fit_slope (ipfx), to the rate at FitPoints amplitudes
	// spread over [I_thr, I_thr+FitWidth] above the bisection threshold:
	// SThr is its slope and IThr its zero-rate crossing (NOBLE's "slope" and
	// "intercept" columns).
	MethodFit Method = iota
	// MethodLocal keeps the bisection threshold as IThr and fits SThr over
	// the narrow window [I_thr, I_thr+SlopeWidth] (SlopePoints amplitudes).
	MethodLocal
)

var methodNames = [...]string{MethodFit: "fit", MethodLocal: "local"}

func (m Method) String() string {
	if m >= 0 && int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod parses the String form of a Method.
func ParseMethod(s string) (Method, error) {
	for i, n := range methodNames {
		if n == s {
			return Method(i), nil
		}
	}
	return 0, fmt.Errorf("%w: method %q (want fit or local)", ErrSettings, s)
}

// Sentinel errors.
var (
	ErrSettings    = errors.New("fi: invalid settings")
	ErrNoThreshold = errors.New("fi: no spike up to the largest amplitude tried")
	ErrFiresAtLo   = errors.New("fi: the model fires at the lower bracket amplitude")
	ErrTrace       = errors.New("fi: bad trace from the simulator")
	// ErrUnreliable is wrapped by Result.Check when an embedding was
	// computed but is not a meaningful description of the F-I curve.
	ErrUnreliable = errors.New("fi: embedding not meaningful")
)

// Settings defines the protocol, the rate and the search. A zero field means
// the default in brackets.
type Settings struct {
	Dt    float64 // sampling step of the simulator's traces, ms [0.02]
	Delay float64 // stimulus onset, ms [15]
	Dur   float64 // stimulus duration, ms [400]

	Rate      Rate // firing-rate definition [RateCount]
	MinSpikes int  // spikes in the stimulus window that count as firing [1]

	Lo      float64 // lower bracket, must not fire, nA [0]
	FirstHi float64 // first upper bracket, nA [0.05]
	MaxAmp  float64 // largest amplitude tried while bracketing, nA [2]
	Tol     float64 // bracket width at which bisection stops, nA [1e-4]

	Method Method // how IThr and SThr are read off the curve [MethodFit]

	FitWidth  float64 // MethodFit: width of the fit window above the bisection threshold, nA [0.13]
	FitPoints int     // MethodFit: amplitudes in the fit window, ≥ 2 [7]

	SlopeWidth  float64 // MethodLocal: width of the slope fit window above I_thr, nA [0.02]
	SlopePoints int     // MethodLocal: amplitudes in the fit window, ≥ 2 [5]

	// Features configures spike detection; its stimulus window is replaced
	// by Delay and Delay+Dur. Nil means eFEL's defaults.
	Features *features.Settings
}

func (s Settings) withDefaults() Settings {
	def := func(p *float64, d float64) {
		if *p == 0 {
			*p = d
		}
	}
	def(&s.Dt, 0.02)
	def(&s.Delay, 15)
	def(&s.Dur, 400)
	def(&s.FirstHi, 0.05)
	def(&s.MaxAmp, 2)
	def(&s.Tol, 1e-4)
	def(&s.SlopeWidth, 0.02)
	def(&s.FitWidth, 0.13)
	if s.FitPoints == 0 {
		s.FitPoints = 7
	}
	if s.MinSpikes == 0 {
		s.MinSpikes = 1
	}
	if s.SlopePoints == 0 {
		s.SlopePoints = 5
	}
	return s
}

func (s *Settings) validate() error {
	for _, f := range []struct {
		n string
		x float64
	}{{"Dt", s.Dt}, {"Delay", s.Delay}, {"Dur", s.Dur}, {"Lo", s.Lo}, {"FirstHi", s.FirstHi},
		{"MaxAmp", s.MaxAmp}, {"Tol", s.Tol}, {"SlopeWidth", s.SlopeWidth}, {"FitWidth", s.FitWidth}} {
		if math.IsNaN(f.x) || math.IsInf(f.x, 0) {
			return fmt.Errorf("%w: %s = %v", ErrSettings, f.n, f.x)
		}
	}
	switch {
	case s.Dt <= 0 || s.Delay < 0 || s.Dur <= 0:
		return fmt.Errorf("%w: protocol dt %v, delay %v, dur %v ms", ErrSettings, s.Dt, s.Delay, s.Dur)
	case s.Rate != RateCount && s.Rate != RateMeanFrequency:
		return fmt.Errorf("%w: rate %v", ErrSettings, s.Rate)
	case s.MinSpikes < 1:
		return fmt.Errorf("%w: MinSpikes %d", ErrSettings, s.MinSpikes)
	case !(s.Lo < s.FirstHi && s.FirstHi <= s.MaxAmp):
		return fmt.Errorf("%w: need Lo < FirstHi ≤ MaxAmp (%v, %v, %v nA)", ErrSettings, s.Lo, s.FirstHi, s.MaxAmp)
	case s.Tol <= 0 || s.SlopeWidth <= 0:
		return fmt.Errorf("%w: Tol %v and SlopeWidth %v nA must be positive", ErrSettings, s.Tol, s.SlopeWidth)
	case s.SlopePoints < 2:
		return fmt.Errorf("%w: SlopePoints %d, need ≥ 2", ErrSettings, s.SlopePoints)
	case s.Method != MethodFit && s.Method != MethodLocal:
		return fmt.Errorf("%w: method %v", ErrSettings, s.Method)
	case s.FitWidth <= 0 || s.FitPoints < 2:
		return fmt.Errorf("%w: FitWidth %v nA must be positive and FitPoints %d ≥ 2", ErrSettings, s.FitWidth, s.FitPoints)
	}
	return nil
}

// Point is one simulated amplitude of an F-I curve.
type Point struct {
	Amp           float64 // step amplitude, nA
	Spikes        int     // eFEL peaks in the stimulus window
	MeanFrequency float64 // eFEL mean_frequency, Hz (0 without spikes)
	Rate          float64 // rate under the settings' definition, Hz
	// AHPDepth is the mean over the trace's spikes of eFEL's AHP_depth,
	// mV: NaN when it is undefined (fewer than two spikes). It is not
	// stored in noble fi's points file.
	AHPDepth float64
}

// Result is an F-I embedding.
type Result struct {
	IThr      float64  // threshold current, nA: Intercept (MethodFit) or Rheobase (MethodLocal)
	SThr      float64  // slope of the fitted F-I line, Hz/nA
	Intercept float64  // amplitude where the fitted line crosses zero rate, nA
	Rheobase  float64  // smallest amplitude found to fire (bisection), nA
	AHPDepth  float64  // the model's AHP_depth (package doc), mV; NaN if no window point has one
	AHPAmp    float64  // the amplitude AHPDepth was measured at, nA; NaN with AHPDepth
	Points    []Point  // every simulated amplitude, ascending
	Window    []Point  // the points the slope was fitted to, ascending (nil if the search failed)
	Sims      int      // simulations run
	Settings  Settings // the settings used, defaults filled in
}

// Prober evaluates F-I points of one model: it runs the simulator and
// extracts features. It is not safe for concurrent use.
type Prober struct {
	s   Settings
	sim Simulator
	ex  *features.Extractor
	pts map[float64]Point // cache: no amplitude is simulated twice
}

// NewProber validates s (nil means all defaults) and returns a prober
// driving sim.
func NewProber(sim Simulator, s *Settings) (*Prober, error) {
	var d Settings
	if s != nil {
		d = *s
	}
	d = d.withDefaults()
	if err := d.validate(); err != nil {
		return nil, err
	}
	var fs features.Settings
	if d.Features != nil {
		fs = *d.Features
	}
	fs.StimStart, fs.StimEnd = d.Delay, d.Delay+d.Dur
	ex, err := features.NewExtractor(&fs)
	if err != nil {
		return nil, fmt.Errorf("fi: %w", err)
	}
	return &Prober{s: d, sim: sim, ex: ex, pts: map[float64]Point{}}, nil
}

// Point simulates amplitude amp (nA), or returns the cached result.
func (p *Prober) Point(ctx context.Context, amp float64) (Point, error) {
	if pt, ok := p.pts[amp]; ok {
		return pt, nil
	}
	if err := ctx.Err(); err != nil {
		return Point{}, err
	}
	v, err := p.sim(ctx, amp)
	if err != nil {
		return Point{}, fmt.Errorf("fi: amplitude %v nA: %w", amp, err)
	}
	f, err := p.ex.Compute(v, p.s.Dt)
	if err != nil {
		return Point{}, fmt.Errorf("%w: amplitude %v nA: %w", ErrTrace, amp, err)
	}
	pt := Point{Amp: amp}
	if x, ok := f.First("Spikecount_stimint"); ok {
		pt.Spikes = int(x)
	}
	if x, ok := f.First("mean_frequency"); ok && pt.Spikes > 0 {
		pt.MeanFrequency = x
	}
	pt.Rate = p.s.rate(pt)
	pt.AHPDepth = math.NaN()
	if x, ok := f.Mean("AHP_depth"); ok {
		pt.AHPDepth = x
	}
	p.pts[amp] = pt
	return pt, nil
}

func (s *Settings) rate(pt Point) float64 {
	if s.Rate == RateMeanFrequency {
		return pt.MeanFrequency
	}
	return float64(pt.Spikes) * 1000 / s.Dur
}

// Points returns every point simulated so far, by ascending amplitude.
func (p *Prober) Points() []Point {
	out := make([]Point, 0, len(p.pts))
	for _, pt := range p.pts {
		out = append(out, pt)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Amp < out[j].Amp })
	return out
}

// Sims returns the number of simulations run.
func (p *Prober) Sims() int { return len(p.pts) }

// Curve returns the F-I points at the given amplitudes.
func Curve(ctx context.Context, sim Simulator, amps []float64, s *Settings) ([]Point, error) {
	p, err := NewProber(sim, s)
	if err != nil {
		return nil, err
	}
	out := make([]Point, len(amps))
	for i, a := range amps {
		if out[i], err = p.Point(ctx, a); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Embed finds I_thr by bracketing and bisection and fits s_thr, as the
// package documentation defines them. It returns ErrFiresAtLo when the model
// fires at Settings.Lo and ErrNoThreshold when it does not fire up to MaxAmp;
// the points simulated so far are in the Result in both cases.
func Embed(ctx context.Context, sim Simulator, s *Settings) (*Result, error) {
	p, err := NewProber(sim, s)
	if err != nil {
		return nil, err
	}
	return p.Embed(ctx)
}

// Embed is the package-level Embed on this prober's model; points already
// simulated are reused.
func (p *Prober) Embed(ctx context.Context) (*Result, error) {
	s := &p.s
	res := &Result{IThr: math.NaN(), SThr: math.NaN(), Intercept: math.NaN(), Rheobase: math.NaN(),
		AHPDepth: math.NaN(), AHPAmp: math.NaN(), Settings: *s}
	finish := func(err error) (*Result, error) {
		res.Points, res.Sims = p.Points(), p.Sims()
		return res, err
	}
	fires := func(amp float64) (bool, error) {
		pt, err := p.Point(ctx, amp)
		return pt.Spikes >= s.MinSpikes, err
	}
	lo, hi := s.Lo, s.FirstHi
	if f, err := fires(lo); err != nil {
		return finish(err)
	} else if f {
		return finish(fmt.Errorf("%w (%v nA)", ErrFiresAtLo, lo))
	}
	for {
		f, err := fires(hi)
		if err != nil {
			return finish(err)
		}
		if f {
			break
		}
		lo = hi
		if hi >= s.MaxAmp {
			return finish(fmt.Errorf("%w (%v nA)", ErrNoThreshold, s.MaxAmp))
		}
		hi = min(2*hi, s.MaxAmp)
	}
	for hi-lo > s.Tol {
		mid := lo + (hi-lo)/2
		f, err := fires(mid)
		if err != nil {
			return finish(err)
		}
		if f {
			hi = mid
		} else {
			lo = mid
		}
	}
	res.Rheobase = hi
	width, n := s.FitWidth, s.FitPoints
	if s.Method == MethodLocal {
		width, n = s.SlopeWidth, s.SlopePoints
	}
	h := width / float64(n-1)
	amps := make([]float64, n)
	rates := make([]float64, n)
	res.Window = make([]Point, n)
	for i := range amps {
		amps[i] = hi + float64(i)*h
		pt, err := p.Point(ctx, amps[i])
		if err != nil {
			return finish(err)
		}
		rates[i] = pt.Rate
		res.Window[i] = pt
	}
	res.SThr, res.Intercept = Fit(amps, rates)
	res.IThr = res.Intercept
	res.AHPDepth, res.AHPAmp = AHPDepth(res.Window)
	if s.Method == MethodLocal {
		res.IThr = hi
	}
	return finish(nil)
}

// Check reports whether r is a meaningful embedding, returning nil or an
// error wrapping ErrUnreliable that names the rule it breaks. A fit can
// succeed numerically on a curve it does not describe (a surrogate that
// fires one spike at every amplitude of the window gives a slope of a few
// Hz/nA and a zero crossing far below 0 nA, or an almost flat line crossing
// zero at 1e14 nA), so Embed's callers that show the embedding to a person
// check it. The rules, in the order checked:
//
//  1. The search succeeded: Rheobase and the fit window exist.
//  2. Enough firing points: at least half of the window's amplitudes, and
//     at least two, elicit MinSpikes spikes; otherwise the line is fitted
//     to silence (depolarisation block, or a single spike at threshold).
//  3. s_thr is finite and not negative. Under MethodFit it must also be
//     resolvable: the fitted rise across the window, s_thr·FitWidth, is at
//     least one spike per stimulus (1000/Dur Hz, the quantum of
//     RateCount); a smaller slope is count noise and its zero crossing is
//     arbitrary.
//  4. I_thr is finite and lies within the probed current range, at most
//     one window width (FitWidth under MethodFit, SlopeWidth under
//     MethodLocal) from the rheobase: the line is not extrapolated further
//     from the amplitudes it was fitted on than they span. I_thr is not
//     required to be positive: a concave F-I curve's line crosses zero
//     below the rheobase, for some of the human cell's models slightly
//     below 0 nA (see the package doc), and those are the published
//     embedding's definition; with the default window the rule still
//     refuses I_thr below Rheobase − 0.13 nA.
//
// Every real model of the package doc's measurements passes
// (TestPublishedHumanEmbedding checks all 60 human ones).
func (r *Result) Check() error {
	s := r.Settings
	width := s.FitWidth
	if s.Method == MethodLocal {
		width = s.SlopeWidth
	}
	if math.IsNaN(r.Rheobase) || len(r.Window) < 2 {
		return fmt.Errorf("%w: no threshold was found", ErrUnreliable)
	}
	firing := 0
	for _, pt := range r.Window {
		if pt.Spikes >= max(s.MinSpikes, 1) {
			firing++
		}
	}
	if need := max(2, (len(r.Window)+1)/2); firing < need {
		return fmt.Errorf("%w: only %d of the %d amplitudes of the fit window [%g, %g] nA fire (need %d)",
			ErrUnreliable, firing, len(r.Window), r.Window[0].Amp, r.Window[len(r.Window)-1].Amp, need)
	}
	if math.IsNaN(r.SThr) || math.IsInf(r.SThr, 0) || r.SThr < 0 {
		return fmt.Errorf("%w: s_thr = %g Hz/nA: want a finite slope ≥ 0", ErrUnreliable, r.SThr)
	}
	if quantum := 1000 / s.Dur; s.Method == MethodFit && r.SThr*width < quantum {
		return fmt.Errorf("%w: s_thr = %g Hz/nA rises by %.3g Hz across the %g nA fit window, less than one spike per stimulus (%g Hz)",
			ErrUnreliable, r.SThr, r.SThr*width, width, quantum)
	}
	if math.IsNaN(r.IThr) || math.IsInf(r.IThr, 0) || math.Abs(r.IThr-r.Rheobase) > width {
		return fmt.Errorf("%w: i_thr = %g nA lies outside the probed range [%g, %g] nA (rheobase %g nA ± the %g nA fit window)",
			ErrUnreliable, r.IThr, r.Rheobase-width, r.Rheobase+width, r.Rheobase, width)
	}
	return nil
}

// AHPDepth returns the AHP_depth of a model from its fit window (the
// package doc's definition): the Point.AHPDepth of the window's strongest
// step that has one, and that step's amplitude; NaN, NaN if none has.
func AHPDepth(window []Point) (depth, amp float64) {
	for i := len(window) - 1; i >= 0; i-- {
		if pt := window[i]; !math.IsNaN(pt.AHPDepth) {
			return pt.AHPDepth, pt.Amp
		}
	}
	return math.NaN(), math.NaN()
}

// Fit returns the least-squares slope of y against x and the x where the
// fitted line crosses y = 0 (NaN when the slope is zero or there are fewer
// than two distinct x). It uses centred sums, exact for a straight line.
func Fit(x, y []float64) (slope, zero float64) {
	n := float64(len(x))
	if len(x) < 2 || len(x) != len(y) {
		return math.NaN(), math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxx, sxy float64
	for i := range x {
		sxx += (x[i] - mx) * (x[i] - mx)
		sxy += (x[i] - mx) * (y[i] - my)
	}
	if sxx == 0 {
		return math.NaN(), math.NaN()
	}
	slope = sxy / sxx
	if slope == 0 {
		return slope, math.NaN()
	}
	return slope, mx - my/slope
}
