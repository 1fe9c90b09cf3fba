package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// instance is one surrogate with its own parameters and workspaces
// (synth.Surrogate.Clone); a request holds it while it computes.
type instance struct {
	syn *synth.Surrogate
	ext *features.Extractor
	v64 []float64
}

// newInstance returns an instance computing with s itself (own) or with a
// clone of it, each forward pass in chunks of chunk traces on workers
// threads.
func newInstance(s *synth.Surrogate, own bool, chunk, workers int) (*instance, error) {
	if !own {
		var err error
		if s, err = s.Clone(); err != nil {
			return nil, err
		}
	}
	s.Model.Workers = workers
	s.Model.Chunk = chunk
	fs := s.FeatureSettings()
	ext, err := features.NewExtractor(&fs)
	if err != nil {
		return nil, err
	}
	return &instance{syn: s, ext: ext, v64: make([]float64, s.Length())}, nil
}

// synth returns the traces (mV, float32) of sts as one array [len(sts), L]
// and as one slice per trace into it, in forward passes of at most the
// instance's chunk; ctx is checked between passes.
func (inst *instance) synth(ctx context.Context, sts []surrogate.Stimulus) ([]float32, [][]float32, error) {
	v, err := inst.syn.Synthesize(ctx, sts, inst.syn.Model.Chunk, nil)
	if err != nil {
		return nil, nil, err
	}
	l := inst.syn.Length()
	out := make([][]float32, len(sts))
	for i := range out {
		out[i] = v[i*l : (i+1)*l : (i+1)*l]
	}
	return v, out, nil
}

// synth64 returns one trace as float64 mV in the instance's buffer (valid
// until the next call): the fi.Simulator of /api/fi.
func (inst *instance) synth64(ctx context.Context, st surrogate.Stimulus) ([]float64, error) {
	v, err := inst.syn.Synthesize(ctx, []surrogate.Stimulus{st}, 1, nil)
	if err != nil {
		return nil, err
	}
	for j, u := range v {
		inst.v64[j] = float64(u)
	}
	return inst.v64, nil
}

// features returns the eFEL features of a trace.
func (inst *instance) features(v []float32) (features.Values, error) {
	for j, u := range v {
		inst.v64[j] = float64(u)
	}
	return inst.ext.Compute(inst.v64, inst.syn.Dt())
}

// cost estimates how long computations take on this server, so that a
// request that cannot finish within Settings.Timeout is refused at once
// (413) and a busy server can say when to retry (Retry-After). It keeps
// the seconds per trace (features included) two ways, both seeded at New
// by timing forward passes: an exponentially weighted mean over finished
// requests (weight 1/4 for the newest), which includes the slowdown of
// concurrent requests and so predicts when the queue drains; and the
// smallest seen, the cost on an idle server: a request too large even at
// that cost cannot be helped by retrying. It also sums the estimated
// seconds of work admitted and not yet finished.
type cost struct {
	mu       sync.Mutex
	perTrace float64 // s per trace, weighted mean of recent requests
	floor    float64 // s per trace, the smallest seen
	pending  float64 // seconds of work held or waiting
}

// estimate is the seconds traces take at the recent cost.
func (c *cost) estimate(traces int) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return float64(traces) * c.perTrace
}

// best is the seconds traces take on an idle server.
func (c *cost) best(traces int) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return float64(traces) * c.floor
}

// seed sets both costs to sec seconds per trace.
func (c *cost) seed(sec float64) {
	c.mu.Lock()
	c.perTrace, c.floor = sec, sec
	c.mu.Unlock()
}

func (c *cost) admit(sec float64) {
	c.mu.Lock()
	c.pending += sec
	c.mu.Unlock()
}

// done records a finished request of traces traces that computed for d
// (zero when it never computed) and had been admitted with estimate sec.
func (c *cost) done(sec float64, traces int, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = max(0, c.pending-sec)
	if traces > 0 && d > 0 {
		x := d.Seconds() / float64(traces)
		c.perTrace += (x - c.perTrace) / 4
		c.floor = min(c.floor, x)
	}
}

// retryAfter is the whole seconds until the admitted work is done on
// concurrency instances, at least 1.
func (c *cost) retryAfter(concurrency int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(1, int(math.Ceil(c.pending/float64(concurrency))))
}

