package main

import (
	"flag"
	"math"

	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/sim"
)

// stepFlags are the --dt, --delay and --dur flags of the commands that
// simulate a current step (simulate, fi, dataset generate). Their defaults
// are NOBLE's protocol as package sim defines it, so that the commands
// agree with each other and with the library, and check alike.
type stepFlags struct {
	Dt    float64 // simulation time step, ms
	Delay float64 // step onset, ms
	Dur   float64 // step duration, ms
}

// addStepFlags defines the flags on fs. delayNote and durNote, if not
// empty, end the usage of --delay and --dur with what they mean in the
// command (e.g. " (within the test window)").
func addStepFlags(fs *flag.FlagSet, delayNote, durNote string) *stepFlags {
	f := &stepFlags{}
	fs.Float64Var(&f.Dt, "dt", sim.DefaultDt, "simulation time step, ms")
	fs.Float64Var(&f.Delay, "delay", sim.DefaultDelay, "step onset, ms"+delayNote)
	fs.Float64Var(&f.Dur, "dur", sim.DefaultDur, "step duration, ms"+durNote)
	return f
}

// check returns a usage error naming the first flag that is not a finite
// number, a --dt ≤ 0 or a negative --dur. A command's own limits (fi's
// positive --delay and --dur) are checked after it.
func (f *stepFlags) check() error {
	for _, v := range []struct {
		name string
		v    float64
	}{{"dt", f.Dt}, {"delay", f.Delay}, {"dur", f.Dur}} {
		if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
			return cli.Usagef("--%s %v: not a finite number", v.name, v.v)
		}
	}
	if !(f.Dt > 0) {
		return cli.Usagef("--dt %v: want dt > 0 ms", f.Dt)
	}
	if f.Dur < 0 {
		return cli.Usagef("--dur %v: want dur ≥ 0 ms", f.Dur)
	}
	return nil
}
