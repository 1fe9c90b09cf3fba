package server

import (
	"context"
	"fmt"
	"math"
	"net/http"

	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// instance is one model with its own workspaces; a request holds it while
// it computes.
type instance struct {
	m     *fno.Model
	chunk int
	l     int
	x, y  []float32 // [chunk, 23, L] input, [chunk, L] output
	v64   []float64
	ext   *features.Extractor
	dt    float64
}

// newInstance returns an instance computing with m itself (own) or with a
// copy of its parameters.
func newInstance(m *fno.Model, own bool, p surrogate.Protocol, chunk, workers int) (*instance, error) {
	if !own {
		c, err := fno.New(m.Config(), 0)
		if err != nil {
			return nil, err
		}
		copy(c.Params, m.Params)
		m = c
	}
	m.Workers = workers
	m.Chunk = chunk
	fs := features.NOBLE()
	fs.StimStart, fs.StimEnd = p.StimStartMS, p.StimEndMS
	ext, err := features.NewExtractor(&fs)
	if err != nil {
		return nil, err
	}
	l := p.Length
	return &instance{
		m: m, chunk: chunk, l: l, dt: p.DtMS, ext: ext,
		x: make([]float32, chunk*surrogate.Channels*l), y: make([]float32, chunk*l),
		v64: make([]float64, l),
	}, nil
}

// errBusy answers a request that finds Concurrency requests computing and
// MaxQueue waiting.
func (srv *Server) errBusy() error {
	return errorf(http.StatusServiceUnavailable, "server busy: %d requests are computing or waiting (limit %d); retry later",
		srv.set.Concurrency+srv.set.MaxQueue, srv.set.Concurrency+srv.set.MaxQueue)
}

// acquire takes a model instance, waiting while the queue has room; the
// caller must release it.
func (srv *Server) acquire(ctx context.Context) (*instance, error) {
	if srv.load.Add(1) > int64(srv.set.Concurrency+srv.set.MaxQueue) {
		srv.load.Add(-1)
		return nil, srv.errBusy()
	}
	select {
	case inst := <-srv.pool:
		return inst, nil
	case <-ctx.Done():
		srv.load.Add(-1)
		return nil, fmt.Errorf("waiting for a free model instance: %w", context.Cause(ctx))
	}
}

func (srv *Server) release(inst *instance) {
	srv.pool <- inst
	srv.load.Add(-1)
}

// synth writes the traces (mV, float32) of sts into out[i], allocating
// each, in forward passes of at most chunk stimuli; ctx is checked between
// passes.
func (inst *instance) synth(ctx context.Context, enc *surrogate.Encoder, sts []surrogate.Stimulus, out [][]float32) error {
	n := surrogate.Channels * inst.l
	for i := 0; i < len(sts); i += inst.chunk {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		b := min(inst.chunk, len(sts)-i)
		x, err := enc.EncodeBatch(inst.x[:b*n], sts[i:i+b])
		if err != nil {
			return errorf(http.StatusUnprocessableEntity, "%v", err)
		}
		y := surrogate.VoltsToMV(inst.m.Forward(inst.y[:b*inst.l], x, b, inst.l))
		for k := range b {
			v := y[k*inst.l : (k+1)*inst.l]
			for j, u := range v {
				if math.IsNaN(float64(u)) || math.IsInf(float64(u), 0) {
					return fmt.Errorf("the model produced a non-finite voltage (%g) at sample %d of stimulus %d", u, j, i+k)
				}
			}
			out[i+k] = append([]float32(nil), v...)
		}
	}
	return nil
}

// synth64 returns one trace as float64 mV in the instance's buffer (valid
// until the next call).
func (inst *instance) synth64(ctx context.Context, enc *surrogate.Encoder, st surrogate.Stimulus) ([]float64, error) {
	var out [1][]float32
	if err := inst.synth(ctx, enc, []surrogate.Stimulus{st}, out[:]); err != nil {
		return nil, err
	}
	for j, u := range out[0] {
		inst.v64[j] = float64(u)
	}
	return inst.v64, nil
}

// features returns the eFEL features of a trace.
func (inst *instance) features(v []float32) (features.Values, error) {
	for j, u := range v {
		inst.v64[j] = float64(u)
	}
	return inst.ext.Compute(inst.v64, inst.dt)
}
