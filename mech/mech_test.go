package mech

import (
	"math"
	"testing"
)

// hhCase describes a mechanism with Hodgkin-Huxley gates for the generic
// tests: its gate state slices and their x∞, τ at (v, cai, celsius).
type hhCase struct {
	name  string
	gates func(m Mechanism) [][]float64
	rates func(v, cai, celsius float64) (inf, tau []float64)
}

var hhCases = []hhCase{
	{"Kv3_1", func(m Mechanism) [][]float64 { c := m.(*kv31); return [][]float64{c.m} },
		func(v, _, _ float64) ([]float64, []float64) {
			i, t := kv31Rates(v)
			return []float64{i}, []float64{t}
		}},
	{"Ih", func(m Mechanism) [][]float64 { c := m.(*ih); return [][]float64{c.m} },
		func(v, _, _ float64) ([]float64, []float64) {
			i, t := ihRates(v)
			return []float64{i}, []float64{t}
		}},
	{"Im_v2", func(m Mechanism) [][]float64 { c := m.(*imV2); return [][]float64{c.m} },
		func(v, _, cel float64) ([]float64, []float64) {
			i, t := imV2Rates(v, math.Pow(2.3, (cel-30)/10))
			return []float64{i}, []float64{t}
		}},
	{"K_Pst", func(m Mechanism) [][]float64 { c := m.(*kPst); return [][]float64{c.m, c.h} },
		func(v, _, _ float64) ([]float64, []float64) {
			mi, mt, hi, ht := kPstRates(v)
			return []float64{mi, hi}, []float64{mt, ht}
		}},
	{"K_Tst", func(m Mechanism) [][]float64 { c := m.(*kTst); return [][]float64{c.m, c.h} },
		func(v, _, _ float64) ([]float64, []float64) {
			mi, mt, hi, ht := kTstRates(v)
			return []float64{mi, hi}, []float64{mt, ht}
		}},
	{"Kd", func(m Mechanism) [][]float64 { c := m.(*kd); return [][]float64{c.m, c.h} },
		func(v, _, _ float64) ([]float64, []float64) {
			mi, hi := kdRates(v)
			return []float64{mi, hi}, []float64{1, 1500}
		}},
	{"Kv2like", func(m Mechanism) [][]float64 { c := m.(*kv2like); return [][]float64{c.m, c.h1, c.h2} },
		func(v, _, cel float64) ([]float64, []float64) {
			mi, mt, hi, t1, t2 := kv2likeRates(v, math.Pow(2.3, (cel-21)/10))
			return []float64{mi, hi, hi}, []float64{mt, t1, t2}
		}},
	{"Ca_HVA", func(m Mechanism) [][]float64 { c := m.(*caHVA); return [][]float64{c.m, c.h} },
		func(v, _, _ float64) ([]float64, []float64) {
			mi, mt, hi, ht := caHVARates(v)
			return []float64{mi, hi}, []float64{mt, ht}
		}},
	{"Ca_LVA", func(m Mechanism) [][]float64 { c := m.(*caLVA); return [][]float64{c.m, c.h} },
		func(v, _, cel float64) ([]float64, []float64) {
			mi, mt, hi, ht := caLVARates(v, math.Pow(2.3, (cel-21)/10))
			return []float64{mi, hi}, []float64{mt, ht}
		}},
	{"Im", func(m Mechanism) [][]float64 { c := m.(*im); return [][]float64{c.m} },
		func(v, _, cel float64) ([]float64, []float64) {
			i, t := imRates(v, math.Pow(2.3, (cel-21)/10))
			return []float64{i}, []float64{t}
		}},
	{"NaTs2_t", func(m Mechanism) [][]float64 { c := m.(*naTs2t); return [][]float64{c.m, c.h} },
		func(v, _, _ float64) ([]float64, []float64) {
			mi, mt, hi, ht := naTs2tRates(v)
			return []float64{mi, hi}, []float64{mt, ht}
		}},
	{"Nap_Et2", func(m Mechanism) [][]float64 { c := m.(*napEt2); return [][]float64{c.m, c.h} },
		func(v, _, _ float64) ([]float64, []float64) {
			mi, mt, hi, ht := napEt2Rates(v)
			return []float64{mi, hi}, []float64{mt, ht}
		}},
	{"SK", func(m Mechanism) [][]float64 { c := m.(*sk); return [][]float64{c.z} },
		func(_, cai, _ float64) ([]float64, []float64) {
			return []float64{skZInf(cai)}, []float64{1}
		}},
}

