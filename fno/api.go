package fno

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/noble-neuro/noble/internal/gemm"
	"github.com/noble-neuro/noble/internal/kernels"
)

func unsafeSizeof[T float](z T) uintptr { return unsafe.Sizeof(z) }

// DefaultChunk is the number of traces a worker evaluates at once in
// Forward and TrainBatch when Model.Chunk is 0: it bounds the workspace
// (about 11.5 MB per trace for inference and 40.5 MB for training at
// L = 8583)
// while keeping the matrix products large.
const DefaultChunk = 8

type opKind int

const (
	opForward opKind = iota
	opForwardTrain
	opBackward
	opTrain
)

// job is one worker's share of a call: traces [lo, hi) of the batch.
type job struct {
	op     opKind
	dst, x []float32
	y, dy  []float32
	lo, hi int
	l      int
	chunk  int
	fn     Loss // opTrain's loss
	loss   float64
}

// worker owns a workspace and private gradients; the parameters are
// shared read-only.
type worker struct {
	net  *net[float32]
	ws   workspace[float32]
	g    []float32
	dy   []float32
	job  job
	jobs chan *worker
	done chan struct{}
}

// pool holds the workers; worker 0 runs on the caller's goroutine, the
// others on goroutines started on first use and stopped by Close (or when
// the Model is garbage collected).
type pool struct {
	workers []*worker
	help    *helper // shares the work of a lone worker (nil with one CPU)
	once    sync.Once
}

func (p *pool) stop() {
	p.once.Do(func() {
		for _, w := range p.workers[1:] {
			close(w.jobs)
		}
		if p.help != nil {
			close(p.help.req)
		}
	})
}

func (w *worker) loop() {
	for range w.jobs {
		w.run()
		w.done <- struct{}{}
	}
}

// Model is the NOBLE Fourier neural operator on float32 activations.
//
// Params and Grad are the flat parameter and gradient vectors in state-dict
// order (see StateDict); optimizers update them in place. A Model is not
// safe for concurrent use: its workspaces are reused between calls.
//
// A call splits the batch into Workers contiguous parts evaluated in
// parallel, each with single-threaded matrix products; with SplitSingle a
// batch of one shares its large matrix products and GELU passes with a
// helper goroutine (halves of the output). Results are bitwise
// reproducible for a given Workers, SplitSingle and batch; gradients with
// different Workers differ by the float32 rounding of the per-part sums.
type Model struct {
	cfg    Config
	Params []float32
	Grad   []float32

	// Workers is the number of parallel workers (0: GOMAXPROCS). Read at
	// each call.
	Workers int
	// Chunk is the largest number of traces one worker evaluates at once
	// in Forward and TrainBatch (0: DefaultChunk). It bounds the memory.
	Chunk int
	// SplitSingle makes a call on a single trace share its large matrix
	// products and GELU passes with a helper goroutine (when Workers and
	// GOMAXPROCS allow two). Measured on the shared 2-core machine it cost
	// more than it saved (batch 1: 50–95 ms against 40–75 ms on one
	// core), so it is off by default; on idle cores it should take about
	// a third off a lone trace's latency.
	SplitSingle bool

	net     *net[float32]
	pool    *pool
	trained int // workers holding the activations of a ForwardTrain
}

// New returns a model with the published initialisation drawn from seed:
// 1×1 convolutions as PyTorch's Conv1d default (weights and biases uniform
// in ±1/sqrt(fan_in), i.e. kaiming_uniform with a = √5); spectral weights
// complex normal with standard deviation sqrt(2/(in+out)) (real and
// imaginary parts each sqrt(1/(in+out)), as torch's complex normal_), the
// spectral bias real normal with the same standard deviation sqrt(2/(in+out));
// soft-gating weights 1; GroupNorm weights γ 1 and biases β 0 (as
// nn.GroupNorm). Each tensor draws from its own PCG stream
// (seed, tensor index), so the draw does not depend on evaluation order.
func New(cfg Config, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	np := cfg.NumParams()
	m := &Model{cfg: cfg, Params: make([]float32, np), Grad: make([]float32, np)}
	m.net = newNet(cfg, m.Params, m.Grad)
	initParams(m.net, seed)
	return m, nil
}

// Close stops the worker goroutines. The model stays usable (a later call
// starts new ones).
func (m *Model) Close() {
	if m.pool != nil {
		m.pool.stop()
		m.pool = nil
		m.trained = 0
	}
}

var blasThreads atomic.Int64

func setBLASThreads(n int) {
	if blasThreads.Load() != int64(n) {
		gemm.SetThreads(n)
		blasThreads.Store(int64(n))
	}
}

