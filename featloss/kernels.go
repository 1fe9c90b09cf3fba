package featloss

import (
	"fmt"
	"math"
)

// Workspace holds the scratch of the features that need it. The zero value
// is ready to use; Reset(n) sizes it for traces of n samples so that later
// calls do not allocate. A Workspace is not safe for concurrent use: give
// each goroutine its own.
type Workspace struct {
	a, fu, fd, gu, gd, t, dd []float64 // AP1 width: forward quantities per step
	e                        []float64 // spike timing: filtered difference
	env                      []float64 // spike envelope: a segment's exponentials, exp(±T·v − shift)
	x, gx                    []float64 // float32 path: trace (mV) and gradient
	g                        []float64 // Trace: one feature's gradient
	pred, term               [numFeatures]float64

	// dvFrom, when set (tests only), is the trace whose steps Δv the AP1
	// width's interpolation uses: a central difference of the width with
	// Δv held at dvFrom's is what the reference's gradient (Δv detached)
	// differentiates.
	dvFrom []float64
}

// Reset sizes the workspace for traces of n samples, keeping spare capacity.
func (w *Workspace) Reset(n int) {
	for _, p := range []*[]float64{&w.a, &w.fu, &w.fd, &w.gu, &w.gd, &w.t, &w.dd, &w.e, &w.x, &w.gx, &w.g, &w.env} {
		if cap(*p) < n {
			*p = make([]float64, n)
		}
		*p = (*p)[:n]
	}
	w.pred, w.term = [numFeatures]float64{}, [numFeatures]float64{}
}

// Predicted returns feature f of the prediction in the last Targets.Trace
// call with a term for f (0 otherwise), in its unit (mV, ms, spikes, or the
// van Rossum distance for SpikeTiming, the squared envelope distance, mV²,
// for SpikeEnvelope).
func (w *Workspace) Predicted(f Feature) float64 { return w.pred[f] }

// Term returns the unweighted loss term of feature f in the last
// Targets.Trace call (0 when the spec has no term for f).
func (w *Workspace) Term(f Feature) float64 { return w.term[f] }

