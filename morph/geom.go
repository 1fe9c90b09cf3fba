package morph

import "math"

// Segment is the geometry of one of nseg equal-length segments of a
// section, integrated over its 3-D points as NEURON's diam_from_list
// (src/nrnoc/treeset.cpp) does.
type Segment struct {
	Diam float64 // mean diameter, µm (NEURON's seg.diam)
	Area float64 // membrane area including taper, µm² (seg.area())

	// RLeft and RRight are Σ Δs/(d₁·d₂) over the left and right half of
	// the segment, µm⁻¹: the half-segment axial resistances per unit Ra.
	// HalfRi converts them to MΩ.
	RLeft, RRight float64
}

// HalfRi converts a Segment's RLeft or RRight to MΩ for axial resistivity
// ra (Ω·cm), in NEURON's order of operations: r·ra/π·(4·0.01).
func HalfRi(r, ra float64) float64 {
	return r * ra / math.Pi * (4 * hundredth)
}

// hundredth is a variable so that 4*hundredth is computed in float64 at
// run time, as C does, not exactly as a Go constant.
var hundredth = 0.01

// Segments integrates the section's diameter, area and axial resistance
// over its 3-D points for nseg segments, appending to dst (nil allocates).
//
// The algorithm is NEURON's: piecewise-linear diameter along the arc
// length; each segment split in two halves at its centre; the diameter at
// a half boundary linearly interpolated; per piece, area π/2·(d₁+d₂)·√(Δs² +
// ((d₂−d₁)/2)²) (a frustum's lateral surface) and resistance Δs/(d₁d₂);
// Δs below 1e-15 µm counts as 1e-15. Products are converted explicitly so
// that no fused multiply-add changes the rounding (NEURON on x86-64 has none). The section needs at least 2 points;
// Segments panics if nseg < 1.
func (s *Section) Segments(dst []Segment, nseg int) []Segment {
	if nseg < 1 {
		panic("morph: Segments: nseg < 1")
	}
	pt := s.Points
	npt := len(pt)
	if npt < 2 {
		panic("morph: Segments: section has fewer than 2 points")
	}
	j := 0
	x1 := pt[0].Arc
	y1 := math.Abs(pt[0].Diam)
	ds := pt[npt-1].Arc / float64(nseg)
	for inode := range nseg {
		si := float64(inode) * ds
		var diam, area, rleft, ri float64
		for ihalf := range 2 {
			ri = 0
			sip := si + ds/2
			for {
				jp := j + 1
				xj := pt[j].Arc
				xjp := pt[jp].Arc
				var x2, y2 float64
				var jnext int
				if xjp > sip || jp == npt-1 {
					frac := 1.0
					if math.Abs(xjp-xj) >= 1e-10 {
						frac = (sip - xj) / (xjp - xj)
					}
					x2 = sip
					y2 = float64((1-frac)*math.Abs(pt[j].Diam)) + float64(frac*math.Abs(pt[jp].Diam))
					jnext = j
				} else {
					x2 = xjp
					y2 = math.Abs(pt[jp].Diam)
					jnext = jp
				}
				delta := x2 - x1
				diam += float64((y2 + y1) * delta)
				if delta < 1e-15 {
					delta = 1e-15
				}
				temp := y2 * y1 / delta
				if temp == 0 {
					temp = 1e-15
				}
				ri += 1 / temp
				temp = .5 * (y2 - y1)
				temp = math.Sqrt(float64(delta*delta) + float64(temp*temp))
				area += float64((y2 + y1) * temp)
				x1, y1 = x2, y2
				if j == jnext {
					break
				}
				j = jnext
			}
			if ihalf == 0 {
				rleft = ri
			}
			si = sip
		}
		dst = append(dst, Segment{
			Diam:   diam * (.5 / ds),
			Area:   area * .5 * math.Pi,
			RLeft:  rleft,
			RRight: ri,
		})
	}
	return dst
}