// workers returns the workers for a batch, starting goroutines as needed.
func (m *Model) workers(batch int) []*worker {
	nw := m.Workers
	if nw <= 0 {
		nw = runtime.GOMAXPROCS(0)
	}
	conf := nw
	nw = max(1, min(nw, batch))
	if m.pool == nil || len(m.pool.workers) < nw || (conf > 1 && m.SplitSingle && m.pool.help == nil) {
		if m.pool != nil {
			m.pool.stop()
		}
		m.trained = 0
		p := &pool{}
		for range max(nw, 1) {
			g := make([]float32, len(m.Params))
			p.workers = append(p.workers, &worker{net: newNet(m.cfg, m.Params, g), g: g})
		}
		for _, w := range p.workers[1:] {
			w.jobs = make(chan *worker, 1)
			w.done = make(chan struct{}, 1)
			go w.loop()
		}
		if conf > 1 && m.SplitSingle {
			p.help = &helper{req: make(chan struct{}, 1), done: make(chan struct{}, 1)}
			go p.help.loop()
		}
		m.pool = p
		runtime.AddCleanup(m, func(p *pool) { p.stop() }, p)
	}
	// Matrix products run single-threaded inside each worker: measured on
	// the shared 2-core machine, a batch of one took 83 ms with one BLAS
	// thread and 161 ms with two (OpenBLAS's spinning threads compete with
	// the machine's other load); see the package documentation.
	setBLASThreads(1)
	for _, w := range m.pool.workers {
		w.ws.help = nil
	}
	if nw == 1 && conf > 1 && m.SplitSingle {
		m.pool.workers[0].ws.help = m.pool.help
	}
	return m.pool.workers[:nw]
}

// dispatch runs the prepared jobs of ws: ws[0] on this goroutine.
func dispatch(ws []*worker) {
	for _, w := range ws[1:] {
		w.jobs <- w
	}
	ws[0].run()
	for _, w := range ws[1:] {
		<-w.done
	}
}

func (m *Model) chunk() int {
	if m.Chunk > 0 {
		return m.Chunk
	}
	return DefaultChunk
}

// split prepares one job per worker over traces [0, batch).
func split(ws []*worker, base job, batch int) {
	for k, w := range ws {
		j := base
		j.lo, j.hi = k*batch/len(ws), (k+1)*batch/len(ws)
		w.job = j
	}
}

func (w *worker) run() {
	j := &w.job
	cfg := w.net.cfg
	in, out, l := cfg.InChannels, cfg.OutChannels, j.l
	xs := func(lo, hi int) []float32 { return j.x[lo*in*l : hi*in*l] }
	ys := func(s []float32, lo, hi int) []float32 { return s[lo*out*l : hi*out*l] }
	switch j.op {
	case opForward:
		for lo := j.lo; lo < j.hi; lo += j.chunk {
			hi := min(lo+j.chunk, j.hi)
			w.net.forward(&w.ws, ys(j.dst, lo, hi), xs(lo, hi), hi-lo, l, false)
		}
	case opForwardTrain:
		w.net.forward(&w.ws, ys(j.dst, j.lo, j.hi), xs(j.lo, j.hi), j.hi-j.lo, l, true)
	case opBackward:
		clear(w.g)
		w.net.backward(&w.ws, ys(j.dy, j.lo, j.hi))
	case opTrain:
		clear(w.g)
		j.loss = 0
		for lo := j.lo; lo < j.hi; lo += j.chunk {
			hi := min(lo+j.chunk, j.hi)
			n := (hi - lo) * out * l
			w.dy = grow(w.dy, n)
			yh := grow(w.ws.pred, n)
			w.ws.pred = yh
			w.net.forward(&w.ws, yh, xs(lo, hi), hi-lo, l, true)
			j.loss += j.fn.Eval(w.dy, yh, ys(j.y, lo, hi), lo, hi-lo, l)
			w.net.backward(&w.ws, w.dy)
		}
	}
}

// reduce adds the workers' gradients to m.Grad in worker order.
func (m *Model) reduce(ws []*worker) {
	for _, w := range ws {
		kernels.Add(m.Grad, w.g)
	}
}

func (m *Model) checkIO(dst, x []float32, batch, length int) []float32 {
	cfg := m.cfg
	if batch <= 0 || length <= 0 {
		panic(fmt.Sprintf("fno: batch %d, length %d must be positive", batch, length))
	}
	if len(x) != batch*cfg.InChannels*length {
		panic(fmt.Sprintf("fno: len(x) = %d, want batch·InChannels·length = %d", len(x), batch*cfg.InChannels*length))
	}
	if dst == nil {
		return make([]float32, batch*cfg.OutChannels*length)
	}
	if len(dst) != batch*cfg.OutChannels*length {
		panic(fmt.Sprintf("fno: len(dst) = %d, want %d", len(dst), batch*cfg.OutChannels*length))
	}
	return dst
}

