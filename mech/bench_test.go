package mech

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// benchNodes is the number of compartments per benchmark op, about the size
// of the PVALB cells (91 and 127 compartments) rounded up.
const benchNodes = 128

// benchState returns a State of benchNodes nodes spread over −90…+30 mV.
func benchState() *State {
	s := newState(benchNodes, 0, 2e-4, 34)
	for i := range s.V {
		s.V[i] = -90 + 120*float64(i)/benchNodes
	}
	return s
}

// BenchmarkMechanisms measures Current + Advance of each mechanism on
// benchNodes compartments: ns per compartment-step.
func BenchmarkMechanisms(b *testing.B) {
	for _, k := range Kinds() {
		b.Run(k.Name, func(b *testing.B) {
			s := benchState()
			nodes := make([]int, benchNodes)
			for i := range nodes {
				nodes[i] = i
			}
			m := k.New(nodes)
			m.Init(s)
			i, g := make([]float64, benchNodes), make([]float64, benchNodes)
			b.ReportAllocs()
			ct := startCPU(b)
			for b.Loop() {
				m.Current(s, i, g)
				m.Advance(s, 0.025)
			}
			ct.report(b, benchNodes, "compartment-step")
		})
	}
}

var sinkY [naN]float64

// threadCPU returns the CPU time of the calling OS thread (Linux
// getrusage RUSAGE_THREAD), 0 where unavailable. The machine is shared, so
// benchmarks report it besides wall time. Its resolution is the kernel's
// accounting tick (a few ms): meaningful only for runs of ≥ 0.5 s.
func threadCPU() time.Duration {
	const rusageThread = 1
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTimer measures the thread CPU time of a benchmark loop: start it
// after setup, call report with the number of items per op.
type cpuTimer struct{ t0 time.Duration }

func startCPU(b *testing.B) *cpuTimer {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	return &cpuTimer{threadCPU()}
}

func (c *cpuTimer) report(b *testing.B, items float64, unit string) {
	cpu := threadCPU() - c.t0
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/items, "ns/"+unit)
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/items, "cpu-ns/"+unit)
	b.ReportMetric(0, "ns/op")
}

// BenchmarkNaVSolve compares one backward Euler step of the 12-state NaV
// scheme by the dedicated block solve (with the rates), one compartment at a
// time ("dedicated") and naChunk compartments at once ("chunked", what
// Advance uses, renormalising every naRenormEvery steps), against the dense
// 12×12 Gaussian elimination reference (also with the rates). Measured
// 2026-11-28, load ≈ 1, -benchtime 20000x: chunked 46, dedicated 114,
// dense 710 ns per compartment-step.
func BenchmarkNaVSolve(b *testing.B) {
	b.Run("chunked", func(b *testing.B) {
		r := newNaConst(0.9)
		r.scale(0.025)
		ys := make([]naBlock, benchNodes/naChunk)
		v := make([]float64, benchNodes)
		nodes := make([]int, benchNodes)
		ss := r.steadyState(-65)
		for k := range v {
			v[k] = -90 + 120*float64(k)/benchNodes
			nodes[k] = k
			for i := range naN {
				ys[k/naChunk][i*naChunk+k%naChunk] = ss[i]
			}
		}
		w := new(naWork)
		ct := startCPU(b)
		for it := 1; b.Loop(); it++ {
			for q := range ys {
				r.stepChunk(w, &ys[q], v, nodes[q*naChunk:(q+1)*naChunk], it%naRenormEvery == 0)
			}
		}
		sinkY[0] = ys[0][0]
		ct.report(b, benchNodes, "compartment-step")
	})
	r := newNaConst(0.9)
	for _, bc := range []struct {
		name string
		step func(*naConst, *[naN]float64, float64, float64)
	}{
		{"dedicated", (*naConst).step},
		{"dense", denseBackwardEuler},
	} {
		b.Run(bc.name, func(b *testing.B) {
			y := r.steadyState(-65)
			v := -65.0
			ct := startCPU(b)
			for b.Loop() {
				bc.step(&r, &y, v, 0.025)
				v = -v - 130 // alternate −65, −65: keep the rates honest
			}
			sinkY = y
			ct.report(b, 1, "compartment-step")
		})
	}
}

// BenchmarkSet measures Current + Advance of the mechanism sets of the
// PVALB models on benchNodes compartments: "dend" (pas, Ih, Im_v2, Kv3_1,
// NaV) and "all" (the 13, as in the mouse axon plus Ih and Im_v2). NEURON
// 8.2.2 on this machine (tools/neuron_mech.py's cell recipe, a 1001-segment
// cable, fadvance loop, load ~4–12): dend 3.6 µs, all 8.7 µs, NaV alone
// 2.3 µs per compartment-step (including its Hines solve, ~60 ns). Here
// (2026-11-28, load ≈ 1, -benchtime 20000x): dend 87 ns, all 420 ns (the
// mechanisms other than those of dend are scalar: they have at most three
// instances in the cells). "dend-exc" is the dendritic set of the
// excitatory ITL23 models (pas, Ih, Im, Kv3_1, NaTs2_t; also their apical
// set): 51 ns CPU (2026-12-07, load ≈ 9).
func BenchmarkSet(b *testing.B) {
	for _, set := range []struct {
		name  string
		mechs []string
	}{
		{"dend", []string{"pas", "Ih", "Im_v2", "Kv3_1", "NaV"}},
		{"all", Names()},
		{"dend-exc", []string{"pas", "Ih", "Im", "Kv3_1", "NaTs2_t"}},
	} {
		b.Run(set.name, func(b *testing.B) {
			s := benchState()
			nodes := make([]int, benchNodes)
			for i := range nodes {
				nodes[i] = i
			}
			var ms []Mechanism
			for _, name := range set.mechs {
				k, _ := Lookup(name)
				m := k.New(nodes)
				m.Init(s)
				ms = append(ms, m)
			}
			i, g := make([]float64, benchNodes), make([]float64, benchNodes)
			b.ReportAllocs()
			ct := startCPU(b)
			for b.Loop() {
				for _, m := range ms {
					m.Current(s, i, g)
				}
				for _, m := range ms {
					m.Advance(s, 0.025)
				}
			}
			ct.report(b, benchNodes, "compartment-step")
		})
	}
}