// newState returns a State of n nodes at v (mV) and cai (mM), with the
// reversal potentials of the mouse Pvalb models.
func newState(n int, v, cai, celsius float64) *State {
	s := &State{V: make([]float64, n), Cai: make([]float64, n), Ica: make([]float64, n),
		Eca: make([]float64, n), Ena: make([]float64, n), Ek: make([]float64, n), Celsius: celsius}
	for i := range n {
		s.V[i], s.Cai[i], s.Eca[i], s.Ena[i], s.Ek[i] = v, cai, 131, 53, -107
	}
	return s
}

func mustKind(t testing.TB, name string) *Kind {
	t.Helper()
	k, ok := Lookup(name)
	if !ok {
		t.Fatalf("no kind %s", name)
	}
	return k
}

// TestHHSteadyState: Init at v, then 10⁴ steps at the same v, leaves every
// gate at x∞(v) to 1e-12 (cnexp is exact for a constant v).
func TestHHSteadyState(t *testing.T) {
	t.Parallel()
	for _, tc := range hhCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []float64{-100, -80, -65, -40, -10, 20} {
				s := newState(2, v, 3e-4, 34)
				m := mustKind(t, tc.name).New([]int{0, 1})
				m.Init(s)
				inf, _ := tc.rates(v, 3e-4, 34)
				for range 10000 {
					m.Advance(s, 0.025)
				}
				for j, g := range tc.gates(m) {
					for _, x := range g {
						if math.Abs(x-inf[j]) > 1e-12 {
							t.Errorf("v=%g gate %d: %.15g after 1e4 steps, x∞ = %.15g", v, j, x, inf[j])
						}
					}
				}
			}
		})
	}
}

// TestHHRelaxation: after a jump from v1 to v2 every gate follows
// x∞(v2) + (x∞(v1) − x∞(v2))·exp(−t/τ(v2)) exactly at the step times.
func TestHHRelaxation(t *testing.T) {
	t.Parallel()
	const dt = 0.025
	for _, tc := range hhCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, jump := range [][4]float64{{-80, -20, 1e-4, 1e-3}, {-20, -90, 1e-3, 5e-5}, {-65, 10, 5e-4, 5e-4}} {
				v1, v2, c1, c2 := jump[0], jump[1], jump[2], jump[3]
				for _, cel := range []float64{21, 34} {
					s := newState(1, v1, c1, cel)
					m := mustKind(t, tc.name).New([]int{0})
					m.Init(s)
					s.V[0], s.Cai[0] = v2, c2
					inf1, _ := tc.rates(v1, c1, cel)
					inf2, tau2 := tc.rates(v2, c2, cel)
					for n := 1; n <= 400; n++ {
						m.Advance(s, dt)
						if n%100 != 0 {
							continue
						}
						for j, g := range tc.gates(m) {
							want := inf2[j] + (inf1[j]-inf2[j])*math.Exp(-float64(n)*dt/tau2[j])
							if math.Abs(g[0]-want) > 1e-12 {
								t.Errorf("%g→%g mV at %g °C, t=%g ms, gate %d: %.15g, want %.15g",
									v1, v2, cel, float64(n)*dt, j, g[0], want)
							}
						}
					}
				}
			}
		})
	}
}

