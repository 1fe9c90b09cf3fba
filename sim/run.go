package sim

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Job is one simulation of a batch: a parameter file of the cell and a
// stimulus amplitude.
type Job struct {
	ParamFile string  // path of the parameter file
	Amp       float64 // stimulus amplitude, nA
}

// RunSettings configures Run. The zero value (or nil) means all cores and
// NOBLE's protocol.
type RunSettings struct {
	Workers  int      // simulations at once; 0 means runtime.GOMAXPROCS(0)
	Protocol Protocol // Amp is ignored: each Job sets its own (unused with a Stimulus)
	// Progress, if not nil, is called after each finished job with the
	// number done so far; calls are serialised.
	Progress func(done, total int)
}

// Run simulates every job on cell c with Workers goroutines and calls out
// (if not nil) with each job's index and its soma voltage trace (mV, Protocol.Steps()+1
// samples). Calls to out are serialised (out need not be safe for
// concurrent use) but come in completion order; v is only valid during the
// call. Each parameter file's Model is built once, before any simulation,
// so a bad file fails the batch before work starts. The first error (from a
// model, a simulation, out or ctx) cancels the remaining jobs and is
// returned. Results do not depend on Workers: every job is simulated alone
// from finitialize.
func Run(ctx context.Context, c *Cell, jobs []Job, s *RunSettings, out func(i int, v []float64) error) error {
	var set RunSettings
	if s != nil {
		set = *s
	}
	workers := set.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	proto := set.Protocol
	if err := proto.Validate(); err != nil {
		return err
	}
	for i, j := range jobs {
		p := proto
		p.Amp = j.Amp
		if err := p.Validate(); err != nil {
			return fmt.Errorf("job %d (%s, amp %v nA): %w", i, j.ParamFile, j.Amp, err)
		}
	}

	// Build each parameter file's model once, in job order.
	models := map[string]*Model{}
	for _, j := range jobs {
		if _, ok := models[j.ParamFile]; ok {
			continue
		}
		m, err := c.Model(j.ParamFile)
		if err != nil {
			return err
		}
		models[j.ParamFile] = m
	}

	parent := ctx
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	var mu sync.Mutex
	done := 0
	for i, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			p := proto
			p.Amp = j.Amp
			v, err := models[j.ParamFile].Simulate(ctx, p, nil)
			if err != nil && p.Stimulus != nil {
				return fmt.Errorf("%s under the stimulus waveform: %w", j.ParamFile, err)
			}
			if err != nil {
				return fmt.Errorf("%s at %v nA: %w", j.ParamFile, j.Amp, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if out != nil {
				if err := out(i, v); err != nil {
					return err
				}
			}
			done++
			if set.Progress != nil {
				set.Progress(done, len(jobs))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return parent.Err()
}
