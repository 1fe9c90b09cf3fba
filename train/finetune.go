package train

import (
	"context"
	"fmt"
	"sync"

	"github.com/noble-neuro/noble/featloss"
	"github.com/noble-neuro/noble/fno"
)

// fineTune is the training loss of a run with a feature loss
// (Settings.FeatureLoss): per trace, the run's data loss plus the feature
// terms of package featloss, with the two gradients added. It is an
// fno.Loss for fno.Model.TrainBatchLoss: prepare sets it up for a batch,
// the operator's workers call Eval concurrently on disjoint chunks, and
// sums reads the batch's data and feature losses afterwards.
//
// Every per-batch result lives in a slot indexed by batch position and is
// reduced in that order, so the sums do not depend on which worker ran
// which chunk.
type fineTune struct {
	loss     *featloss.Loss
	spec     featloss.Spec
	data     fno.Loss // the data loss; nil for RelLpLoss with p (TrainBatch's, bit for bit)
	p        int
	channels int // input channels of a trace (Settings.FNO)

	// Per batch (prepare).
	tg    *featloss.Targets
	chunk []float64 // data loss of the chunk starting at each trace (0 where none starts)
	feat  []float64 // feature loss Σ λ·L_b of each trace
	terms []float64 // [trace × term] unweighted L_b of each term
	// batchTerms is each term's unweighted loss summed over the batch (sums).
	batchTerms []float64
	targets    [][]float64
	windows    []featloss.Window
	stim       []float64

	// Scratch of the concurrent Eval calls: a free list that grows to the
	// number of workers and then stops allocating. A sync.Pool would drop
	// its 0.8 MB workspaces at every other garbage collection.
	mu   sync.Mutex
	free []*ftScratch
}

type ftScratch struct {
	ws featloss.Workspace
	g  []float32 // one trace's feature gradient, per volt
}

// newFineTune returns the fine-tuning loss of resolved settings s with a
// feature loss, on traces dt ms apart.
func newFineTune(s Settings, dt float64) (*fineTune, error) {
	spec, err := featloss.ParseSpec(s.FeatureLoss)
	if err != nil { // Resolved has checked it
		return nil, fmt.Errorf("%w: feature_loss = %q: %w", ErrSettings, s.FeatureLoss, err)
	}
	l, err := featloss.New(spec, &featloss.Settings{Dt: dt, Absolute: s.FeatureLossForm == FormAbsolute})
	if err != nil {
		return nil, fmt.Errorf("%w: feature loss on data of dt %g ms: %w", ErrSettings, dt, err)
	}
	return &fineTune{loss: l, spec: spec, data: trainingLoss(s), p: s.LossP, channels: s.FNO().InChannels}, nil
}

// prepare computes the feature targets of a batch from its inputs x ([n,
// channels, w]: channel 0 is the injected current, whose first and last non-zero
// samples are the stimulus window, as the reference derives it) and its
// targets y ([n, 1, w], volts). It allocates the targets (featloss.Prepare,
// about 0.7 ms per trace of 8583 samples) and returns ctx's error when ctx
// is done. The targets cannot be prepared once for the dataset, as
// featloss suggests, since every epoch crops each trace differently.
func (f *fineTune) prepare(ctx context.Context, x, y []float32, n, w int) error {
	c := f.channels * w
	f.stim = growF64(f.stim, w)
	for len(f.targets) < n {
		f.targets = append(f.targets, nil)
	}
	f.windows = f.windows[:0]
	for b := range n {
		for i, v := range x[b*c : b*c+w] {
			f.stim[i] = float64(v)
		}
		f.windows = append(f.windows, featloss.NewWindow(featloss.StimulusWindow(f.stim)))
		t := growF64(f.targets[b], w)
		for i, v := range y[b*w : (b+1)*w] {
			t[i] = featloss.Scale * float64(v)
		}
		f.targets[b] = t
	}
	tg, err := f.loss.Prepare(ctx, f.targets[:n], f.windows)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: feature loss targets: %w", ErrData, err)
	}
	f.tg = tg
	f.chunk = growF64(f.chunk, n)
	clear(f.chunk)
	f.feat = growF64(f.feat, n)
	f.terms = growF64(f.terms, n*len(f.spec))
	return nil
}

// Eval is fno.Loss: the data loss of the chunk (exactly the run's data
// loss on it) plus, per trace, the feature loss of featloss.Targets.TraceVolts32,
// with the feature gradient added to the data gradient in dst.
func (f *fineTune) Eval(dst, yhat, y []float32, first, traces, length int) float64 {
	if len(yhat) != traces*length {
		panic(fmt.Sprintf("train: fine-tuning loss: %d outputs for %d traces of %d samples", len(yhat), traces, length))
	}
	var data float64
	if f.data != nil {
		data = f.data.Eval(dst, yhat, y, first, traces, length)
	} else {
		data, _ = fno.RelLpLoss(dst, f.p, yhat, y, traces, length)
	}
	f.chunk[first] = data
	s := f.get(length)
	defer f.put(s)
	nt := len(f.spec)
	var feat float64
	for k := range traces {
		b := first + k
		l := f.tg.TraceVolts32(&s.ws, s.g, yhat[k*length:(k+1)*length], b)
		d := dst[k*length : (k+1)*length]
		for i, g := range s.g {
			d[i] += g
		}
		f.feat[b] = l
		for j, t := range f.spec {
			f.terms[b*nt+j] = s.ws.Term(t.Feature)
		}
		feat += l
	}
	return data + feat
}

// get takes a scratch for traces of n samples from the free list.
func (f *fineTune) get(n int) *ftScratch {
	f.mu.Lock()
	var s *ftScratch
	if k := len(f.free); k > 0 {
		s, f.free = f.free[k-1], f.free[:k-1]
	}
	f.mu.Unlock()
	if s == nil {
		s = new(ftScratch)
	}
	if len(s.g) != n {
		s.ws.Reset(n)
		s.g = make([]float32, n)
	}
	return s
}

func (f *fineTune) put(s *ftScratch) {
	f.mu.Lock()
	f.free = append(f.free, s)
	f.mu.Unlock()
}

// sums returns the data and feature losses of the last batch of n traces,
// summed over it in batch order, and sets batchTerms to each term's
// unweighted loss summed likewise (in spec order).
func (f *fineTune) sums(n int) (data, feat float64) {
	for b := range n {
		data += f.chunk[b]
		feat += f.feat[b]
	}
	nt := len(f.spec)
	f.batchTerms = growF64(f.batchTerms, nt)
	for j := range nt {
		var s float64
		for b := range n {
			s += f.terms[b*nt+j]
		}
		f.batchTerms[j] = s
	}
	return data, feat
}

func growF64(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}
