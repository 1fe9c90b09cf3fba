package mech

import (
	"github.com/noble-neuro/noble/internal/cpuisa"
	"math"
	"math/rand/v2"
	"testing"
)

// The vector kernels (vec_body.h) against the Go loops, bit for bit, on
// every instruction set this CPU and build have (NOBLE_MECH_ISA aside: the
// tests set each one in turn). They switch the package's instruction set,
// so they do not run in parallel with other tests (a sequential test ends
// before any parallel one resumes).

// eachISA runs f under every available instruction set but generic, the
// reference; it restores the selection afterwards.
func eachISA(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	saved := isa
	defer func() { isa = saved }()
	ran := false
	for i := cpuisa.Generic + 1; i <= detected; i++ {
		isa = i
		t.Run(i.String(), f)
		ran = true
	}
	if !ran {
		t.Skipf("no vector instruction set in this build (%s)", detected.String())
	}
}

// expArgs returns random and edge-case arguments of exp: uniform over
// [−750, 750] and over [−1, 1], tiny and subnormal values, the table
// method's bounds ±700 and their neighbours, exp's overflow and subnormal
// thresholds, NaN and ±Inf, in a random order.
func expArgs(rng *rand.Rand, n int) []float64 {
	x := make([]float64, 0, n+64)
	for range n / 2 {
		x = append(x, -750+1500*rng.Float64())
	}
	for range n / 4 {
		x = append(x, -1+2*rng.Float64())
	}
	for len(x) < n {
		x = append(x, (-1+2*rng.Float64())/32*math.Ldexp(1, -rng.IntN(60)))
	}
	for _, b := range []float64{700, 709.782712893384, 708.3964185322641, -708.3964185322641, -745.1332191019411, -744.4400719213812} {
		x = append(x, b, -b, math.Nextafter(b, 0), math.Nextafter(b, math.Inf(1)), math.Nextafter(-b, 0), math.Nextafter(-b, math.Inf(-1)))
	}
	x = append(x, 0, math.Copysign(0, -1), 5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308,
		1e-300, -1e-300, 1.0/32, -1.0/32, math.Nextafter(1.0/32, 1), math.Nextafter(-1.0/32, -1),
		math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64)
	rng.Shuffle(len(x), func(i, j int) { x[i], x[j] = x[j], x[i] })
	return x
}

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

func TestExpVec(t *testing.T) {
	eachISA(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, n := range []int{16, 17, 19, 23, 31, 64, 1000, 100003} {
			x := expArgs(rng, n)
			// Also a stretch free of bad arguments (no block left to Go).
			for i := range min(len(x), 40) {
				x[i] = -20 + 40*rng.Float64()
			}
			for _, f := range []struct {
				name     string
				vec, ref func([]float64)
			}{{"exp", expInPlace, expGo}, {"expSmall", expSmallInPlace, expSmallGo}} {
				got := append([]float64(nil), x...)
				want := append([]float64(nil), x...)
				f.vec(got)
				f.ref(want)
				bad := 0
				for i := range x {
					if !sameBits(got[i], want[i]) {
						if bad++; bad <= 5 {
							t.Errorf("%s n=%d: %s(%v) = %v (%#x), Go loop %v (%#x)", isa.String(), n, f.name, x[i],
								got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
						}
					}
				}
				if bad > 0 {
					t.Errorf("%s n=%d: %d of %d differ", f.name, n, bad, len(x))
				}
			}
		}
	})
}

// TestMechVec runs Advance of NaTs2_t, Ih, Im and Kv3_1 with the vector
// kernels and with the Go loops from the same states and compares the
// gates bit for bit: random voltages over [−150, 100] mV on nodes in a
// random order, with NaTs2_t's singular voltages −32 and −60, Ih's vtrap
// point −154.9, and voltages that put an exponential out of the table's
// range, for instance counts that leave every tail.
func TestMechVec(t *testing.T) {
	eachISA(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		for _, name := range []string{"NaTs2_t", "Ih", "Im", "Kv3_1"} {
			for _, n := range []int{1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 632} {
				nn := n + 3
				s := newState(nn, 0, 1e-4, 34)
				for i := range s.V {
					s.V[i] = -150 + 250*rng.Float64()
				}
				nodes := rng.Perm(nn)[:n]
				special := []float64{-32, -60, -154.9, -154.9 + 1e-7, 1e4, -1e4, 7100, math.NaN()}
				if n > 8 {
					for _, v := range special[:rng.IntN(len(special))] {
						s.V[nodes[rng.IntN(n)]] = v
					}
				}
				for _, dt := range []float64{0.02, 0.025, 0.1} {
					a := mustKind(t, name).New(nodes)
					b := mustKind(t, name).New(nodes)
					a.Init(s)
					b.Init(s)
					ga, gb := gates(a), gates(b)
					for j := range ga {
						for k := range ga[j] {
							ga[j][k] = rng.Float64()
							gb[j][k] = ga[j][k]
						}
					}
					a.Advance(s, dt)
					saved := isa
					isa = cpuisa.Generic
					b.Advance(s, dt)
					isa = saved
					for j := range ga {
						for k := range ga[j] {
							if !sameBits(ga[j][k], gb[j][k]) {
								t.Errorf("%s %s n=%d dt=%g v=%v: gate %d = %v, Go loops %v", isa.String(), name, n, dt,
									s.V[nodes[k]], j, ga[j][k], gb[j][k])
							}
						}
					}
				}
			}
		}
	})
}

