// Package featloss implements differentiable electrophysiology features of a
// predicted voltage trace and the feature losses of NOBLE's fine-tuning
// stage (Ghafourpour et al., arXiv 2506.04536; reference code
// neuraloperator/noble, MIT), with gradients w.r.t. the trace.
//
// A trainer prepares the targets once (eFEL features of every target trace),
// takes each batch's targets with Select, then evaluates each trace's loss
// and gradient independently, concurrently if it likes:
//
//	spec, err := featloss.ParseSpec("sag_amplitude=25,spike_count=1")
//	loss, err := featloss.New(spec, nil)                // dt 0.06 ms, relative loss
//	all, err := loss.Prepare(ctx, targetsMV, windows)    // before training
//	tg := all.Select(batchIndices)                       // per batch: its denominators
//	var ws featloss.Workspace                            // one per goroutine
//	ws.Reset(L)
//	l := tg.TraceVolts32(&ws, grad, predVolts, b)        // Σ λ·L_b; grad = ∂/∂v̂_b per volt
//	// add grad to the data loss's gradient of trace b; Σ_b l is the batch's feature loss
//
// windows[i] is NewWindow(StimulusWindow(stimulus_i)): the first and last
// non-zero samples of the stimulus, as the reference derives them.
//
// # Loss
//
// For each term of the spec, with f̂_b the feature of prediction b and f_b
// that of its target, the reference's loss is
//
//	L = Σ_b (f̂_b − f_b)² / (Σ_b f_b² + 1e-8)   (relative, the default)
//	L = Σ_b (f̂_b − f_b)²                       (Settings.Absolute)
//
// and the combined loss is Σ_terms λ·L. The relative denominator depends on
// the targets only, so Prepare (or Select) computes it and the batch loss splits into
// per-trace terms L_b = (f̂_b − f_b)²/D that Targets.Trace evaluates with
// their gradient; Σ_b of Trace is the batch loss and the trainer adds each
// trace's gradient to its data-loss gradient (the weights λ are already in).
// Note that a relative AP1_width term on a batch without a spiking target
// has D = 1e-8, as in the reference.
//
// # Units
//
// Features are in mV and ms, as in the reference, which multiplies the
// operator's output (volts) by 1000 before computing them. Trace takes mV;
// TraceVolts32 takes the operator's float32 volts, multiplies by Scale
// (1000) and returns the gradient per volt, Scale × the gradient per mV.
//
// # Features
//
// sag_amplitude is the reference's (neuro/differentiable_sagamplitude.py):
// the mean voltage over the last 10 % of the step minus a soft minimum with
// temperature 50/mV over the step, Σ softmax(−50·v)·v (Workspace.SagAmplitude;
// Window gives the sample ranges, NewWindow on the trace's own time axis and
// ReferenceWindow on the reference's slightly different one). Its target is
// the same soft sag of the target trace, as the reference's loss computes it;
// Settings.SagTargetEFEL takes eFEL's sag_amplitude on silent targets and 0
// on spiking ones instead (the reference's compute_true_sag_amplitude, which
// its loss does not call).
//
// AP1_width is the reference's of commit 298bba3
// (neuro/differentiable_ap1width.py, removed later): soft first up- and
// down-crossings (k = 200/mV) of a per-trace threshold taken from the target
// (eFEL: the mean of the voltage at the first peak and the first AHP
// minimum; on silent targets 1 mV above the target's maximum), sub-sample
// interpolation with the step detached, relu(t_down − t_up)·dt
// (Workspace.AP1Width). Its target is eFEL's AP1_width on the 0.06 ms grid.
//
// spike_count and spike_timing are ours: the surrogates' main failure is the
// number of spikes (a few decaying spikes where the neuron fires a train),
// which sag and AP1 width do not see.
//
//   - spike_count is the total upward variation of a soft "above −20 mV"
//     signal, N = Σ_j relu(a_{j+1} − a_j) with a = σ(0.5·(v + 20)) (k in
//     1/mV). Each spike that rises from well below −20 mV to well above
//     adds 1 whatever the sampling, so N equals eFEL's Spikecount on real
//     traces; a bump stopping x mV short of threshold adds σ(−0.5·x), whose
//     gradient pulls it up (k = 0.5 keeps that gradient alive some 10 mV
//     below threshold; k = 200 would leave none). k = 0.5 is the softest
//     that keeps the count on the reference traces within 0.01 of
//     Spikecount: the worst trace is off by 0.11 at k = 0.3, 0.82 at 0.2,
//     below 1e-4 at k = 1 (troughs between fast spikes and spikes peaking
//     just above −20 mV are what a soft k blurs). The gradient lives on the
//     local extrema of a, i.e. on the peaks and troughs. Target: eFEL's
//     Spikecount (package features). A firing rate is this count over a fixed
//     duration: the relative loss is the same.
//   - spike_timing is the van Rossum distance (van Rossum 2001, Neural
//     Comput. 13:751) between the soft spike train of the prediction, mass
//     relu(a_i − a_{i−1}) at sample i, and unit spikes at the target's exact
//     upward crossings of −20 mV (Spikes), both filtered by a causal
//     exponential of τ = 5 ms: D = (dt/τ)·Σ_i (f̂_i − f_i)². A missing or
//     extra spike costs about 1/2, a shift by δ ≪ τ about δ/τ. It is the
//     squared norm of a filtered train, i.e. the same (f̂ − f)² with a vector
//     feature, so its relative form divides by Σ_b of the target trains'
//     (dt/τ)·Σ f_i², the distance of an empty prediction.
//   - spike_envelope is ours too, for the trains that thin out: the
//     stimulus window is cut into segments of about 20 ms
//     (Settings.EnvelopeWidth; Segments) and each segment's soft maximum
//     Σ softmax(T·v)·v and soft minimum Σ softmax(−T·v)·v (T = 1/mV,
//     Settings.EnvelopeTemp) are the height of its highest spike and the
//     depth of its deepest trough, whatever the spikes' times inside it
//     (Workspace.Envelope). The loss is the squared distance of these
//     envelopes, a vector feature like spike_timing, whose relative form
//     divides by that of a prediction resting at the target's pre-stimulus
//     voltage. Where a surrogate's train has decayed into an oscillation
//     25–30 mV below −20 mV (what the mouse surrogates do after 150–250 ms),
//     the sigmoid of spike_count and spike_timing has no gradient left
//     (σ′(0.5·(−27)) ≈ 1e-6), while each segment's soft maximum still pulls
//     its highest sample towards the target's spike height, and its soft
//     minimum keeps the troughs at the target's depth. On the 66 NEURON
//     reference traces the soft maxima lie within 2.4 mV below the
//     segments' maxima and the soft minima within 2.8 mV above their minima.
//
// # Accuracy
//
// On the 66 NEURON reference traces of the project (16 of the shipped mouse
// cell; 50 of three human cells when the shared reference folder is
// present), on the operator's 0.06 ms grid: the soft spike count is within
// 0.0063 of eFEL's Spikecount (rounds to it on every trace) and Spikes finds
// exactly Spikecount crossings; the soft sag is within 0.023 mV of eFEL's
// sag_amplitude on the 17 traces where eFEL defines it; the soft AP1 width
// is within 2.6e-5 ms of eFEL's AP1_width on the 36 spiking traces; the van
// Rossum distance of a target to its own spikes is ≤ 0.0012 per spike.
// Gradients agree with central differences (hand-derived backward passes,
// TestXxxGradient) and with torch autograd in float64 to 1e-10 relative
// (tools/noble_torch.py --featloss, TestTorchReference).
//
// # Speed
//
// The first four features with their gradients take about 0.5 ms per 8583-sample
// trace on one core (0.1–0.17 ms each), without allocating (BenchmarkTrace,
// AMD EPYC, shared machine), against ~50 ms for a training step of the
// operator per trace; Prepare takes about 0.7 ms per trace (two eFEL feature
// sets of the target).
package featloss
