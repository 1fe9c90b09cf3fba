package server

import "github.com/noble-neuro/noble/synth"

// The hull itself is synth.ConvexHull (the one synth's ensembles sample);
// membership stays exact here, with a degenerate hull's segment included,
// because the server flags single requests rather than sampling.

// cross is the z component of (a−o)×(b−o): positive when o→a→b turns
// counter-clockwise. Its sign does not change when either axis is scaled
// by a positive factor, so membership tests are unit-independent.
func cross(o, a, b synth.Embedding) float64 {
	return (a.IThr-o.IThr)*(b.SThr-o.SThr) - (a.SThr-o.SThr)*(b.IThr-o.IThr)
}

// inHull reports whether q lies in the counter-clockwise convex polygon h
// (boundary included). A hull of fewer than three vertices has no
// interior: q must coincide with a vertex or lie on the segment.
func inHull(h []synth.Embedding, q synth.Embedding) bool {
	switch len(h) {
	case 0:
		return false
	case 1:
		return h[0] == q
	case 2:
		return cross(h[0], h[1], q) == 0 &&
			min(h[0].IThr, h[1].IThr) <= q.IThr && q.IThr <= max(h[0].IThr, h[1].IThr) &&
			min(h[0].SThr, h[1].SThr) <= q.SThr && q.SThr <= max(h[0].SThr, h[1].SThr)
	}
	for i := range h {
		if cross(h[i], h[(i+1)%len(h)], q) < 0 {
			return false
		}
	}
	return true
}
