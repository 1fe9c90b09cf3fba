package sim

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/noble-neuro/noble/cable"
)

// cylinderTree returns one unbranched section of type typ, length L µm and
// diameter diam µm, discretised as NEURON's nrn_area_ri discretises a
// section without 3-D points: areas π·diam·dx, half-segment resistances
// 1e-2·ra·(dx/2)/(π·diam²/4) MΩ. Node 0 is the root (x = 0), nodes 1…nseg
// the segment centres, nseg+1 the x = 1 end.
func cylinderTree(typ string, L, diam, ra float64, nseg int) *cable.Tree {
	n := nseg + 2
	t := &cable.Tree{
		Parent:  make([]int, n),
		Area:    make([]float64, n),
		Ri:      make([]float64, n),
		Section: make([]int, n),
		X:       make([]float64, n),
	}
	dx := L / float64(nseg)
	half := 1e-2 * ra * (dx / 2) / (math.Pi * diam * diam / 4)
	s := cable.Section{Name: typ + "[0]", Type: typ, L: L, Ra: ra, Nseg: nseg, End: nseg + 1}
	t.Parent[0] = -1
	for j := 1; j <= nseg; j++ {
		t.Parent[j] = j - 1
		t.Area[j] = math.Pi * diam * dx
		t.Ri[j] = half + half
		t.X[j] = (float64(j) - 0.5) / float64(nseg)
		s.Nodes = append(s.Nodes, j)
	}
	t.Ri[1] = half
	t.Parent[n-1] = n - 2
	t.Ri[n-1] = half
	t.X[n-1] = 1
	t.Sections = []cable.Section{s}
	return t
}

// passiveParams is pas only, with g (S/cm²), e (mV), cm (µF/cm²), Ra (Ω·cm).
func passiveParams(g, e, cm, ra, vinit float64) *Params {
	return &Params{File: "passive", Ra: ra, Celsius: 34, VInit: vinit, Genome: []Gene{
		{Section: "soma", Name: "g_pas", Value: g},
		{Section: "soma", Name: "e_pas", Value: e},
		{Section: "soma", Name: "cm", Value: cm},
	}}
}