// Forward evaluates the operator on x, float32 [batch, InChannels, length]
// (the input channels without the grid channel, which the model appends as
// torch.linspace(0, 1, length+1)[:-1]), writing [batch, OutChannels,
// length] into dst and returning it. dst nil allocates; wrong lengths
// panic. Any length ≥ 1 is exact (no padding); min(Modes, length/2+1)
// Fourier modes are used. Forward keeps no activations for Backward (see
// ForwardTrain) and evaluates at most Chunk traces per worker at once;
// after the first call at a given (batch, length) it does not allocate.
func (m *Model) Forward(dst, x []float32, batch, length int) []float32 {
	dst = m.checkIO(dst, x, batch, length)
	ws := m.workers(batch)
	m.trained = 0
	split(ws, job{op: opForward, dst: dst, x: x, l: length, chunk: m.chunk()}, batch)
	dispatch(ws)
	return dst
}

// ForwardTrain is Forward keeping the activations of the whole batch that
// Backward needs (about 50 MB per trace at L = 8583; TrainBatch bounds this
// by chunking).
func (m *Model) ForwardTrain(dst, x []float32, batch, length int) []float32 {
	dst = m.checkIO(dst, x, batch, length)
	ws := m.workers(batch)
	split(ws, job{op: opForwardTrain, dst: dst, x: x, l: length}, batch)
	dispatch(ws)
	m.trained = len(ws)
	return dst
}

// Backward adds to Grad the gradient of a loss with respect to the
// parameters, given dy = ∂loss/∂y for the output y of the preceding
// ForwardTrain ([batch, OutChannels, length], same batch and length). It
// consumes the activations that ForwardTrain kept (the backward pass
// overwrites them), so it panics without a ForwardTrain since the last
// Backward, or on a wrong length. It does not allocate.
func (m *Model) Backward(dy []float32) {
	if m.trained == 0 || m.pool == nil {
		panic("fno: Backward without a preceding ForwardTrain")
	}
	ws := m.pool.workers[:m.trained]
	if want := ws[len(ws)-1].job.hi * m.cfg.OutChannels * ws[0].job.l; len(dy) != want {
		panic(fmt.Sprintf("fno: Backward: len(dy) = %d, want %d", len(dy), want))
	}
	for _, w := range ws {
		w.job.op, w.job.dy = opBackward, dy
	}
	dispatch(ws)
	m.reduce(ws)
	m.trained = 0
}

// TrainBatch evaluates the model on x ([batch, InChannels, length]) and
// adds to Grad the gradient of the relative Lp loss (RelLpLoss, p = 2 or
// 4) against y ([batch, OutChannels, length]), returning the loss summed
// over the batch. Each worker processes its traces Chunk at a time, so the
// memory does not grow with the batch; the loss being a sum over traces,
// the result equals one ForwardTrain, RelLpLoss and Backward on the whole
// batch up to float32 rounding. It is TrainBatchLoss with RelLpLoss as the
// Loss, bit for bit. It does not allocate after the first call at a given
// (batch, length).
func (m *Model) TrainBatch(x, y []float32, batch, length, p int) float64 {
	var loss Loss
	switch p {
	case 2:
		loss = relLp2
	case 4:
		loss = relLp4
	default:
		panic(fmt.Sprintf("fno: TrainBatch: p = %d, want 2 or 4", p))
	}
	return m.TrainBatchLoss(x, y, batch, length, loss)
}

// TrainBatchLoss is TrainBatch with any loss that is a sum over traces:
// the workers call loss.Eval concurrently, once per chunk of at most Chunk
// traces, with the chunk's predictions, targets, the batch index of its
// first trace and a buffer for ∂loss/∂ŷ (see Loss), and the parameter
// gradients are accumulated as in TrainBatch. It returns the sum of the
// values Eval returned, added per worker in chunk order and then in worker
// order, so it is reproducible for a given Workers, Chunk and batch. It
// does not allocate after the first call at a given (batch, length) unless
// loss does.
func (m *Model) TrainBatchLoss(x, y []float32, batch, length int, loss Loss) float64 {
	m.checkIO(y, x, batch, length)
	if loss == nil {
		panic("fno: TrainBatchLoss: nil loss")
	}
	ws := m.workers(batch)
	m.trained = 0
	split(ws, job{op: opTrain, x: x, y: y, l: length, fn: loss, chunk: m.chunk()}, batch)
	dispatch(ws)
	m.reduce(ws)
	sum := 0.0
	for _, w := range ws {
		sum += w.job.loss
		w.job.fn = nil // do not keep the loss alive
	}
	return sum
}

// WorkspaceBytes reports the memory held by the workspaces and private
// gradients of the workers.
func (m *Model) WorkspaceBytes() int {
	if m.pool == nil {
		return 0
	}
	n := 0
	for _, w := range m.pool.workers {
		n += w.ws.bytes() + 4*(len(w.g)+len(w.dy))
	}
	return n
}