// TestRatesByHand checks rate expressions at voltages where the .mod
// formulas reduce to simple numbers (worked out by hand from the files).
func TestRatesByHand(t *testing.T) {
	t.Parallel()
	qtK := math.Pow(2.3, 1.3) // K_Pst/K_Tst: 2.3^((34−21)/10)
	first := func(a, _ float64) float64 { return a }
	second := func(_, b float64) float64 { return b }
	mi := func(a, _, _, _ float64) float64 { return a }
	mt := func(_, b, _, _ float64) float64 { return b }
	hi := func(_, _, c, _ float64) float64 { return c }
	ht := func(_, _, _, d float64) float64 { return d }
	kv2 := func(v, qt float64) []float64 {
		a, b, c, d, e := kv2likeRates(v, qt)
		return []float64{a, b, c, d, e}
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"Kv3_1 m∞(18.7)", first(kv31Rates(18.7)), 0.5},
		{"Kv3_1 τm(−46.56)", second(kv31Rates(-46.56)), 2},
		// vtrap singular branch: vtrap(0, 11.9) = 11.9.
		{"Ih τm(−154.9)", second(ihRates(-154.9)), 1 / (0.001*6.43*11.9 + 0.193*math.Exp(-154.9/33.1))},
		{"Ih m∞(−154.9)", first(ihRates(-154.9)), 0.076517 / (0.076517 + 0.193*math.Exp(-154.9/33.1))},
		{"Ih m∞(0)", first(ihRates(0)), (0.00643 * 154.9 / (math.Exp(154.9/11.9) - 1)) / (0.00643*154.9/(math.Exp(154.9/11.9)-1) + 0.193)},
		{"Im_v2 m∞(−48)", first(imV2Rates(-48, 1)), 0.5},
		{"Im_v2 τm(−48) at 30 °C", second(imV2Rates(-48, 1)), 15 + 1/0.014},
		{"K_Pst m∞(−11)", mi(kPstRates(-11)), 0.5},
		{"K_Pst h∞(−64)", hi(kPstRates(-64)), 0.5},
		{"K_Pst τm(−60), v' = −50 upper branch", mt(kPstRates(-60)), (1.25 + 13*math.Exp(1.3)) / qtK},
		{"K_Pst τm(−70), lower branch", mt(kPstRates(-70)), (1.25 + 175.03*math.Exp(-1.56)) / qtK},
		{"K_Pst τh(−85)", ht(kPstRates(-85)), (360 + (1010 - 24*20)) / qtK},
		{"K_Tst m∞(−10)", mi(kTstRates(-10)), 0.5},
		{"K_Tst h∞(−76)", hi(kTstRates(-76)), 0.5},
		{"K_Tst τm(−81)", mt(kTstRates(-81)), 1.26 / qtK},
		{"K_Tst τh(−83)", ht(kTstRates(-83)), 57 / qtK},
		{"Kd m∞(−43)", first(kdRates(-43)), 0.5},
		{"Kd h∞(−67)", second(kdRates(-67)), 0.5},
		{"Kv2like m∞(43), vtrap(0, 11) = 11", kv2(43, 1)[0], 1.32 / (1.32 + 0.02*math.Exp(-44.27/120))},
		{"Kv2like τm(43) at 21 °C", kv2(43, 1)[1], 2.5 / (1.32 + 0.02*math.Exp(-44.27/120))},
		{"Kv2like h∞(−58)", kv2(-58, 1)[2], 0.5},
		{"Kv2like τh1(−75)", kv2(-75, 2)[3], (360 + 1010 - 23.7*21) / 2},
		{"Kv2like τh2(0)", kv2(0, 2)[4], (2350 + 1380 - 210) / 2},
		{"Kv2like τh2(−150) < 0 → 1e-3", kv2(-150, 1)[4], 1e-3},
		{"Ca_HVA m∞(−27), vtrap(0, 3.8)", mi(caHVARates(-27)), 0.209 / (0.209 + 0.94*math.Exp(-48.0/17))},
		{"Ca_HVA h∞(−15)", hi(caHVARates(-15)), 0.000457 * math.Exp(2.0/50) / (0.000457*math.Exp(2.0/50) + 0.00325)},
		{"Ca_LVA m∞(−40)", mi(caLVARates(-40, 1)), 0.5},
		{"Ca_LVA h∞(−90)", hi(caLVARates(-90, 1)), 0.5},
		{"Ca_LVA τm(−35) at 21 °C", mt(caLVARates(-35, 1)), 15},
		{"Ca_LVA τh(−50) at 31 °C", ht(caLVARates(-50, 2.3)), 45 / 2.3},
		{"SK z∞(0.43 µM)", skZInf(0.00043), 0.5},

		// NaTs2_t. With x = v + 32 and e = exp(−x/6): mα = 0.182x/(1 − e),
		// mβ = −0.124x/(1 − 1/e). At x = 6·ln 2, e = 1/2: mα = 0.364x,
		// mβ = 0.124x, m∞ = 0.364/0.488, τm = 1/(0.488x)/qt.
		{"NaTs2_t m∞(−32 + 6 ln 2)", mi(naTs2tRates(-32 + 6*math.Ln2)), 0.364 / 0.488},
		{"NaTs2_t τm(−32 + 6 ln 2)", mt(naTs2tRates(-32 + 6*math.Ln2)), 1 / (0.488 * 6 * math.Ln2) / qtK},
		// With y = v + 60, f = exp(y/6): hα = −0.015y/(1 − f), hβ =
		// 0.015y/(1 − 1/f), h∞ = 1/(1 + f); at y = 6·ln 2, f = 2: h∞ = 1/3,
		// hα + hβ = 0.015y·3, τh = 1/(0.045y)/qt.
		{"NaTs2_t h∞(−60 + 6 ln 2)", hi(naTs2tRates(-60 + 6*math.Ln2)), 1. / 3},
		{"NaTs2_t τh(−60 + 6 ln 2)", ht(naTs2tRates(-60 + 6*math.Ln2)), 1 / (0.045 * 6 * math.Ln2) / qtK},
		// Nap_Et2: m∞ and h∞ are Boltzmann functions centred at −52.6 and
		// −48.8 mV; τm is NaTs2_t's m rates shifted to −38 mV, times 6.
		{"Nap_Et2 m∞(−52.6)", mi(napEt2Rates(-52.6)), 0.5},
		{"Nap_Et2 h∞(−48.8)", hi(napEt2Rates(-48.8)), 0.5},
		{"Nap_Et2 τm(−38 + 6 ln 2)", mt(napEt2Rates(-38 + 6*math.Ln2)), 6 / (0.488 * 6 * math.Ln2) / qtK},
		// Im: mα = 3.3e-3·exp(0.1(v + 35)), mβ = 3.3e-3·exp(−0.1(v + 35));
		// at −35 mV both are 3.3e-3: m∞ = 1/2, τm = 1/6.6e-3 ms at 21 °C.
		{"Im m∞(−35)", first(imRates(-35, 1)), 0.5},
		{"Im τm(−35) at 21 °C", second(imRates(-35, 1)), 1 / 6.6e-3},
		{"Im m∞(−35 + 10 ln 2)", first(imRates(-35+10*math.Ln2, 1)), 0.8},

		{"SK z∞(0): cai + 1e-7", skZInf(0), 1 / (1 + math.Pow(4300, 4.8))},
		{"SK z∞(1e-7) unshifted", skZInf(1e-7), 1 / (1 + math.Pow(4300, 4.8))},
		{"vtrap(1e-7, 1) expansion", vtrap(1e-7, 1), 1 - 0.5e-7},
		{"vtrap(1, 1)", vtrap(1, 1), 1 / (math.E - 1)},
	}
	for _, tc := range tests {
		// Relative: some values (SK z∞ at cai ≈ 0) are ~1e-18.
		if math.Abs(tc.got-tc.want) > 1e-12*math.Abs(tc.want) {
			t.Errorf("%s = %.15g, want %.15g", tc.name, tc.got, tc.want)
		}
	}
}