// A passive isopotential compartment relaxes as backward Euler prescribes:
// v_k − e = (v0 − e)·(1 + dt/τ)^−k with τ = cm/g_pas.
func TestPassiveDecayBackwardEuler(t *testing.T) {
	t.Parallel()
	const g, e, cm, v0, dt = 1e-4, -70.0, 1.5, -60.0, 0.025
	m, err := newModel(cylinderTree("soma", 20, 20, 100, 1), passiveParams(g, e, cm, 100, v0))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := m.Simulate(context.Background(), Protocol{Dt: dt, TStop: 100, Amp: 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tau := 1e-3 * cm / g // ms
	if len(tr) != 4001 {
		t.Fatalf("len = %d, want 4001", len(tr))
	}
	for k, v := range tr {
		want := e + (v0-e)*math.Pow(1+dt/tau, -float64(k))
		// float64 rounding over k steps: ~k·1e-16 relative of 10 mV.
		if math.Abs(v-want) > 1e-10 {
			t.Fatalf("v[%d] = %.15g, want %.15g (backward Euler, τ = %g ms)", k, v, want, tau)
		}
	}
}

// A sealed passive cylinder injected at its middle has the input resistance
// of two half-cables in parallel, R∞·coth(l/λ)/2 with l = L/2, and after the
// current stops it decays with the membrane time constant τ = cm/g_pas
// (the uniform mode outlives the others by far).
func TestPassiveCable(t *testing.T) {
	t.Parallel()
	const (
		L, diam, ra = 1000.0, 2.0, 100.0 // µm, µm, Ω·cm
		g, e, cm    = 1e-4, -70.0, 1.0   // S/cm², mV, µF/cm²
		amp, dt     = 0.1, 0.025         // nA, ms
		nseg        = 201
	)
	m, err := newModel(cylinderTree("soma", L, diam, ra, nseg), passiveParams(g, e, cm, ra, e))
	if err != nil {
		t.Fatal(err)
	}
	p := Protocol{Dt: dt, TStop: 400, Delay: -1, Dur: 301, Amp: amp}
	tr, err := m.Simulate(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Cable theory (cm units): λ = √(Rm·d/(4·Ra)), r_a = 4·Ra/(π·d²) Ω/cm.
	rm := 1 / g
	d := diam * 1e-4
	lambda := math.Sqrt(rm * d / (4 * ra))
	rInf := 4 * ra / (math.Pi * d * d) * lambda // Ω
	rIn := rInf / math.Tanh(L/2*1e-4/lambda) / 2 / 1e6
	// The stimulus is on for t_mid in [−1, 300): read v at t = 300 ms
	// (step 12,000, 30 τ after onset: the transient has decayed to e^−30).
	kOff := 12000
	got := (tr[kOff] - e) / amp
	// Spatial discretisation error of the centred second difference:
	// (dx/λ)²/12 ≈ 2e-6 relative; allow 1e-4.
	if math.Abs(got-rIn)/rIn > 1e-4 {
		t.Errorf("input resistance = %.6g MΩ, want %.6g MΩ (cable theory)", got, rIn)
	}
	// Decay after the stimulus: ratio over 10 ms late in the decay.
	tau := 1e-3 * cm / g
	k1, k2 := 14000, 15600 // t = 350 and 390 ms (stimulus off at t_mid ≥ 300)
	ratio := (tr[k2] - e) / (tr[k1] - e)
	steps := float64(k2 - k1)
	wantBE := math.Pow(1+dt/tau, -steps) // backward Euler on the uniform mode
	if math.Abs(ratio-wantBE) > 1e-6*wantBE {
		t.Errorf("decay ratio over %v steps = %.9g, want %.9g (backward Euler, τ = %g ms)", steps, ratio, wantBE, tau)
	}
	tauFit := -steps * dt / math.Log(ratio)
	// Backward Euler lengthens τ by dt/2 to first order: 10.0125 ms.
	if math.Abs(tauFit-tau) > dt {
		t.Errorf("fitted τ = %.6g ms, want %g ms ± dt", tauFit, tau)
	}
}

// hhParams is a single compartment with HH-type K, h and Ca channels and
// calcium dynamics (pas, Kv3_1, K_Tst, Ih, Ca_HVA, CaDynamics, SK).
func hhParams() *Params {
	return &Params{File: "hh", Ra: 100, Celsius: 34, VInit: -70,
		Erev: []Erev{{Section: "soma", Ena: 53, Ek: -90}},
		Genome: []Gene{
			{Section: "soma", Name: "g_pas", Value: 1e-4},
			{Section: "soma", Name: "e_pas", Value: -75},
			{Section: "soma", Name: "cm", Value: 1},
			{Section: "soma", Name: "gbar_Kv3_1", Value: 0.01, Mechanism: "Kv3_1"},
			{Section: "soma", Name: "gbar_K_Tst", Value: 0.005, Mechanism: "K_Tst"},
			{Section: "soma", Name: "gbar_Ih", Value: 2e-4, Mechanism: "Ih"},
			{Section: "soma", Name: "gbar_Ca_HVA", Value: 5e-4, Mechanism: "Ca_HVA"},
			{Section: "soma", Name: "gamma_CaDynamics", Value: 0.05, Mechanism: "CaDynamics"},
			{Section: "soma", Name: "decay_CaDynamics", Value: 50},
			{Section: "soma", Name: "gbar_SK", Value: 0.002, Mechanism: "SK"},
		}}
}

// hhReference integrates the same compartment as hhParams by classical
// fourth-order Runge-Kutta with step h, written from the mechanisms' NMODL
// files independently of package mech, and returns v every dt.
func hhReference(area, amp, delay, dur, tstop, dt, h float64) []float64 {
	const (
		cm, gpas, epas, ek           = 1.0, 1e-4, -75.0, -90.0
		gKv, gKT, gIh, gCa, gSK      = 0.01, 0.005, 2e-4, 5e-4, 0.002
		gamma, decay, depth, minCai  = 0.05, 50.0, 0.1, 1e-4
		celsius, ehcn, cao           = 34.0, -45.0, 2.0
		faradayC                     = 1.602176634e-19 * 6.02214076e+23
		rGas                         = 1.380649e-23 * 6.02214076e+23
		iKv, iMT, iHT, iMH, iMC, iHC = 1, 2, 3, 4, 5, 6
		iCa, iZ, nState              = 7, 8, 9
	)
	vtrap := func(x, y float64) float64 {
		if math.Abs(x/y) < 1e-6 {
			return y * (1 - x/y/2)
		}
		return x / (math.Exp(x/y) - 1)
	}
	qtT := math.Pow(2.3, (34.0-21)/10)
	type rate struct{ inf, tau float64 }
	rates := func(v, cai float64) [nState]rate {
		var r [nState]rate
		r[iKv] = rate{1 / (1 + math.Exp((v-18.7)/-9.7)), 0.2 * 20 / (1 + math.Exp((v+46.56)/-44.14))}
		vv := v + 10
		r[iMT] = rate{1 / (1 + math.Exp(-vv/19)), (0.34 + 0.92*math.Exp(-math.Pow((vv+71)/59, 2))) / qtT}
		r[iHT] = rate{1 / (1 + math.Exp(-(vv+66)/-10)), (8 + 49*math.Exp(-math.Pow((vv+73)/23, 2))) / qtT}
		a, b := 0.001*6.43*vtrap(v+154.9, 11.9), 0.001*193*math.Exp(v/33.1)
		r[iMH] = rate{a / (a + b), 1 / (a + b)}
		a, b = 0.055*vtrap(-27-v, 3.8), 0.94*math.Exp((-75-v)/17)
		r[iMC] = rate{a / (a + b), 1 / (a + b)}
		a, b = 0.000457*math.Exp((-13-v)/50), 0.0065/(math.Exp((-v-15)/28)+1)
		r[iHC] = rate{a / (a + b), 1 / (a + b)}
		ca := cai
		if ca < 1e-7 {
			ca += 1e-7
		}
		r[iZ] = rate{1 / (1 + math.Pow(0.00043/ca, 4.8)), 1}
		return r
	}
	eca := func(cai float64) float64 {
		return 1000 * rGas * (celsius + 273.15) / faradayC / 2 * math.Log(cao/cai)
	}
	deriv := func(t float64, y [nState]float64) [nState]float64 {
		v, cai := y[0], y[iCa]
		r := rates(v, cai)
		var dy [nState]float64
		for _, k := range []int{iKv, iMT, iHT, iMH, iMC, iHC, iZ} {
			dy[k] = (r[k].inf - y[k]) / r[k].tau
		}
		ica := gCa * y[iMC] * y[iMC] * y[iHC] * (v - eca(cai))
		i := gpas*(v-epas) + gKv*y[iKv]*(v-ek) + gKT*math.Pow(y[iMT], 4)*y[iHT]*(v-ek) +
			gIh*y[iMH]*(v-ehcn) + ica + gSK*y[iZ]*(v-ek)
		if t >= delay && t < delay+dur {
			i -= amp * 100 / area
		}
		dy[0] = -i / (1e-3 * cm)
		dy[iCa] = -10000*(ica*gamma/(2*faradayC*depth)) - (cai-minCai)/decay
		return dy
	}
	var y [nState]float64
	y[0], y[iCa] = -70, minCai
	r := rates(y[0], y[iCa])
	for _, k := range []int{iKv, iMT, iHT, iMH, iMC, iHC, iZ} {
		y[k] = r[k].inf
	}
	nOut := int(math.Round(tstop/dt)) + 1
	out := make([]float64, 0, nOut)
	per := int(math.Round(dt / h))
	add := func(a [nState]float64, s float64, b [nState]float64) [nState]float64 {
		for i := range a {
			a[i] += s * b[i]
		}
		return a
	}
	t := 0.0
	for k := 0; k < nOut; k++ {
		out = append(out, y[0])
		for j := 0; j < per && k < nOut-1; j++ {
			k1 := deriv(t, y)
			k2 := deriv(t+h/2, add(y, h/2, k1))
			k3 := deriv(t+h/2, add(y, h/2, k2))
			k4 := deriv(t+h, add(y, h, k3))
			for i := range y {
				y[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
			}
			t += h
		}
	}
	return out
}

// NEURON's scheme is first order in dt: against a high-accuracy
// integration of the same equations, the error must be small and halve
// when dt halves. This checks the staggering, the stimulus timing, the Ca
// coupling (Nernst eca, CaDynamics, SK) and the signs of every term.
func TestSingleCompartmentHH(t *testing.T) {
	if testing.Short() {
		t.Skip("RK4 reference takes a second")
	}
	t.Parallel()
	const diam, amp, delay, dur, tstop = 20.0, 0.3, 5.0, 40.0, 80.0
	tree := cylinderTree("soma", diam, diam, 100, 1)
	m, err := newModel(tree, hhParams())
	if err != nil {
		t.Fatal(err)
	}
	area := tree.Area[1]
	ref := hhReference(area, amp, delay, dur, tstop, 0.005, 0.0005)
	sim := func(dt float64) []float64 {
		tr, err := m.Simulate(context.Background(), Protocol{Dt: dt, TStop: tstop, Delay: delay, Dur: dur, Amp: amp}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	// at returns tr (step dt) at the reference's sample r (step 0.005 ms).
	at := func(tr []float64, dt float64, r int) float64 { return tr[r/int(math.Round(dt/0.005))] }
	v20, v10, v05 := sim(0.02), sim(0.01), sim(0.005)
	var e20, e10, e05, rich float64
	vmax := math.Inf(-1)
	for r := 0; r < len(ref); r += 4 { // every 0.02 ms
		vmax = math.Max(vmax, ref[r])
		e20 = math.Max(e20, math.Abs(at(v20, 0.02, r)-ref[r]))
		e10 = math.Max(e10, math.Abs(at(v10, 0.01, r)-ref[r]))
		e05 = math.Max(e05, math.Abs(at(v05, 0.005, r)-ref[r]))
		// Richardson extrapolation of a first-order method: 2·v(dt/2) − v(dt).
		rich = math.Max(rich, math.Abs(2*at(v05, 0.005, r)-at(v10, 0.01, r)-ref[r]))
	}
	if vmax < -40 {
		t.Fatalf("reference peaks at %.2f mV: the test should activate Ca_HVA", vmax)
	}
	t.Logf("max |v − v_RK4|: dt 0.02: %.4g mV, 0.01: %.4g mV, 0.005: %.4g mV; Richardson(0.01, 0.005): %.3g mV; v peaks at %.2f mV",
		e20, e10, e05, rich, vmax)
	for _, r := range []float64{e20 / e10, e10 / e05} {
		if r < 1.7 || r > 2.3 {
			t.Errorf("error ratio when halving dt = %.3f, want ≈ 2 (first order)", r)
		}
	}
	// Removing the first-order term must leave a much smaller, second-order
	// error: any inconsistency (a wrong sign, a misplaced half step, a
	// stale eca) would leave an O(1) or O(dt) residue instead.
	if rich > e05/10 {
		t.Errorf("Richardson-extrapolated error %.3g mV is not ≪ the dt = 0.005 error %.3g mV", rich, e05)
	}
}

func TestStepAllocs(t *testing.T) {
	m, err := newModel(cylinderTree("soma", 20, 20, 100, 3), hhParams())
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorkspace(m)
	if err := w.Init(Protocol{Amp: 0.1}); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(100, func() {
		if err := w.Step(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Step allocates %v times, want 0", a)
	}
}

func TestDivergence(t *testing.T) {
	// A parameter file cannot hold a non-finite value (the parser refuses
	// it); poison the model directly and check that the error names the
	// compartment and the step instead of returning a NaN trace.
	p := passiveParams(1e-4, -70, 1, 100, -65)
	m, err := newModel(cylinderTree("soma", 20, 20, 100, 3), p)
	if err != nil {
		t.Fatal(err)
	}
	m.mechs[0].params[0][2] = math.Inf(1) // g_pas of soma[0](5/6)
	_, err = m.Simulate(context.Background(), Protocol{TStop: 515, Amp: 0.1}, nil)
	var de *DivergenceError
	if !errors.As(err, &de) || !errors.Is(err, ErrDiverged) {
		t.Fatalf("err = %v, want *DivergenceError", err)
	}
	if de.Where != "soma[0](0.8333)" || de.Step != 1 {
		t.Errorf("divergence reported at %s step %d, want soma[0](0.8333) step 1: %v", de.Where, de.Step, err)
	}
}