// errTooLarge refuses a request whose computation exceeds the time limit
// even on an idle server: retrying cannot help, a smaller request can.
func (srv *Server) errTooLarge(traces int, best float64) error {
	per := srv.cost.best(1)
	fit := int(srv.set.Timeout.Seconds() / per)
	return errorf(http.StatusRequestEntityTooLarge,
		"this request needs at least %.3g s of computation (%d traces at %.3g ms each on this server when idle), more than the time limit of %s: ask for at most %d traces",
		best, traces, per*1e3, srv.set.Timeout, fit)
}

// errBusy answers a request that finds Concurrency requests computing and
// MaxQueue waiting, with the time until the admitted work is done.
func (srv *Server) errBusy() error {
	e := errorf(http.StatusServiceUnavailable, "server busy: %d requests are computing or waiting (limit %d); retry later",
		srv.set.Concurrency+srv.set.MaxQueue, srv.set.Concurrency+srv.set.MaxQueue)
	e.RetryAfter = srv.cost.retryAfter(srv.set.Concurrency)
	return e
}

// compute runs f on a model instance for a request of traces traces. It
// refuses the request (413) when its computation would exceed
// Settings.Timeout even on an idle server, and answers 503 with
// Retry-After when the queue is full or the wait for an instance outlasts
// Timeout. The time limit bounds f itself, from when it gets its
// instance: waiting in the queue does not eat into it.
func (srv *Server) compute(r *http.Request, traces int, f func(ctx context.Context, inst *instance) error) error {
	if best := srv.cost.best(traces); best > srv.set.Timeout.Seconds() {
		return srv.errTooLarge(traces, best)
	}
	est := srv.cost.estimate(traces)
	if srv.load.Add(1) > int64(srv.set.Concurrency+srv.set.MaxQueue) {
		srv.load.Add(-1)
		return srv.errBusy()
	}
	defer srv.load.Add(-1)
	srv.cost.admit(est)
	var took time.Duration
	defer func() { srv.cost.done(est, traces, took) }()

	wait, cancel := context.WithTimeout(r.Context(), srv.set.Timeout)
	defer cancel()
	var inst *instance
	select {
	case inst = <-srv.pool: // a free instance is taken even if the wait's time is up
	default:
	}
	if inst == nil {
		select {
		case inst = <-srv.pool:
		case <-wait.Done():
			if r.Context().Err() != nil {
				return fmt.Errorf("waiting for a free model instance: %w", context.Cause(r.Context()))
			}
			e := errorf(http.StatusServiceUnavailable, "server busy: no model instance came free within the time limit of %s; retry later", srv.set.Timeout)
			e.RetryAfter = srv.cost.retryAfter(srv.set.Concurrency)
			return e
		}
	}
	defer func() { srv.pool <- inst }()
	ctx, cancel2 := context.WithTimeoutCause(r.Context(), srv.set.Timeout,
		fmt.Errorf("%w (limit %s)", context.DeadlineExceeded, srv.set.Timeout))
	defer cancel2()
	start := time.Now()
	err := ctx.Err() // a limit already past starts no work
	if err == nil {
		err = f(ctx, inst)
	}
	if err == nil {
		took = time.Since(start)
	}
	if err != nil && errors.Is(context.Cause(ctx), context.DeadlineExceeded) && r.Context().Err() == nil {
		// The estimate let it in but the computation ran past the limit:
		// the machine is slower than measured. Not a retry-later answer.
		return errorf(http.StatusServiceUnavailable, "the computation exceeded the request time limit (%s) after %d traces were admitted at an estimated %.3g s; ask for fewer traces",
			srv.set.Timeout, traces, est)
	}
	return err
}

// calibrate times a forward pass of a full chunk and the features of one
// trace on inst, twice (the first pass also allocates the workspaces),
// the first estimate of the seconds per trace.
func (srv *Server) calibrate(inst *instance) error {
	st := surrogate.Stimulus{AmpNA: (srv.syn.AmpRange.Min + srv.syn.AmpRange.Max) / 2,
		IThr: (srv.syn.Scaling.IThr.Min + srv.syn.Scaling.IThr.Max) / 2,
		SThr: (srv.syn.Scaling.SThr.Min + srv.syn.Scaling.SThr.Max) / 2}
	n := max(1, inst.syn.Model.Chunk)
	sts := make([]surrogate.Stimulus, n)
	for i := range sts {
		sts[i] = st
	}
	sec := math.Inf(1)
	for range 2 {
		start := time.Now()
		_, v, err := inst.synth(context.Background(), sts)
		if err != nil {
			return err
		}
		_, _ = inst.features(v[0]) // a random model's trace may have no features; the time counts
		sec = min(sec, time.Since(start).Seconds()/float64(n))
	}
	srv.cost.seed(sec)
	return nil
}
