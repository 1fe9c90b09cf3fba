package sim

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/noble-neuro/noble/internal/testutil"
)

// threadCPU returns the CPU time consumed by the calling OS thread
// (getrusage RUSAGE_THREAD, Linux); 0 where unavailable.
func threadCPU() time.Duration {
	const rusageThread = 1
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var sinkTrace []float64

// benchmarkTrace simulates one full NOBLE trace (515 ms, dt 0.02 ms: 25,750
// steps) of a cell's parameter file at amp nA per iteration on one
// goroutine, reporting ms/trace and steps/s.
func benchmarkTrace(b *testing.B, cellDir, param string, amp float64) {
	if _, err := os.Stat(cellDir); err != nil {
		b.Skipf("cell %s not found (the human cell lives only in ../shared)", cellDir)
	}
	c, err := LoadCell(cellDir)
	if err != nil {
		b.Fatal(err)
	}
	pf, err := c.ParamFile(param)
	if err != nil {
		b.Fatal(err)
	}
	m, err := c.Model(pf)
	if err != nil {
		b.Fatal(err)
	}
	w := NewWorkspace(m)
	p := Protocol{Amp: amp}
	dst := make([]float64, p.Steps()+1)
	// The machine is shared: besides wall time, report the CPU time of
	// this goroutine's thread, which is what one core spends per trace.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := threadCPU()
	for b.Loop() {
		if dst, err = w.Simulate(context.Background(), p, dst); err != nil {
			b.Fatal(err)
		}
	}
	cpu := threadCPU() - cpu0
	sinkTrace = dst
	n := float64(b.N)
	b.ReportMetric(b.Elapsed().Seconds()*1e3/n, "ms/trace")
	b.ReportMetric(cpu.Seconds()*1e3/n, "cpu-ms/trace")
	b.ReportMetric(float64(p.Steps())*n/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSimulateHuman is the human PVALB cell (127 compartments),
// seed1_hof00 at 0.3 nA (39 spikes). NEURON 8.2.2 takes 10.6 s for this
// trace on one core of these machines (reference index.csv).
func BenchmarkSimulateHuman(b *testing.B) {
	dir := filepath.Join(testutil.RepoRoot(b), "..", "shared", "data", "cells", "human_pvalb_689331391")
	benchmarkTrace(b, dir, "seed1_hof00", 0.3)
}

// BenchmarkSimulateMouse is the shipped mouse Pvalb cell (91
// compartments), hof_param_318331342_0 at 0.3 nA (42 spikes); NEURON: 9.0 s.
func BenchmarkSimulateMouse(b *testing.B) {
	dir := filepath.Join(testutil.RepoRoot(b), "data", "cells", "mouse_pvalb_318331342")
	benchmarkTrace(b, dir, "hof_param_318331342_0", 0.3)
}

// BenchmarkSimulateITL23 is the human excitatory ITL23 cell (632
// compartments, apical dendrites, NaTs2_t/Nap_Et2/Im), seed1_hof00 at 0.3 nA
// (2 spikes). NEURON 8.2.2 took 2.93 s wall for this trace (reference
// index.csv, on the machine that made the references); its CPU time is to
// be measured beside this benchmark where NEURON is installed.
func BenchmarkSimulateITL23(b *testing.B) {
	dir := filepath.Join(testutil.RepoRoot(b), "..", "shared", "data", "cells", "human_itl23_541557114")
	benchmarkTrace(b, dir, "seed1_hof00", 0.3)
}

// BenchmarkSimulateVIP is the human VIP cell (90 compartments), seed1_hof00
// at 0.3 nA (34 spikes); NEURON: 2.41 s wall (reference index.csv).
func BenchmarkSimulateVIP(b *testing.B) {
	dir := filepath.Join(testutil.RepoRoot(b), "..", "shared", "data", "cells", "human_vip_650077366")
	benchmarkTrace(b, dir, "seed1_hof00", 0.3)
}