// TestTemperature checks the qt factors computed at Init and that K_Pst,
// K_Tst, Kd, Kv3_1, Ih, Ca_HVA, NaTs2_t, Nap_Et2 do not depend on celsius.
func TestTemperature(t *testing.T) {
	t.Parallel()
	s := newState(1, -70, 1e-4, 34)
	for _, tc := range []struct {
		name string
		qt   func(Mechanism) float64
		want float64
	}{
		{"Im_v2", func(m Mechanism) float64 { return m.(*imV2).qt }, math.Pow(2.3, 0.4)},
		{"Kv2like", func(m Mechanism) float64 { return m.(*kv2like).qt }, math.Pow(2.3, 1.3)},
		{"Ca_LVA", func(m Mechanism) float64 { return m.(*caLVA).qt }, math.Pow(2.3, 1.3)},
		{"NaV", func(m Mechanism) float64 { return m.(*naV).qt }, math.Pow(2.3, -0.3)},
		{"Im", func(m Mechanism) float64 { return m.(*im).qt }, math.Pow(2.3, 1.3)},
	} {
		m := mustKind(t, tc.name).New([]int{0})
		m.Init(s)
		if got := tc.qt(m); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%s qt at 34 °C = %.17g, want %.17g", tc.name, got, tc.want)
		}
	}
	if math.Abs(kPstQt-2.3*math.Pow(2.3, 0.3)) > 1e-14 {
		t.Errorf("K_Pst qt = %.17g, want 2.3^1.3", kPstQt)
	}
	// Temperature-independent mechanisms give identical states at 6.3 and 37 °C.
	for _, name := range []string{"K_Pst", "K_Tst", "Kd", "Kv3_1", "Ih", "Ca_HVA", "SK", "NaTs2_t", "Nap_Et2"} {
		var got [2][]float64
		for i, cel := range []float64{6.3, 37} {
			s := newState(1, -70, 1e-4, cel)
			m := mustKind(t, name).New([]int{0})
			m.Init(s)
			s.V[0], s.Cai[0] = -10, 1e-3
			for range 100 {
				m.Advance(s, 0.025)
			}
			for _, g := range hhCaseOf(t, name).gates(m) {
				got[i] = append(got[i], g[0])
			}
		}
		for j := range got[0] {
			if got[0][j] != got[1][j] {
				t.Errorf("%s gate %d depends on celsius: %g vs %g", name, j, got[0][j], got[1][j])
			}
		}
	}
}

