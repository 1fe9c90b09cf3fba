package dataset

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// skewPDF is the skew-normal density with location xi, scale w, shape a.
func skewPDF(x, xi, w, a float64) float64 {
	z := (x - xi) / w
	return 2 / w * math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) * 0.5 * math.Erfc(-a*z/math.Sqrt2)
}

// skewCDF is the skew-normal CDF Φ(z) − 2·T(z, a), Owen's T function
// T(h, a) = (1/2π) ∫₀^a exp(−h²(1+x²)/2)/(1+x²) dx by composite Simpson's
// rule with 200 intervals (the integrand is smooth: error far below the
// 1e-3 the KS test resolves).
func skewCDF(x, xi, w, a float64) float64 {
	h := (x - xi) / w
	const n = 200
	f := func(t float64) float64 { return math.Exp(-h*h*(1+t*t)/2) / (1 + t*t) }
	step := a / n
	s := f(0) + f(a)
	for i := 1; i < n; i++ {
		c := 2.0
		if i%2 == 1 {
			c = 4
		}
		s += c * f(float64(i)*step)
	}
	T := s * step / 3 / (2 * math.Pi)
	return 0.5*math.Erfc(-h/math.Sqrt2) - 2*T
}

func TestSkewNormalMode(t *testing.T) {
	t.Parallel()
	for _, a := range []float64{-5, -1, 0, 0.5, 3, 10, 100} {
		got := SkewNormalMode(a)
		// Maximise the density on a fine grid: the mode to 1e-5.
		best, bestZ := -1.0, 0.0
		for z := -2.0; z <= 2; z += 1e-5 {
			if p := skewPDF(z, 0, 1, a); p > best {
				best, bestZ = p, z
			}
		}
		if math.Abs(got-bestZ) > 2e-5 {
			t.Errorf("SkewNormalMode(%v) = %.6f, want %.6f (grid maximum of the density)", a, got, bestZ)
		}
	}
}

func TestSampler(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		s    Stimulus
	}{
		{"NOBLE human", Stimulus{Mode: 0.017, Lo: -0.111, Hi: 0.279, Scale: 0.13, Shape: 3}},
		{"mouse-like", Stimulus{Mode: 0.2, Lo: 0.05, Hi: 0.5, Scale: 0.15, Shape: 3}},
		{"tight support clips a lot", Stimulus{Mode: 0, Lo: -0.02, Hi: 0.03, Scale: 0.1, Shape: 2}},
		{"left skew", Stimulus{Mode: 1, Lo: -1, Hi: 2, Scale: 0.5, Shape: -4}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sm, err := NewSampler(c.s)
			if err != nil {
				t.Fatal(err)
			}
			xi := c.s.Location()
			// The density peaks at Mode.
			pm := skewPDF(c.s.Mode, xi, c.s.Scale, c.s.Shape)
			for _, d := range []float64{-1e-3, 1e-3} {
				if p := skewPDF(c.s.Mode+d*c.s.Scale, xi, c.s.Scale, c.s.Shape); p >= pm {
					t.Errorf("density at mode %v + %v·scale is %v ≥ %v at the mode", c.s.Mode, d, p, pm)
				}
			}
			const n = 2000
			x := make([]float64, n)
			for i := range x {
				x[i] = sm.Draw(rand.New(rand.NewPCG(7, uint64(i))))
				if x[i] < c.s.Lo || x[i] > c.s.Hi {
					t.Fatalf("draw %d = %v outside the support [%v, %v]", i, x[i], c.s.Lo, c.s.Hi)
				}
			}
			// Kolmogorov–Smirnov against the truncated skew-normal CDF; the
			// 0.1 % critical value for n = 20000 is 1.95/√n = 0.0138.
			slices.Sort(x)
			f0 := skewCDF(c.s.Lo, xi, c.s.Scale, c.s.Shape)
			f1 := skewCDF(c.s.Hi, xi, c.s.Scale, c.s.Shape)
			d := 0.0
			for i, v := range x {
				f := (skewCDF(v, xi, c.s.Scale, c.s.Shape) - f0) / (f1 - f0)
				d = max(d, math.Abs(f-float64(i)/n), math.Abs(f-float64(i+1)/n))
			}
			if d > 1.95/math.Sqrt(n) {
				t.Errorf("KS distance %.4f to the truncated skew-normal, want ≤ %.4f", d, 1.95/math.Sqrt(n))
			}
			// Determinism: the same stream gives the same draw.
			a := sm.Draw(rand.New(rand.NewPCG(7, 3)))
			b := sm.Draw(rand.New(rand.NewPCG(7, 3)))
			if a != b {
				t.Errorf("same stream, different draws %v, %v", a, b)
			}
		})
	}
}

func TestSamplerErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []Stimulus{
		{Mode: 0.3, Lo: 0, Hi: 0.2, Scale: 0.1, Shape: 3},
		{Mode: 0.1, Lo: 0, Hi: 0.2, Scale: 0, Shape: 3},
		{Mode: 0.1, Lo: 0, Hi: 0.2, Scale: 0.1, Shape: math.NaN()},
		{Mode: 0.1, Lo: 0, Hi: 0.2, Scale: 0.1, Shape: 1000},
		// Support far in the thin left tail: under 1 % of the mass.
		{Mode: 0.1, Lo: 0.0999, Hi: 0.1001, Scale: 10, Shape: 3},
	} {
		if _, err := NewSampler(s); !errors.Is(err, ErrStimulus) {
			t.Errorf("NewSampler(%+v) error %v, want ErrStimulus", s, err)
		}
	}
}

func TestDefaultStimulus(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name                  string
		ithr                  []float64
		mode, lo, hi, tolEdge float64
	}{
		// Published threshold range of NOBLE's human models, 13.9–19.4 pA:
		// the derived window must be NOBLE's [−0.11, 0.28] nA with the mode
		// in [0, 0.05] nA.
		{"human", []float64{0.0139, 0.0150, 0.0160, 0.0170, 0.0180, 0.0194}, 0.0165, -0.11, 0.28, 0.0015},
		{"mouse-like with NaN", []float64{0.19, math.NaN(), 0.21, 0.2}, 0.2, 0.065, 0.47, 1e-12},
	} {
		s, err := DefaultStimulus(c.ithr)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if math.Abs(s.Mode-c.mode) > 1e-12 || math.Abs(s.Lo-c.lo) > c.tolEdge || math.Abs(s.Hi-c.hi) > c.tolEdge {
			t.Errorf("%s: DefaultStimulus = %+v, want mode %v, support [%v, %v] ± %v", c.name, s, c.mode, c.lo, c.hi, c.tolEdge)
		}
		if s.Shape != DefaultShape || math.Abs(s.Scale-(s.Hi-s.Lo)/3) > 1e-15 {
			t.Errorf("%s: shape %v scale %v", c.name, s.Shape, s.Scale)
		}
	}
	if _, err := DefaultStimulus([]float64{math.NaN()}); !errors.Is(err, ErrStimulus) {
		t.Errorf("DefaultStimulus(NaN) error %v, want ErrStimulus", err)
	}
}

// TestMouseDefaultStimulus derives the window of the shipped mouse cell from
// its models' thresholds (testdata/mouse_embeddings.csv, made by "noble fi"):
// they fire from 0.181 to 0.202 nA, so the mode sits at their median and the
// support spans [0.056, 0.462] nA, unlike the human cell's [−0.11, 0.28].
func TestMouseDefaultStimulus(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/mouse_embeddings.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := mouseNames()
	emb, err := ReadEmbeddings(f, "testdata/mouse_embeddings.csv", names)
	if err != nil {
		t.Fatal(err)
	}
	var ithr []float64
	for _, e := range emb {
		ithr = append(ithr, e.IThr)
	}
	s, err := DefaultStimulus(ithr)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode < 0.185 || s.Mode > 0.195 || math.Abs(s.Lo-(0.18115234375-0.125)) > 1e-12 || math.Abs(s.Hi-(0.20166015625+0.26)) > 1e-12 {
		t.Errorf("mouse DefaultStimulus = %+v", s)
	}
	g, err := NewGeneration("mouse_pvalb_318331342", names, emb, &Settings{Traces: 100})
	if err != nil {
		t.Fatal(err)
	}
	test := 0
	for _, m := range g.Models {
		if m.Split == ModelTest {
			test++
		}
	}
	if test != 8 || len(g.Settings.TestModels) != 8 {
		t.Errorf("mouse generation holds out %d models (%v), want 8", test, g.Settings.TestModels)
	}
	t.Logf("mouse: stimulus %+v, held out %v", *g.Settings.Stimulus, g.Settings.TestModels)
}