func (w *Workspace) grow(n int) {
	if len(w.a) < n {
		w.Reset(n)
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func checkDst(dst, v []float64) {
	if dst != nil && len(dst) != len(v) {
		panic(fmt.Sprintf("featloss: len(dst) = %d, len(v) = %d", len(dst), len(v)))
	}
}

// SagAmplitude returns the reference's differentiable sag amplitude of v
// (mV) in the window w: the mean over the steady-state samples minus a soft
// minimum over the minimum range,
//
//	m = Σ_i p_i v_i,  p = softmax(−temperature·v) over w.MinLo…w.MinHi,
//
// the reference's softmax over the whole trace with samples outside pushed
// up by 10⁶ mV, whose weights there underflow to exactly zero. With dst
// non-nil it writes ∂sag/∂v into dst: 1/n on the steady-state samples minus
// p_i·(1 − temperature·(v_i − m)) on the minimum range. dst nil computes
// the value only. It panics when dst's length differs from v's or w does not
// fit v. It does not allocate.
func (*Workspace) SagAmplitude(dst, v []float64, w Window, temperature float64) float64 {
	checkDst(dst, v)
	w.check(len(v))
	lo, hi := w.MinLo, w.MinHi
	vmin := v[lo]
	for _, x := range v[lo : hi+1] {
		vmin = min(vmin, x)
	}
	var z, s float64
	for _, x := range v[lo : hi+1] {
		e := math.Exp(-temperature * (x - vmin))
		z += e
		s += e * x
	}
	m := s / z
	var ss float64
	for _, x := range v[w.SteadyLo:w.SteadyHi] {
		ss += x
	}
	nss := float64(w.SteadyHi - w.SteadyLo)
	ss /= nss
	if dst != nil {
		clear(dst)
		for i := lo; i <= hi; i++ {
			p := math.Exp(-temperature*(v[i]-vmin)) / z
			dst[i] = -p * (1 - temperature*(v[i]-m))
		}
		for i := w.SteadyLo; i < w.SteadyHi; i++ {
			dst[i] += 1 / nss
		}
	}
	return ss - m
}

// Constants of the reference's AP1 width (commit 298bba3).
const (
	widthEps  = 1e-9 // added to the gate sums before dividing
	interpEps = 1e-4 // mV, floor of |dv| in the sub-sample interpolation
)

// AP1Width returns the reference's differentiable width (ms) of the first
// action potential of v (mV) at threshold thr (mV), for samples dt ms apart
// and crossing sharpness k (1/mV):
//
//	a_i = σ(k(v_i − thr)),  d_j = a_{j+1} − a_j,  j = 0…n−2
//	up_j = relu(d_j)·σ(−k(Σ_{i≤j} relu(d_i) − 1.5))     (first up-crossing)
//	dn_j = relu(−d_j)·σ(−k(Σ_{i≤j} relu(−d_i) − 1.5))   (first down-crossing)
//	δ_j = clamp((thr − v_j)·sign(Δv_j)/max(|Δv_j|, 1e-4), 0, 1)  where up_j + dn_j > 0, else 0
//	t_up = Σ up_j (j + δ_j) / (Σ up_j + 1e-9),  t_dn likewise
//	width = relu(t_dn − t_up)·dt  if Σ up_j > 0 and Σ dn_j > 0, else 0,
//
// Δv_j = v_{j+1} − v_j being held constant in the gradient, as the reference
// detaches it (its division stays stable where the slope is small). With dst
// non-nil it writes ∂width/∂v into dst; nil computes the value only. It
// panics when dst's length differs from v's, and allocates only when w is
// too small for v (see Reset).
func (w *Workspace) AP1Width(dst, v []float64, thr, k, dt float64) float64 {
	checkDst(dst, v)
	n := len(v)
	if n < 2 {
		clear(dst)
		return 0
	}
	w.grow(n)
	m := n - 1
	a, fu, fd, gu, gd, tt, dd := w.a[:n], w.fu[:m], w.fd[:m], w.gu[:m], w.gd[:m], w.t[:m], w.dd[:m]
	for i, x := range v {
		a[i] = sigmoid(k * (x - thr))
	}
	var cu, cd, su, sd, stu, std float64
	for j := range m {
		d := a[j+1] - a[j]
		up, dn := max(d, 0), max(-d, 0)
		cu += up
		cd += dn
		gu[j] = sigmoid(-k * (cu - 1.5))
		gd[j] = sigmoid(-k * (cd - 1.5))
		fu[j], fd[j] = up*gu[j], dn*gd[j]
		delta, ddv := 0.0, 0.0
		if fu[j]+fd[j] > 0 {
			dv := v[j+1] - v[j]
			if w.dvFrom != nil {
				dv = w.dvFrom[j+1] - w.dvFrom[j]
			}
			inv := 0.0
			if dv != 0 {
				inv = math.Copysign(1, dv) / max(math.Abs(dv), interpEps)
			}
			raw := (thr - v[j]) * inv
			delta = min(max(raw, 0), 1)
			if raw >= 0 && raw <= 1 { // clamp passes the gradient on its closed range, as torch's
				ddv = -inv
			}
		}
		tt[j], dd[j] = float64(j)+delta, ddv
		su += fu[j]
		sd += fd[j]
		stu += fu[j] * tt[j]
		std += fd[j] * tt[j]
	}
	tup, tdn := stu/(su+widthEps), std/(sd+widthEps)
	fire := su > 0 && sd > 0
	width := 0.0
	if fire {
		width = max(tdn-tup, 0) * dt
	}
	if dst == nil {
		return width
	}
	clear(dst)
	if !fire || !(tdn-tup > 0) {
		return width
	}
	w.ap1Backward(dst, v, k, dt, su+widthEps, sd+widthEps, tup, tdn)
	return width
}

// ap1Backward writes ∂width/∂v into dst (zeroed) for a firing trace, from
// the forward quantities left in w by AP1Width.
func (w *Workspace) ap1Backward(dst, v []float64, k, dt, Su, Sd, tup, tdn float64) {
	n, m := len(v), len(v)-1
	a, fu, fd, gu, gd, tt, dd := w.a[:n], w.fu[:m], w.fd[:m], w.gu[:m], w.gd[:m], w.t[:m], w.dd[:m]
	ga := w.e[:n] // ∂width/∂a
	clear(ga)
	var ru, rd float64 // Σ_{j' ≥ j} ∂width/∂(cumulative sum at j')
	for j := m - 1; j >= 0; j-- {
		d := a[j+1] - a[j]
		up, dn := max(d, 0), max(-d, 0)
		gfu := -dt * (tt[j] - tup) / Su
		gfd := dt * (tt[j] - tdn) / Sd
		dst[j] = (-dt*fu[j]/Su + dt*fd[j]/Sd) * dd[j]
		ru += gfu * up * -k * gu[j] * (1 - gu[j])
		rd += gfd * dn * -k * gd[j] * (1 - gd[j])
		var gdj float64
		if d > 0 {
			gdj = gfu*gu[j] + ru
		} else if d < 0 {
			gdj = -(gfd*gd[j] + rd)
		}
		ga[j+1] += gdj
		ga[j] -= gdj
	}
	for i := range dst {
		dst[i] += ga[i] * k * a[i] * (1 - a[i])
	}
}

// SpikeCount returns the soft number of upward crossings of thr (mV) by v:
//
//	N = Σ_j relu(a_{j+1} − a_j),  a_i = σ(k(v_i − thr)),
//
// the total upward variation of a soft "above threshold" signal. Each spike
// that rises from well below thr to well above it adds 1, whatever the
// sampling, so N equals eFEL's Spikecount on real traces (see the package
// documentation for the measured agreement); a bump that stops short of thr
// by x mV adds about σ(−k·x), which is what gives the gradient toward a
// missing spike. With dst non-nil it writes ∂N/∂v into dst; nil computes the
// value only. It panics when dst's length differs from v's and does not
// allocate.
func (*Workspace) SpikeCount(dst, v []float64, thr, k float64) float64 {
	checkDst(dst, v)
	n := len(v)
	var count float64
	prev := 0.0
	if n > 0 {
		prev = sigmoid(k * (v[0] - thr))
	}
	up := false // d_{i−1} > 0
	for i := range n {
		ai := prev
		if i+1 < n {
			next := sigmoid(k * (v[i+1] - thr))
			d := next - ai
			if d > 0 {
				count += d
			}
			if dst != nil {
				g := 0.0
				if up {
					g++
				}
				if d > 0 {
					g--
				}
				dst[i] = g * k * ai * (1 - ai)
			}
			up, prev = d > 0, next
		} else if dst != nil {
			g := 0.0
			if up {
				g = 1
			}
			dst[i] = g * k * ai * (1 - ai)
		}
	}
	return count
}

// Spikes appends to dst[:0] and returns the samples i at which v (mV)
// crosses thr (mV) upward, v[i−1] < thr < v[i], that eFEL's peak_indices
// counts as spikes: downward crossings (v[i−1] > thr > v[i]) before the first
// upward one are dropped, the k-th upward crossing is paired with the k-th
// remaining downward one and kept when it does not come after it. So len
// equals eFEL's Spikecount of v without resampling (interp_step = the
// sample spacing), including eFEL's handling of samples exactly at thr.
// It allocates the downward crossings.
func Spikes(dst []int, v []float64, thr float64) []int {
	ups := dst[:0]
	var downs []int
	for i := 1; i < len(v); i++ {
		if v[i] > thr && v[i-1] < thr {
			ups = append(ups, i)
		} else if v[i] < thr && v[i-1] > thr && len(ups) > 0 {
			downs = append(downs, i)
		}
	}
	n := 0
	for k, u := range ups {
		if k < len(downs) && u <= downs[k] {
			ups[n] = u
			n++
		}
	}
	return ups[:n]
}

// SpikeTiming returns the van Rossum distance between the soft spike train
// of v (mV) and the target train of unit spikes at samples target (sorted,
// e.g. from Spikes on the target trace):
//
//	s_i = relu(a_i − a_{i−1}),  a_i = σ(k(v_i − thr))   (soft mass at sample i)
//	f̂_i = α·f̂_{i−1} + s_i,  f_i = α·f_{i−1} + [i ∈ target],  α = exp(−dt/τ)
//	D = (dt/τ)·Σ_i (f̂_i − f_i)²,
//
// the discretised (1/τ)∫(f̂ − f)² dt of both trains filtered by a causal
// exponential of time constant τ (ms). A spike missing from one train adds
// about 1/2, a spike shifted by δ ≪ τ about δ/τ. With dst non-nil it writes
// ∂D/∂v into dst; nil computes the value only. It panics when dst's length
// differs from v's or target is unsorted or outside v, and allocates only
// when w is too small for v.
func (w *Workspace) SpikeTiming(dst, v []float64, target []int, thr, k, dt, tau float64) float64 {
	checkDst(dst, v)
	n := len(v)
	w.grow(n)
	a, e := w.a[:n], w.e[:n]
	alpha := math.Exp(-dt / tau)
	var fh, f, dist float64
	next := 0
	for i, x := range v {
		a[i] = sigmoid(k * (x - thr))
		fh *= alpha
		f *= alpha
		if i > 0 {
			fh += max(a[i]-a[i-1], 0)
		}
		for next < len(target) && target[next] == i {
			f++
			next++
		}
		if next < len(target) && target[next] < i {
			panic(fmt.Sprintf("featloss: target spike %d at sample %d: unsorted", next, target[next]))
		}
		e[i] = fh - f
		dist += e[i] * e[i]
	}
	if next != len(target) {
		panic(fmt.Sprintf("featloss: target spike %d at sample %d outside %d samples", next, target[next], n))
	}
	c := dt / tau
	if dst == nil {
		return c * dist
	}
	clear(dst)
	var g float64 // ∂D/∂s_i = Σ_{j ≥ i} 2c·e_j·α^{j−i}
	for i := n - 1; i > 0; i-- {
		g = 2*c*e[i] + alpha*g
		if a[i] > a[i-1] {
			dst[i] += g
			dst[i-1] -= g
		}
	}
	for i := range dst {
		dst[i] *= k * a[i] * (1 - a[i])
	}
	return c * dist
}

// Segments returns the bounds of the spike envelope's segments of window w
// for samples dt ms apart and segments of about width ms: the stimulus
// samples w.Start…w.End split into max(1, round(n·dt/width)) consecutive
// parts of n/count samples (rounded down), segment j being samples
// bounds[j] ≤ i < bounds[j+1].
func Segments(w Window, dt, width float64) (bounds []int) {
	sg := newSegmentation(w, dt, width)
	bounds = make([]int, sg.count+1)
	for j := range bounds {
		bounds[j] = sg.bound(j)
	}
	return bounds
}

// segmentation is Segments without the slice, for the loss's inner calls.
type segmentation struct{ start, n, count int }

func newSegmentation(w Window, dt, width float64) segmentation {
	n := w.End - w.Start + 1
	return segmentation{w.Start, n, min(n, max(1, int(math.Round(float64(n)*dt/width))))}
}

func (sg segmentation) bound(j int) int { return sg.start + j*sg.n/sg.count }

// Envelope returns the upper and lower envelopes of v (mV) over the
// segments of window w (Segments(w, dt, width)): the soft maximum and the
// soft minimum of each segment,
//
//	M_j = Σ_i p_i v_i,  p = softmax(temp·v) over the segment,
//	m_j = Σ_i q_i v_i,  q = softmax(−temp·v),
//
// written to dst[2j] and dst[2j+1] (nil allocates 2·count values), which it
// returns. On a spike train M_j is within a few millivolts below the
// segment's highest peak and m_j above its deepest trough (the softmax
// concentrates on the samples near them) and, unlike the maximum and
// minimum, each passes a gradient to every sample near its extreme:
// ∂M_j/∂v_i = p_i·(1 + temp·(v_i − M_j)), ∂m_j/∂v_i = q_i·(1 − temp·(v_i −
// m_j)). Whatever the timing of the spikes inside a segment, M_j is the
// height of its highest one and m_j the depth of its deepest
// afterhyperpolarisation, so a loss on them asks for a full spike train in
// every segment where the target has one without asking for the spikes'
// exact times, and reaches a prediction whose train has thinned out into a
// subthreshold oscillation: its gradient does not vanish however far below
// threshold the peaks are, where a count's sigmoid does. The lower envelope
// keeps the troughs down: the upper one alone (tried first) made trains of
// the right count ride on a plateau 20–40 mV above the target's troughs.
// It panics when w does not fit v.
func (*Workspace) Envelope(dst, v []float64, w Window, dt, width, temp float64) []float64 {
	w.check(len(v))
	sg := newSegmentation(w, dt, width)
	if dst == nil {
		dst = make([]float64, 2*sg.count)
	}
	for j := range sg.count {
		seg := v[sg.bound(j):sg.bound(j+1)]
		dst[2*j], dst[2*j+1] = softExtreme(seg, temp), softExtreme(seg, -temp)
	}
	return dst
}

// EnvelopeDistance returns Σ_k (ê_k − target_k)², the squared distance
// between the envelopes of v (Envelope: 2 values per segment) and the
// target's, and with dst non-nil writes its gradient into dst. It panics
// when dst's length differs from v's or target's from twice the number of
// segments. It does not allocate once the workspace has been Reset.
func (w *Workspace) EnvelopeDistance(dst, v, target []float64, win Window, dt, width, temp float64) float64 {
	checkDst(dst, v)
	win.check(len(v))
	sg := newSegmentation(win, dt, width)
	if len(target) != 2*sg.count {
		panic(fmt.Sprintf("featloss: %d target envelope values, %d in the window", len(target), 2*sg.count))
	}
	if dst != nil {
		clear(dst)
	}
	var d float64
	for k := range target {
		t := temp
		if k%2 == 1 {
			t = -temp
		}
		lo := sg.bound(k / 2)
		seg := v[lo:sg.bound(k/2+1)]
		if dst == nil {
			r := softExtreme(seg, t) - target[k]
			d += r * r
			continue
		}
		// One exponential per sample serves the value and its gradient.
		if cap(w.env) < len(seg) {
			w.env = make([]float64, len(seg))
		}
		e := w.env[:len(seg)]
		m, z := softExtremeExp(e, seg, t)
		r := m - target[k]
		d += r * r
		for i, x := range seg {
			dst[lo+i] += 2 * r * (e[i] / z) * (1 + t*(x-m))
		}
	}
	return d
}

// softExtreme returns Σ_i p_i x_i with p = softmax(t·x): a soft maximum for
// t > 0, a soft minimum for t < 0.
func softExtreme(x []float64, t float64) float64 {
	shift := extremeShift(x, t)
	var z, s float64
	for _, v := range x {
		e := math.Exp(t*v - shift)
		z += e
		s += e * v
	}
	return s / z
}

// softExtremeExp is softExtreme that also leaves the exponentials
// exp(t·x_i − shift) in e (len(e) = len(x)) and returns their sum z, so
// that p_i = e_i/z.
func softExtremeExp(e, x []float64, t float64) (m, z float64) {
	shift := extremeShift(x, t)
	var s float64
	for i, v := range x {
		e[i] = math.Exp(t*v - shift)
		z += e[i]
		s += e[i] * v
	}
	return s / z, z
}

// extremeShift returns max_i t·x_i, subtracted in the exponents so that
// none overflows and the largest is exp(0).
func extremeShift(x []float64, t float64) float64 {
	m := t * x[0]
	for _, v := range x {
		m = max(m, t*v)
	}
	return m
}

// restingVoltage returns the mean of v before the stimulus window (v[0]
// when the window starts at the first sample).
func restingVoltage(v []float64, w Window) float64 {
	if w.Start == 0 {
		return v[0]
	}
	var s float64
	for _, x := range v[:w.Start] {
		s += x
	}
	return s / float64(w.Start)
}