func hhCaseOf(t testing.TB, name string) hhCase {
	for _, c := range hhCases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no hh case %s", name)
	return hhCase{}
}

// TestCurrents checks i and g of every mechanism against the formulas, and
// g against NEURON's finite difference (i(v+0.001) − i(v))/0.001, at
// arbitrary states; calcium channels add to Ica, others do not.
func TestCurrents(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			s := newState(3, -60, 2e-4, 34)
			nodes := []int{2, 0}
			m := k.New(nodes)
			for _, p := range k.Params {
				if p.Name == "gbar" || p.Name == "g" {
					m.Param(p.Name)[0], m.Param(p.Name)[1] = 0.01, 0.02
				}
			}
			m.Init(s)
			s.V[0], s.V[2] = -20, 10
			m.Advance(s, 0.1) // move away from steady state
			cur := func(dv float64) (i, g, ica []float64) {
				i, g = make([]float64, 3), make([]float64, 3)
				for n := range s.V {
					s.V[n] += dv
					s.Ica[n] = 0
				}
				m.Current(s, i, g)
				for n := range s.V {
					s.V[n] -= dv
				}
				return i, g, append([]float64(nil), s.Ica...)
			}
			i0, g0, ica := cur(0)
			i1, _, _ := cur(0.001)
			if i0[1] != 0 || g0[1] != 0 {
				t.Errorf("node 1 (not inserted) got i %g g %g", i0[1], g0[1])
			}
			for _, n := range nodes {
				fd := (i1[n] - i0[n]) / 0.001
				if math.Abs(fd-g0[n]) > 1e-9*max(math.Abs(g0[n]), 1e-12) {
					t.Errorf("node %d: g = %.15g, finite difference %.15g", n, g0[n], fd)
				}
				e := map[string]float64{"pas": -70, "Ih": -45, "NaV": 53, "NaTs2_t": 53, "Nap_Et2": 53, "Ca_HVA": 131, "Ca_LVA": 131}[k.Name]
				if e == 0 {
					e = -107
				}
				if k.Name == "CaDynamics" {
					if i0[n] != 0 || g0[n] != 0 {
						t.Errorf("CaDynamics has a current: %g", i0[n])
					}
					continue
				}
				if want := g0[n] * (s.V[n] - e); math.Abs(i0[n]-want) > 1e-15 {
					t.Errorf("node %d: i = %g, g·(v−e) = %g", n, i0[n], want)
				}
				if g0[n] <= 0 {
					t.Errorf("node %d: g = %g ≤ 0", n, g0[n])
				}
				wantIca := 0.0
				if k.Ions&Ca != 0 && k.Name != "SK" {
					wantIca = i0[n]
				}
				if ica[n] != wantIca {
					t.Errorf("node %d: Ica = %g, want %g", n, ica[n], wantIca)
				}
			}
		})
	}
}

