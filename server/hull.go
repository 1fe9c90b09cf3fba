package server

import (
	"cmp"
	"slices"
)

// point is an embedding (I_thr nA, s_thr Hz/nA).
type point struct{ X, Y float64 }

// cross is the z component of (a−o)×(b−o): positive when o→a→b turns
// counter-clockwise. Its sign does not change when either axis is scaled
// by a positive factor, so hull and membership tests are unit-independent.
func cross(o, a, b point) float64 {
	return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X)
}

// convexHull returns the convex hull of pts counter-clockwise without
// repeated or collinear vertices (Andrew's monotone chain, A. M. Andrew,
// "Another efficient algorithm for convex hulls in two dimensions", Inf.
// Proc. Letters 9, 1979). Fewer than three distinct points give those
// points.
func convexHull(pts []point) []point {
	p := slices.Clone(pts)
	slices.SortFunc(p, func(a, b point) int {
		if c := cmp.Compare(a.X, b.X); c != 0 {
			return c
		}
		return cmp.Compare(a.Y, b.Y)
	})
	p = slices.Compact(p)
	if len(p) < 3 {
		return p
	}
	h := make([]point, 0, 2*len(p))
	for _, q := range p { // lower hull
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lower := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- { // upper hull
		q := p[i]
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	return h[:len(h)-1]
}

// inHull reports whether q lies in the counter-clockwise convex polygon h
// (boundary included). A hull of fewer than three vertices has no
// interior: q must coincide with a vertex or lie on the segment.
func inHull(h []point, q point) bool {
	switch len(h) {
	case 0:
		return false
	case 1:
		return h[0] == q
	case 2:
		return cross(h[0], h[1], q) == 0 &&
			min(h[0].X, h[1].X) <= q.X && q.X <= max(h[0].X, h[1].X) &&
			min(h[0].Y, h[1].Y) <= q.Y && q.Y <= max(h[0].Y, h[1].Y)
	}
	for i := range h {
		if cross(h[i], h[(i+1)%len(h)], q) < 0 {
			return false
		}
	}
	return true
}
