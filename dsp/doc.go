// Package dsp implements the signal path from the simulator's time step to the
// training data's: a zero-phase anti-aliasing low-pass filter and decimation
// by an integer factor (NOBLE: dt 0.02 ms → 0.06 ms, factor 3, so that 515 ms
// hold 8,583 samples; Ghafourpour et al., "NOBLE", NeurIPS 2025, arXiv
// 2506.04536).
//
// # Filter
//
// The filter is a linear-phase FIR low-pass designed by the window method
// with a Kaiser window (J. F. Kaiser, "Nonrecursive digital filter design
// using the I0-sinh window function", Proc. IEEE ISCAS 1974; the design
// formulas as in A. V. Oppenheim & R. W. Schafer, Discrete-Time Signal
// Processing, 3rd ed., §7.6.1, eqs. 7.62–7.63):
//
//	A = −20·log10(δ)                      stopband attenuation = passband ripple, dB
//	β = 0.1102·(A − 8.7)                  A > 50
//	β = 0.5842·(A − 21)^0.4 + 0.07886·(A − 21)   21 ≤ A ≤ 50, else 0
//	M = ⌈(A − 8)/(2.285·Δω)⌉              filter order, Δω = 2π·(fs − fp) in rad/sample
//	h[n] = 2fc·sinc(2fc·(n − M/2)) · I0(β·√(1 − (2n/M − 1)²)) / I0(β),  n = 0 … M
//
// with fc = (fp + fs)/2 the cutoff between passband edge fp and stopband edge
// fs (cycles per input sample). M is rounded up to even, so the filter has an
// odd number of taps, a centre tap, and is symmetric, h[n] = h[M−n]. The taps
// are then scaled to sum to 1 so that a constant (a resting potential) passes
// unchanged. I0 is the modified Bessel function of the first kind, summed from
// its power series Σ ((x/2)^k / k!)², which converges for every x (terms are
// added until they no longer change the sum; β ≤ 15 here).
//
// Applied centred, y[i] = Σ_k h[k]·x[i + k − M/2], a symmetric FIR has a real
// frequency response H(f) = h[M/2] + 2·Σ_{k<M/2} h[k]·cos(2πf·(M/2 − k)): zero
// phase and zero group delay, so spike times are not shifted. The defaults put
// the stopband edge at the output Nyquist frequency (1/(2·Factor) cycles per
// input sample; 8.33 kHz at dt 0.06 ms), the passband edge at 0.8 of it (6.67
// kHz, as scipy.signal.decimate places its cutoff at 0.8/q) and ask for 80 dB,
// which gives 153 taps (±1.5 ms at dt 0.02 ms). Measured on a dense frequency
// grid (the tests): passband within 0.00088 dB up to 6.67 kHz, stopband below
// −79.6 dB from 8.33 kHz on (Kaiser's formulas are accurate to ~1 dB).
//
// On a NEURON trace of the mouse cell (48 spikes, half-width 0.43 ms) the
// decimated trace keeps every spike: peak voltages within 1.6 mV, peak times
// within 0.011 ms and half-widths within 0.021 ms of the undecimated trace;
// subthreshold samples agree within 0.001 mV, except within ±1.5 ms of the
// stimulus edges, where the soma's 1.7 mV jump in one step is a corner that
// any band limit rounds (ringing up to 0.6 mV).
//
// # Why an FIR and not a forward-backward IIR
//
// scipy's filtfilt runs an IIR filter (decimate's default is an order-8
// Chebyshev type I) forwards and backwards to cancel its phase. A symmetric FIR
// is zero-phase in one pass and was chosen because: its response is exactly the
// designed one (filtfilt squares the magnitude and its edge transient depends
// on the initial-state heuristics of lfilter_zi and the padding); it has no
// recursion, so only every Factor-th output needs computing (polyphase
// evaluation: a third of the work for factor 3, and no state to carry); its
// arithmetic is a fixed-order dot product, bit-reproducible; and with 80 dB
// the stopband is far below the 1e-4 relative resolution of float32 storage.
// Its cost, 153 multiply-adds per output sample (≈1.4 M per 545 ms trace), is
// negligible beside the simulation that produced the trace.
//
// # Edges
//
// Near the ends the filter reaches M/2 samples beyond the trace. The trace is
// extended by odd (point) symmetry about its end samples, as filtfilt's
// padtype "odd": x[−k] = 2·x[0] − x[k] and x[n−1+k] = 2·x[n−1] − x[n−1−k].
// A constant or linear trend continues unchanged, so the ends do not droop
// towards zero as zero padding would make them. For traces shorter than the
// padding, the reflected index is clamped to the trace.
//
// # Decimation
//
// Decimate keeps the filtered samples 0, Factor, 2·Factor, …: ⌈n/Factor⌉
// outputs for n inputs, output sample j at time j·Factor·dt. The first output
// sample is the (filtered) first input sample, so t = 0 stays t = 0.
package dsp