// TestCaDynamics checks Init (cai = minCai, as the INITIAL block; NEURON
// 8.2.2 confirms it) and the exact exponential approach to
// minCai − 10000·ica·gamma·decay/(2·F·depth) under a constant ica.
func TestCaDynamics(t *testing.T) {
	t.Parallel()
	s := newState(2, -65, 5e-5, 34)
	m := mustKind(t, "CaDynamics").New([]int{1})
	m.Param("minCai")[0] = 2e-4
	m.Param("gamma")[0] = 0.02
	m.Param("decay")[0] = 150
	m.Param("depth")[0] = 0.2
	m.Init(s)
	if s.Cai[1] != 2e-4 || s.Cai[0] != 5e-5 {
		t.Fatalf("Init: cai = %v, want [5e-5 2e-4]", s.Cai)
	}
	for range 10000 { // ica = 0: stays at minCai
		m.Advance(s, 0.025)
	}
	if s.Cai[1] != 2e-4 {
		t.Fatalf("cai drifted at rest to %.17g", s.Cai[1])
	}
	const ica = -0.003 // mA/cm², inward
	s.Ica[1] = ica
	cinf := 2e-4 - 10000*ica*0.02*150/(2*96485.3321233100184*0.2)
	for n := 1; n <= 20000; n++ {
		m.Advance(s, 0.025)
		if n%5000 == 0 {
			want := cinf + (2e-4-cinf)*math.Exp(-float64(n)*0.025/150)
			if math.Abs(s.Cai[1]-want) > 1e-15 {
				t.Errorf("t=%g ms: cai = %.17g, want %.17g", float64(n)*0.025, s.Cai[1], want)
			}
		}
	}
}

// TestAllocs asserts Current and Advance of every mechanism allocate nothing.
func TestAllocs(t *testing.T) {
	for _, k := range Kinds() {
		s := newState(8, -65, 1e-4, 34)
		m := k.New([]int{0, 2, 4, 6, 7})
		m.Init(s)
		i, g := make([]float64, 8), make([]float64, 8)
		if a := testing.AllocsPerRun(100, func() { m.Current(s, i, g); m.Advance(s, 0.025) }); a != 0 {
			t.Errorf("%s: %g allocations per Current+Advance", k.Name, a)
		}
	}
}