// gates returns the state slices of a vectorised mechanism.
func gates(m Mechanism) [][]float64 {
	switch c := m.(type) {
	case *naTs2t:
		return [][]float64{c.m, c.h}
	case *ih:
		return [][]float64{c.m}
	case *im:
		return [][]float64{c.m}
	case *kv31:
		return [][]float64{c.m}
	case *pas:
		return nil
	}
	panic("not a vectorised mechanism")
}

// TestCurrentVec compares Current of pas, Ih, Im, Kv3_1 and NaTs2_t with
// the vector kernel and with the Go loop, bit for bit: random states,
// parameters, voltages and reversal potentials, on consecutive nodes
// (added in place) and on nodes in a random order (through buffers), for
// instance counts that leave every tail, into currents already holding
// values.
func TestCurrentVec(t *testing.T) {
	eachISA(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 16))
		for _, name := range []string{"pas", "Ih", "Im", "Kv3_1", "NaTs2_t"} {
			for _, n := range []int{1, 5, 8, 15, 16, 17, 33, 100} {
				for _, consecutive := range []bool{true, false} {
					nn := n + 7
					s := newState(nn, 0, 1e-4, 34)
					for i := range s.V {
						s.V[i], s.Ena[i], s.Ek[i] = -100+150*rng.Float64(), 40+20*rng.Float64(), -90-20*rng.Float64()
					}
					nodes := rng.Perm(nn)[:n]
					if consecutive {
						for k := range nodes {
							nodes[k] = 3 + k
						}
					}
					mk := mustKind(t, name).New(nodes)
					mk.Init(s)
					for _, p := range mk.Kind().Params {
						for k := range mk.Param(p.Name) {
							mk.Param(p.Name)[k] = rng.Float64() * 0.01
						}
					}
					for _, x := range gates(mk) {
						for k := range x {
							x[k] = rng.Float64()
						}
					}
					i0, g0 := make([]float64, nn), make([]float64, nn)
					for k := range i0 {
						i0[k], g0[k] = rng.NormFloat64(), rng.Float64()
					}
					ia, ga := append([]float64(nil), i0...), append([]float64(nil), g0...)
					ib, gb := append([]float64(nil), i0...), append([]float64(nil), g0...)
					mk.Current(s, ia, ga)
					saved := isa
					isa = cpuisa.Generic
					mk.Current(s, ib, gb)
					isa = saved
					for k := range ia {
						if !sameBits(ia[k], ib[k]) || !sameBits(ga[k], gb[k]) {
							t.Errorf("%s %s n=%d consecutive=%v node %d: i %v g %v, Go loop i %v g %v", isa.String(), name, n,
								consecutive, k, ia[k], ga[k], ib[k], gb[k])
						}
					}
				}
			}
		}
	})
}

// TestAdvanceAll compares AdvanceAll, which batches NaTs2_t, Ih, Im and
// Kv3_1 into one call of the kernels, with every mechanism's Advance in
// turn on the Go loops, bit for bit, over several steps of a set of
// mechanisms like a dendrite's and a soma's, with voltages that make the
// kernels stop (singular, out of the exponential's range).
func TestAdvanceAll(t *testing.T) {
	eachISA(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 18))
		const n = 70
		s := newState(n, 0, 1e-4, 34)
		for i := range s.V {
			s.V[i] = -100 + 150*rng.Float64()
		}
		s.V[3], s.V[40], s.V[41], s.V[60] = -32, -60, 1e4, -154.9
		nodes := make([]int, n)
		for i := range nodes {
			nodes[i] = i
		}
		mk := func() []Mechanism {
			var ms []Mechanism
			for _, name := range []string{"pas", "CaDynamics", "Ca_HVA", "Ih", "Im", "K_Pst", "Kv3_1", "NaTs2_t", "SK", "Kv3_1"} {
				ms = append(ms, mustKind(t, name).New(nodes))
			}
			for _, m := range ms {
				m.Init(s)
			}
			return ms
		}
		a, b := mk(), mk()
		for step := range 5 {
			AdvanceAll(a, s, 0.025)
			saved := isa
			isa = cpuisa.Generic
			for _, m := range b {
				m.Advance(s, 0.025)
			}
			isa = saved
			for j := range a {
				ga, gb := gatesOf(a[j]), gatesOf(b[j])
				for q := range ga {
					for k := range ga[q] {
						if !sameBits(ga[q][k], gb[q][k]) {
							t.Fatalf("%s step %d %s state %d node %d: %v, one by one %v", isa.String(), step, a[j].Kind().Name, q, k, ga[q][k], gb[q][k])
						}
					}
				}
			}
		}
	})
}

// gatesOf returns the gates of the batched kinds, nil for the others
// (whose Advance AdvanceAll calls as such; they share s.Cai between the
// two sets here, which the batched kinds do not read).
func gatesOf(m Mechanism) [][]float64 {
	switch m.(type) {
	case *naTs2t, *ih, *im, *kv31:
		return gates(m)
	}
	return nil
}
