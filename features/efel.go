package features

import "math"

// maxGrid bounds the resampled trace (about 13 h at 0.1 ms), so that a tiny
// InterpStep cannot exhaust memory.
const maxGrid = 1 << 29

// resample fills e.t and e.v with v linearly resampled as eFEL's
// LinearInterpolation does (Utils.cpp): grid times accumulate the step from
// t = 0, ceil(t_end/step) of them, plus one more if the last is still before
// t_end; each value interpolates between the two samples around it, and a
// grid time past the last sample takes the last sample.
func (e *Extractor) resample(v []float64, dt float64) {
	n := len(v)
	step := e.s.InterpStep
	stop := float64(n-1) * dt
	m := int(math.Ceil(stop / step))
	e.t = e.t[:0]
	x := 0.0
	for i := 0; i < m; i++ {
		e.t = append(e.t, x)
		x += step
	}
	if len(e.t) == 0 || e.t[len(e.t)-1] < stop {
		e.t = append(e.t, x)
	}
	e.v = grow(e.v, len(e.t))
	j := 0
	for i, x := range e.t {
		for float64(j+1)*dt < x {
			j++
			if j+1 >= n {
				j = n - 1
				break
			}
		}
		if j == n-1 {
			e.v[i] = v[j]
			e.t, e.v = e.t[:i+1], e.v[:i+1]
			break
		}
		x0, x1 := float64(j)*dt, float64(j+1)*dt
		e.v[i] = v[j] + (v[j+1]-v[j])/(x1-x0)*(x-x0)
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// alloc carves n values out of the result arena (a non-nil slice even for
// n = 0, so that "defined but empty" survives).
func (e *Extractor) alloc(n int) []float64 {
	k := len(e.arena)
	if k+n > cap(e.arena) {
		return make([]float64, n)
	}
	e.arena = e.arena[:k+n]
	return e.arena[k : k+n : k+n]
}

func (e *Extractor) one(x float64) []float64 {
	s := e.alloc(1)
	s[0] = x
	return s
}

func (e *Extractor) ints(idx []int) []float64 {
	s := e.alloc(len(idx))
	for i, k := range idx {
		s[i] = float64(k)
	}
	return s
}

// firstIndex returns the first i with t[i] >= x, or len(t) (eFEL's
// find_if(t >= x) idiom).
func firstIndex(t []float64, x float64) int {
	for i, ti := range t {
		if ti >= x {
			return i
		}
	}
	return len(t)
}

// findPeaks implements SpikeEvent.cpp __peak_indices (strict_stiminterval
// false). It returns false when eFEL throws (no upward or no downward
// crossing), leaving e.peaks empty.
func (e *Extractor) findPeaks() bool {
	v, thr := e.v, e.s.Threshold
	e.peaks = e.peaks[:0]
	// Crossings are stored temporarily: ups in e.apb, downs in e.minima.
	up, dn := e.apb[:0], e.minima[:0]
	for i := 1; i < len(v); i++ {
		if v[i] > thr && v[i-1] < thr {
			up = append(up, i)
		} else if v[i] < thr && v[i-1] > thr {
			dn = append(dn, i)
		}
	}
	e.apb, e.minima = up, dn
	if len(dn) == 0 || len(up) == 0 {
		return false
	}
	for len(dn) > 0 && dn[0] < up[0] {
		dn = dn[1:]
	}
	if len(up) > len(dn) {
		up = up[:len(dn)]
	}
	for i, u := range up {
		best, at := -1e9, -1
		for j := u; j <= dn[i]; j++ {
			if best < v[j] {
				best, at = v[j], j
			}
		}
		if at >= 0 {
			e.peaks = append(e.peaks, at)
		}
	}
	return true
}

// firstMin implements eFEL's first_min_element on v[lo:hi]: the running
// minimum is returned as soon as two later samples are not below it;
// otherwise the overall (first) minimum. An empty range gives hi.
func firstMin(v []float64, lo, hi int) int {
	if lo >= hi {
		return hi
	}
	low, cnt := lo, 0
	for k := lo + 1; k < hi; k++ {
		if v[k] < v[low] {
			low, cnt = k, 0
		} else {
			cnt++
		}
		if cnt == 2 {
			return low
		}
	}
	return low
}

// findMinAHP implements SpikeShape.cpp __min_AHP_indices (strict_stiminterval
// false): the first minimum after each peak up to the next peak or the end
// of the trace, dropped when it is the last sample.
func (e *Extractor) findMinAHP() {
	e.ahp = e.ahp[:0]
	n := len(e.v)
	for i, p := range e.peaks {
		next := n
		if i+1 < len(e.peaks) {
			next = e.peaks[i+1]
		}
		k := firstMin(e.v, p, next)
		if k != n-1 && k < n {
			e.ahp = append(e.ahp, k)
		}
	}
}

// derivative fills e.dvdt with eFEL's dV/dt of AP_begin_indices: central
// differences of v and of t (one-sided at the ends), divided elementwise.
func (e *Extractor) derivative() {
	v, t := e.v, e.t
	n := len(v)
	e.dvdt = grow(e.dvdt, n)
	d := e.dvdt
	d[0] = (v[1] - v[0]) / (t[1] - t[0])
	for i := 1; i < n-1; i++ {
		d[i] = ((v[i+1] - v[i-1]) / 2) / ((t[i+1] - t[i-1]) / 2)
	}
	d[n-1] = (v[n-1] - v[n-2]) / (t[n-1] - t[n-2])
}

// findAPBegin implements SpikeShape.cpp __AP_begin_indices. It returns false
// where eFEL throws (more peaks after stim_start than minima).
func (e *Extractor) findAPBegin() bool {
	e.derivative()
	t, d := e.t, e.dvdt
	n := len(t)
	thr, width := e.s.DerivativeThreshold, e.s.DerivativeWindow
	sb := firstIndex(t, e.s.StimStart)
	e.minima = e.minima[:0]
	switch {
	case sb > 1:
		e.minima = append(e.minima, sb-2)
	case sb == 1:
		e.minima = append(e.minima, 0)
	default:
		e.minima = append(e.minima, sb)
	}
	for _, a := range e.ahp {
		if a > sb {
			e.minima = append(e.minima, a)
		}
	}
	npk := 0
	for _, p := range e.peaks {
		if p > sb {
			npk++
		}
	}
	e.apb = e.apb[:0]
	if len(e.minima) < npk {
		return false
	}
	i := 0
	for _, p := range e.peaks {
		if p <= sb {
			continue
		}
		lo := e.minima[i]
		i++
		newbegin := p
		begin := lo
		skip := false
		for {
			// last j in [lo, newbegin) with dV/dt <= thr; begin = j+1.
			begin = lo
			for j := newbegin - 1; j >= lo; j-- {
				if d[j] <= thr {
					begin = j + 1
					break
				}
			}
			if begin > n-width {
				begin = n - width
			}
			if begin == lo || begin < 0 {
				skip = true
				break
			}
			newbegin = begin - 1
			below := false
			for k := begin; k < begin+width; k++ {
				if d[k] < thr {
					below = true
					break
				}
			}
			if !below {
				break
			}
		}
		if !skip {
			e.apb = append(e.apb, begin)
		}
	}
	return true
}

// mean returns the arithmetic mean of x.
func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// compute evaluates every feature on the resampled trace. Each function of
// eFEL's dependency chain is evaluated once; a feature is left nil where
// eFEL's chain throws or yields an empty vector.
func (e *Extractor) compute() Values {
	out := make(Values, len(Names))
	for _, k := range Names {
		out[k] = nil
	}
	peaksOK := e.findPeaks()
	e.arena = make([]float64, 0, 16*len(e.peaks)+64)
	e.spikeEvents(out, peaksOK)
	vb, vbOK := e.subthreshold(out)
	e.spikeShape(out, peaksOK, vb, vbOK)
	out["depol_block"] = e.depolBlock(out["AP_begin_voltage"])
	return out
}

// spikeEvents sets the features of the spike times (SpikeEvent.cpp and
// eFEL's Python features): counts, peak times and voltages, first and last
// spike times, mean frequency and the ISIs. peaksOK reports whether eFEL's
// peak detection succeeded.
func (e *Extractor) spikeEvents(out Values, peaksOK bool) {
	s := &e.s
	t, v := e.t, e.v
	ss, se := s.StimStart, s.StimEnd
	np := len(e.peaks)
	out["Spikecount"] = e.one(float64(np))
	inStim := 0
	for _, p := range e.peaks {
		if t[p] >= ss && t[p] <= se {
			inStim++
		}
	}
	out["Spikecount_stimint"] = e.one(float64(inStim))
	if peaksOK && np > 0 {
		pt, pv := e.alloc(np), e.alloc(np)
		for i, p := range e.peaks {
			pt[i], pv[i] = t[p], v[p]
		}
		out["peak_indices"] = e.ints(e.peaks)
		out["peak_time"] = pt
		out["peak_voltage"] = pv
		out["AP1_peak"] = e.one(pv[0])
		out["time_to_first_spike"] = e.one(pt[0] - ss)
		out["time_to_last_spike"] = e.one(pt[np-1] - ss)

		// mean_frequency (firing_rate): spikes in [ss, se] over the time
		// from ss to the last of them.
		last, cnt := 0.0, 0
		for _, x := range pt {
			if x >= ss && x <= se {
				last, cnt = x, cnt+1
			}
		}
		if last != ss {
			out["mean_frequency"] = e.one(float64(cnt*1000) / (last - ss))
		}

		if np >= 2 {
			isi := e.alloc(np - 1)
			for i := 1; i < np; i++ {
				isi[i-1] = pt[i] - pt[i-1]
			}
			out["all_ISI_values"] = isi
			out["inv_first_ISI"] = e.one(1000 / isi[0])
			iv := isi
			if !s.KeepFirstISI {
				iv = isi[1:]
			}
			cp := e.alloc(len(iv))
			copy(cp, iv)
			out["ISI_values"] = cp
			if len(iv) >= 2 {
				m := mean(iv)
				ss2 := 0.0
				for _, x := range iv {
					ss2 += (x - m) * (x - m)
				}
				out["ISI_CV"] = e.one(math.Sqrt(ss2/float64(len(iv)-1)) / m)
			}
		}
		if np >= 4 {
			out["adaptation_index2"] = e.adaptationIndex2(pt)
		}
	}
}

// subthreshold sets the features of the trace outside the spikes
// (Subthreshold.cpp): voltage base, steady states, extremes, deflection,
// sag and decay. It returns the voltage base and whether eFEL defines it.
func (e *Extractor) subthreshold(out Values) (vb float64, vbOK bool) {
	s := &e.s
	t, v := e.t, e.v
	n := len(t)
	ss, se := s.StimStart, s.StimEnd
	vb, vbOK = e.voltageBase()
	if vbOK {
		out["voltage_base"] = e.one(vb)
	}
	if k := n - 1; t[k] > se {
		sum, cnt := 0.0, 0
		for ; k >= 0 && t[k] > se; k-- {
			sum += v[k]
			cnt++
		}
		out["steady_state_voltage"] = e.one(sum / float64(cnt))
	}
	ssse, ssseOK := 0.0, false
	{
		a := firstIndex(t, se-0.1*(se-ss))
		b := firstIndex(t, se)
		if b > a {
			ssse, ssseOK = mean(v[a:b]), true
			out["steady_state_voltage_stimend"] = e.one(ssse)
		}
	}
	vmin, vmax, mmOK := e.maxMin()
	if mmOK {
		out["minimum_voltage"] = e.one(vmin)
		out["maximum_voltage"] = e.one(vmax)
	}
	if vbOK && ssseOK {
		defl := ssse - vb
		out["voltage_deflection_vb_ssse"] = e.one(defl)
		if mmOK && defl <= 0 {
			out["sag_amplitude"] = e.one(ssse - vmin)
		}
	}
	if tau, ok := e.decayTimeConstant(); ok {
		out["decay_time_constant_after_stim"] = e.one(tau)
	}
	return vb, vbOK
}

// spikeShape sets the features of the spikes' shape (SpikeShape.cpp): the
// AHPs after each peak, the widths, the AP begins and amplitudes. It leaves
// e.ahp and e.apb holding the AHP and AP-begin indices.
func (e *Extractor) spikeShape(out Values, peaksOK bool, vb float64, vbOK bool) {
	t, v := e.t, e.v
	np := len(e.peaks)
	e.ahp = e.ahp[:0]
	e.apb = e.apb[:0]
	if peaksOK && np > 0 {
		e.findMinAHP()
		na := len(e.ahp)
		if na > 0 {
			abs := e.alloc(na)
			tfp := e.alloc(min(na, np))
			dfp := e.alloc(na)
			for i, a := range e.ahp {
				abs[i] = v[a]
				dfp[i] = v[e.peaks[i]] - v[a]
				if i < np {
					tfp[i] = t[a] - t[e.peaks[i]]
				}
			}
			out["min_AHP_indices"] = e.ints(e.ahp)
			out["AHP_depth_abs"] = abs
			out["AHP_depth_from_peak"] = dfp
			out["AHP1_depth_from_peak"] = e.one(dfp[0])
			out["AHP_time_from_peak"] = tfp
			if vbOK {
				d := e.alloc(na)
				for i, a := range e.ahp {
					d[i] = v[a] - vb
				}
				out["AHP_depth"] = d
			}
			if w := e.spikeHalfWidth(); w != nil {
				out["spike_half_width"] = w
				out["AP1_width"] = e.one(w[0])
			}
			out["AP_width"] = e.apWidth()
		}
		if e.findAPBegin() && len(e.apb) > 0 {
			out["AP_begin_indices"] = e.ints(e.apb)
			bv := e.alloc(len(e.apb))
			for i, b := range e.apb {
				bv[i] = v[b]
			}
			out["AP_begin_voltage"] = bv
			if amp := e.apAmplitude(); amp != nil {
				out["AP_amplitude"] = amp
				out["mean_AP_amplitude"] = e.one(mean(amp))
			}
		}
	}
}

// adaptationIndex2 implements SpikeEvent.cpp __adaptation_index2 (offset 0):
// spikes in [ss, se], at least 4; the first dropped; mean over consecutive
// ISI pairs of (ISI_i − ISI_{i−1}) / (ISI_i + ISI_{i−1}).
func (e *Extractor) adaptationIndex2(pt []float64) []float64 {
	ss, se := e.s.StimStart, e.s.StimEnd
	w := e.work[:0]
	for _, x := range pt {
		if x >= ss && x <= se {
			w = append(w, x)
		}
	}
	e.work = w
	if len(w) < 4 {
		return nil
	}
	w = w[1:]
	adi := 0.0
	prev := w[1] - w[0]
	for i := 2; i < len(w); i++ {
		isi := w[i] - w[i-1]
		adi += (isi - prev) / (isi + prev)
		prev = isi
	}
	return e.one(adi / float64(len(w)-2))
}

// voltageBase implements Subthreshold.cpp voltage_base (mode "mean") with
// Utils.cpp get_time_index: the mean over [0.9, 1.0] × stim_start, the end
// tolerating PrecisionThreshold.
func (e *Extractor) voltageBase() (float64, bool) {
	t := e.t
	start := e.s.StimStart * e.s.VoltageBaseStartPerc
	end := e.s.StimStart * e.s.VoltageBaseEndPerc
	if start >= end {
		return 0, false
	}
	a := 0
	for i, x := range t {
		if x >= start {
			a = i
			break
		}
	}
	b := len(t)
	for i := len(t) - 1; i > 0; i-- {
		if t[i]-end < e.s.PrecisionThreshold {
			b = i + 1
			break
		}
	}
	if b <= a {
		return 0, false
	}
	return mean(e.v[a:b]), true
}

// maxMin implements Subthreshold.cpp __maxmin_voltage: extremes over
// [first t >= stim_start, first t >= stim_end).
func (e *Extractor) maxMin() (lo, hi float64, ok bool) {
	t, v := e.t, e.v
	n := len(t)
	ss, se := e.s.StimStart, e.s.StimEnd
	if ss > t[n-1] {
		return 0, 0, false
	}
	if se > t[n-1] {
		se = t[n-1]
	}
	a, b := firstIndex(t, ss), firstIndex(t, se)
	if a >= n || b >= n || a > b {
		return 0, 0, false
	}
	if a == b { // std::min_element of an empty range: eFEL reads v[b]
		return v[b], v[b], true
	}
	lo, hi = v[a], v[a]
	for _, x := range v[a+1 : b] {
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	return lo, hi, true
}

// decayTimeConstant implements Subthreshold.cpp
// __decay_time_constant_after_stim: a least-squares line through
// log|v − v(stim_start)| against t over [stim_end + 1, stim_end + 10) ms,
// τ = |−1/slope|.
func (e *Extractor) decayTimeConstant() (float64, bool) {
	t, v := e.t, e.v
	ref := firstIndex(t, e.s.StimStart)
	a := firstIndex(t, e.s.StimEnd+e.s.DecayStartAfterStim)
	b := firstIndex(t, e.s.StimEnd+e.s.DecayEndAfterStim)
	if ref >= len(t) || b <= a {
		return 0, false
	}
	r := v[ref]
	var sx, sy, sxx, sxy float64
	for i := a; i < b; i++ {
		x, y := t[i], math.Log(math.Abs(v[i]-r))
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	m := float64(b - a)
	slope := (m*sxy - sx*sy) / (m*sxx - sx*sx)
	return math.Abs(-1 / slope), true
}

// spikeHalfWidth implements SpikeShape.cpp __spike_width1: for spike i,
// v_half = (v[peak_i] + v[minAHP_i]) / 2, the rising crossing searched from
// the previous min_AHP (stim_start for the first) and the falling one up to
// min_AHP_i, both linearly interpolated between samples.
func (e *Extractor) spikeHalfWidth() []float64 {
	t, v := e.t, e.v
	start := firstIndex(t, e.s.StimStart)
	w := e.alloc(len(e.ahp))
	for i, a := range e.ahp {
		if i >= len(e.peaks) {
			return nil
		}
		p := e.peaks[i]
		lo := start
		if i > 0 {
			lo = e.ahp[i-1]
		}
		half := (v[p] + v[a]) / 2
		rise := p
		for k := lo; k < p; k++ {
			if v[k] >= half {
				rise = k
				break
			}
		}
		fall := a
		for k := p; k < a; k++ {
			if v[k] <= half {
				fall = k
				break
			}
		}
		if rise < 1 || fall < 1 || rise >= len(v) || fall >= len(v) {
			w[i] = math.NaN()
			continue
		}
		dRise := (t[rise] - t[rise-1]) * (half - v[rise]) / (v[rise] - v[rise-1])
		dFall := (t[fall] - t[fall-1]) * (half - v[fall]) / (v[fall] - v[fall-1])
		w[i] = t[fall] - dRise - t[rise] + dFall
	}
	return w
}

// apWidth implements SpikeShape.cpp __AP_width (strict_stiminterval false):
// in each window [previous min_AHP (0 for the first), min_AHP), the time from
// the first v >= Threshold to the next v <= Threshold.
func (e *Extractor) apWidth() []float64 {
	t, v, thr := e.t, e.v, e.s.Threshold
	w := e.alloc(len(e.ahp))
	lo := 0
	for i, hi := range e.ahp {
		on := hi
		for k := lo; k < hi; k++ {
			if v[k] >= thr {
				on = k
				break
			}
		}
		end := hi
		for k := on; k < hi; k++ {
			if v[k] <= thr {
				end = k
				break
			}
		}
		w[i] = t[end] - t[on]
		lo = hi
	}
	return w
}

// apAmplitude implements SpikeShape.cpp AP_amplitude: peak voltage minus the
// voltage at AP begin, for the peaks in [stim_start, stim_end], paired in
// order with AP_begin_indices. nil where eFEL fails.
func (e *Extractor) apAmplitude() []float64 {
	t, v := e.t, e.v
	ss, se := e.s.StimStart, e.s.StimEnd
	cnt := 0
	for _, p := range e.peaks {
		if t[p] >= ss && t[p] <= se {
			cnt++
		}
	}
	if cnt == 0 || cnt > len(e.apb) {
		return nil
	}
	amp := e.alloc(cnt)
	i := 0
	for _, p := range e.peaks {
		if t[p] >= ss && t[p] <= se {
			amp[i] = v[p] - v[e.apb[i]]
			i++
		}
	}
	return amp
}

// depolBlock implements pyfeatures.depol_block: [1] unless the voltage stays
// above the mean AP begin voltage for more than 50 ms, or stays below −75 mV
// for more than 50 ms within the stimulus; nil (eFEL None) in those cases
// and when the voltage never rises above the AP-begin level.
func (e *Extractor) depolBlock(apBeginV []float64) []float64 {
	const (
		blockMinDuration = 50.0  // ms
		longHyperpol     = -75.0 // mV
	)
	if apBeginV == nil {
		return e.one(1)
	}
	t, v := e.t, e.v
	n := len(t)
	ssIdx, seIdx := firstIndex(t, e.s.StimStart), firstIndex(t, e.s.StimEnd)
	if ssIdx >= n || seIdx >= n { // numpy would raise IndexError
		return nil
	}
	thr := mean(apBeginV)
	// Crossings of v > thr: up[k] is i with v[i] <= thr < v[i+1].
	maxDur := math.Inf(-1)
	ups, dns := e.ups[:0], e.dns[:0]
	for i := 0; i+1 < n; i++ {
		a, b := v[i] > thr, v[i+1] > thr
		if !a && b {
			ups = append(ups, i)
		} else if a && !b {
			dns = append(dns, i)
		}
	}
	defer func() { e.ups, e.dns = ups, dns }()
	nUp, nDn := len(ups), len(dns)
	if nUp > nDn {
		dns = append(dns, seIdx)
	}
	if nUp == 0 {
		return nil
	}
	if len(dns) < nUp { // numpy IndexError
		return nil
	}
	for k, u := range ups {
		if d := t[dns[k]] - t[u]; d > maxDur {
			maxDur = d
		}
	}
	if maxDur > blockMinDuration {
		return nil
	}

	ups, dns = ups[:0], dns[:0]
	firstDn := -1
	for i := 0; i+1 < n; i++ {
		a, b := v[i] > longHyperpol, v[i+1] > longHyperpol
		if a && !b && i > ssIdx && i < seIdx {
			dns = append(dns, i)
			if firstDn < 0 {
				firstDn = i
			}
		}
	}
	if len(dns) == 0 {
		return e.one(1)
	}
	for i := 0; i+1 < n; i++ {
		a, b := v[i] > longHyperpol, v[i+1] > longHyperpol
		if !a && b && i > ssIdx && i < seIdx && i > firstDn {
			ups = append(ups, i)
		}
	}
	if len(ups) < len(dns) {
		ups = append(ups, seIdx)
	}
	if len(ups) < len(dns) { // numpy IndexError
		return nil
	}
	maxDur = math.Inf(-1)
	for k, d := range dns {
		if x := t[ups[k]] - t[d]; x > maxDur {
			maxDur = x
		}
	}
	if maxDur > blockMinDuration {
		return nil
	}
	return e.one(1)
}
