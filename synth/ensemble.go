package synth

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/noble-neuro/noble/surrogate"
)

// Neighbourhood returns n stimuli of amplitude c.AmpNA whose embeddings are
// drawn uniformly from the ellipse centred on (c.IThr, c.SThr) with
// semi-axes radius·(sc.IThr.Max−sc.IThr.Min) and radius·(sc.SThr.Max−
// sc.SThr.Min) (for a range of zero width, its magnitude, else 1); sample k
// draws from PCG(seed, k).
func Neighbourhood(c surrogate.Stimulus, n int, radius float64, seed uint64, sc surrogate.Scaling) ([]surrogate.Stimulus, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: ensemble size %d: must be at least 1", ErrInput, n)
	}
	if !(radius > 0) || math.IsInf(radius, 0) {
		return nil, fmt.Errorf("%w: radius %v: must be positive and finite", ErrInput, radius)
	}
	wI, wS := width(sc.IThr), width(sc.SThr) // a degenerate range: its magnitude (see Policy.Bounds)
	out := make([]surrogate.Stimulus, n)
	for k := range out {
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		r := radius * math.Sqrt(rng.Float64())
		th := 2 * math.Pi * rng.Float64()
		out[k] = surrogate.Stimulus{AmpNA: c.AmpNA, IThr: c.IThr + r*math.Cos(th)*wI, SThr: c.SThr + r*math.Sin(th)*wS}
	}
	return out, nil
}

// cross is the z component of (a−o)×(b−o).
func cross(o, a, b Embedding) float64 {
	return (a.IThr-o.IThr)*(b.SThr-o.SThr) - (a.SThr-o.SThr)*(b.IThr-o.IThr)
}

// ConvexHull returns the convex hull of pts counter-clockwise without
// repeated or collinear vertices (Andrew's monotone chain). Fewer than three
// distinct points give those points.
func ConvexHull(pts []Embedding) []Embedding {
	p := slices.Clone(pts)
	slices.SortFunc(p, func(a, b Embedding) int {
		if c := cmp.Compare(a.IThr, b.IThr); c != 0 {
			return c
		}
		return cmp.Compare(a.SThr, b.SThr)
	})
	p = slices.Compact(p)
	if len(p) < 3 {
		return p
	}
	h := make([]Embedding, 0, 2*len(p))
	for _, q := range p {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lower := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		q := p[i]
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	return h[:len(h)-1]
}

// InHull reports whether q lies in the counter-clockwise convex polygon h
// (boundary included, with a relative tolerance of 1e-12 of the scale, so
// that a vertex or an edge point computed in floating point counts as
// inside). A hull of fewer than three vertices has no interior: q must
// coincide with its vertex or lie on its segment.
func InHull(h []Embedding, q Embedding) bool {
	onEdge := func(a, b Embedding) bool {
		scale := math.Hypot(b.IThr-a.IThr, b.SThr-a.SThr) * math.Hypot(q.IThr-a.IThr, q.SThr-a.SThr)
		return cross(a, b, q) >= -1e-12*scale
	}
	switch len(h) {
	case 0:
		return false
	case 1:
		return h[0] == q
	case 2:
		return onEdge(h[0], h[1]) && onEdge(h[1], h[0]) &&
			min(h[0].IThr, h[1].IThr) <= q.IThr && q.IThr <= max(h[0].IThr, h[1].IThr) &&
			min(h[0].SThr, h[1].SThr) <= q.SThr && q.SThr <= max(h[0].SThr, h[1].SThr)
	}
	for i := range h {
		if !onEdge(h[i], h[(i+1)%len(h)]) {
			return false
		}
	}
	return true
}

// Hull returns n stimuli of amplitude amp (nA) whose embeddings are drawn
// uniformly from the convex hull of pts (see the package doc); sample k
// draws from PCG(seed, k). The hull needs three non-collinear points.
func Hull(pts []Embedding, n int, amp float64, seed uint64) ([]surrogate.Stimulus, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: hull sample size %d: must be at least 1", ErrInput, n)
	}
	h := ConvexHull(pts)
	if len(h) < 3 {
		return nil, fmt.Errorf("%w: the convex hull of %d embeddings has no interior", ErrInput, len(pts))
	}
	// Fan triangulation from h[0]; cumulative areas.
	cum := make([]float64, len(h)-2)
	total := 0.0
	for i := range cum {
		total += cross(h[0], h[i+1], h[i+2]) / 2
		cum[i] = total
	}
	out := make([]surrogate.Stimulus, n)
	for k := range out {
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		t, _ := slices.BinarySearch(cum, rng.Float64()*total)
		t = min(t, len(cum)-1)
		a, b, c := h[0], h[t+1], h[t+2]
		u, v := rng.Float64(), rng.Float64()
		if u+v > 1 {
			u, v = 1-u, 1-v
		}
		out[k] = surrogate.Stimulus{
			AmpNA: amp,
			IThr:  a.IThr + u*(b.IThr-a.IThr) + v*(c.IThr-a.IThr),
			SThr:  a.SThr + u*(b.SThr-a.SThr) + v*(c.SThr-a.SThr),
		}
	}
	return out, nil
}

// Embeddings returns the embeddings of hs (all of them when split is "",
// else those of that split).
func Embeddings(hs []surrogate.HoF, split string) []Embedding {
	var out []Embedding
	for _, h := range hs {
		if split == "" || h.Split == split {
			out = append(out, Embedding{IThr: h.IThr, SThr: h.SThr})
		}
	}
	return out
}