// TestNernst checks eca against NEURON 8.2.2: 131.06344... mV at cai = 1e-4
// mM (the first row of testdata/neuron_cell.npy) and 132.45793416370090 mV
// at 2e-4 mM (NEURON: finitialize with minCai_CaDynamics = 2e-4), at 34 °C;
// and ca_ion's default eca (a section with Ca_HVA only) = 12.5·ln(2/5e-5).
func TestNernst(t *testing.T) {
	t.Parallel()
	c := loadNeuronCell(t)
	for _, tc := range []struct{ ci, want float64 }{
		{1e-4, c.at(0, "eca")},
		{2e-4, 121.89028512950458},
	} {
		if got := Nernst(tc.ci, Cao0, 2, 34); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Nernst(%g, 2, 2, 34) = %.17g, want %.17g", tc.ci, got, tc.want)
		}
	}
	if got := 12.5 * math.Log(Cao0/Cai0); math.Abs(got-Eca0) > 1e-13 {
		t.Errorf("Eca0 = %.17g, 12.5·ln(cao0/cai0) = %.17g", Eca0, got)
	}
	if Nernst(0, 2, 2, 34) != 1e6 || Nernst(1, 0, 2, 34) != -1e6 || Nernst(1, 2, 0, 34) != 0 {
		t.Error("Nernst guards differ from nrn_nernst")
	}
}

// TestSingularVoltages: at the voltages where the files' rate expressions
// are 0/0 (NaTs2_t −32 and −60 mV, Nap_Et2 −38, −17 and −64.4 mV) they move
// v by 1e-4 mV, so the rates are finite and within ~1e-5 relative of the
// limits, worked out by hand: x/(1 − exp(−x/k)) → k as x → 0, so NaTs2_t's
// mα → 0.182·6, mβ → 0.124·6 (m∞ → 1.092/1.836, τm → 1/1.836/qt) and hα,
// hβ → 0.015·6 (h∞ → 1/2, τh → 1/0.18/qt); Nap_Et2's hα → 2.88e-6·4.63 at
// −17 and hβ → 6.94e-6·2.63 at −64.4 mV.
func TestSingularVoltages(t *testing.T) {
	t.Parallel()
	qt := math.Pow(2.3, 1.3)
	mi := func(a, _, _, _ float64) float64 { return a }
	mt := func(_, b, _, _ float64) float64 { return b }
	hi := func(_, _, c, _ float64) float64 { return c }
	ht := func(_, _, _, d float64) float64 { return d }
	hb := func(v float64) float64 { return 6.94e-6 * (v + 64.4) / (1 - math.Exp(-(v+64.4)/2.63)) }
	ha := func(v float64) float64 { return -2.88e-6 * (v + 17) / (1 - math.Exp((v+17)/4.63)) }
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"NaTs2_t m∞(−32)", mi(naTs2tRates(-32)), 1.092 / 1.836},
		{"NaTs2_t τm(−32)", mt(naTs2tRates(-32)), 1 / 1.836 / qt},
		{"NaTs2_t h∞(−60)", hi(naTs2tRates(-60)), 0.5},
		{"NaTs2_t τh(−60)", ht(naTs2tRates(-60)), 1 / 0.18 / qt},
		{"Nap_Et2 τm(−38)", mt(napEt2Rates(-38)), 6 / 1.836 / qt},
		{"Nap_Et2 τh(−17)", ht(napEt2Rates(-17)), 1 / (2.88e-6*4.63 + hb(-17)) / qt},
		{"Nap_Et2 τh(−64.4)", ht(napEt2Rates(-64.4)), 1 / (ha(-64.4) + 6.94e-6*2.63) / qt},
	} {
		if !(math.Abs(tc.got-tc.want) <= 1e-4*math.Abs(tc.want)) {
			t.Errorf("%s = %.15g, limit %.15g", tc.name, tc.got, tc.want)
		}
	}
}
