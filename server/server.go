package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// Settings configures a Server. A zero field means the default in brackets;
// a negative one is an error.
type Settings struct {
	MaxBodyBytes int64         // request body limit, bytes [1 MiB]
	MaxBatch     int           // stimuli per /api/synth request [64]
	MaxFIPoints  int           // amplitudes per /api/fi request [64]
	MaxEnsemble  int           // samples per /api/ensemble request [256]
	Timeout      time.Duration // bound on one request's computation [60 s]
	Concurrency  int           // requests computing at once (model instances) [GOMAXPROCS]
	MaxQueue     int           // requests allowed to wait for an instance [4·Concurrency]
	Chunk        int           // traces per forward pass [Workers]
	// Workers is the number of threads of each instance's forward pass
	// [max(1, GOMAXPROCS/Concurrency)].
	Workers int

	// ExtrapolateLimit bounds extrapolation: how far outside the training
	// range, in range widths, a request that sets "extrapolate" is still
	// served (flagged); synth.Policy.Limit [synth.DefaultLimit, 0.5].
	ExtrapolateLimit float64
	// AmpRange is the amplitude training range, nA; nil means the model's
	// (surrogate.ReadMeta: its amp_range metadata, else the default
	// support [min I_thr − 0.125, max I_thr + 0.26] nA).
	AmpRange *surrogate.Range
	// Quality is one line stating the model's measured quality, shown in
	// /api/model and the explorer's header ("" : unknown, and said so).
	// noble serve reads it from the evaluation report beside the model
	// file (eval.Quality.Summary).
	Quality string

	ReadHeaderTimeout time.Duration // http.Server.ReadHeaderTimeout [10 s]
	MaxHeaderBytes    int           // http.Server.MaxHeaderBytes [64 KiB]
	ShutdownGrace     time.Duration // time given to requests in flight on shutdown [15 s]

	// Log receives one line per request and every recovered panic; nil
	// discards.
	Log *slog.Logger
}

func (s Settings) withDefaults() (Settings, error) {
	for _, f := range []struct {
		name string
		neg  bool
	}{
		{"MaxBodyBytes", s.MaxBodyBytes < 0}, {"MaxBatch", s.MaxBatch < 0},
		{"MaxFIPoints", s.MaxFIPoints < 0}, {"MaxEnsemble", s.MaxEnsemble < 0},
		{"Timeout", s.Timeout < 0}, {"Concurrency", s.Concurrency < 0},
		{"MaxQueue", s.MaxQueue < 0}, {"Chunk", s.Chunk < 0}, {"Workers", s.Workers < 0},
		{"ExtrapolateLimit", s.ExtrapolateLimit < 0 || math.IsNaN(s.ExtrapolateLimit) || math.IsInf(s.ExtrapolateLimit, 0)},
		{"ReadHeaderTimeout", s.ReadHeaderTimeout < 0}, {"MaxHeaderBytes", s.MaxHeaderBytes < 0},
		{"ShutdownGrace", s.ShutdownGrace < 0},
	} {
		if f.neg {
			return s, fmt.Errorf("%w: %s must not be negative", ErrSettings, f.name)
		}
	}
	def := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = 1 << 20
	}
	def(&s.MaxBatch, 64)
	def(&s.MaxFIPoints, 64)
	def(&s.MaxEnsemble, 256)
	def(&s.Concurrency, runtime.GOMAXPROCS(0))
	def(&s.MaxQueue, 4*s.Concurrency)
	def(&s.Workers, max(1, runtime.GOMAXPROCS(0)/s.Concurrency))
	def(&s.Chunk, s.Workers)
	def(&s.MaxHeaderBytes, 64<<10)
	if s.Timeout == 0 {
		s.Timeout = 60 * time.Second
	}
	if s.ExtrapolateLimit == 0 {
		s.ExtrapolateLimit = synth.DefaultLimit
	}
	if s.ReadHeaderTimeout == 0 {
		s.ReadHeaderTimeout = 10 * time.Second
	}
	if s.ShutdownGrace == 0 {
		s.ShutdownGrace = 15 * time.Second
	}
	if s.AmpRange != nil {
		if err := checkRange("AmpRange", *s.AmpRange); err != nil {
			return s, err
		}
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

func checkRange(name string, r surrogate.Range) error {
	if math.IsNaN(r.Min) || math.IsNaN(r.Max) || math.IsInf(r.Min, 0) || math.IsInf(r.Max, 0) || r.Min > r.Max {
		return fmt.Errorf("%w: %s [%g, %g] is not a finite range", ErrSettings, name, r.Min, r.Max)
	}
	return nil
}

// Sentinel errors of New and Open.
var (
	ErrSettings = errors.New("server: invalid settings")
	ErrModel    = errors.New("server: model unusable")
)

// Server answers the HTTP API and serves the web explorer. It is safe for
// concurrent use; build it with New or Open.
type Server struct {
	set Settings
	// syn holds the model's protocol, scaling, ranges and HoF (read only
	// here: Admit, Check); its operator is the first instance's.
	syn  *synth.Surrogate
	pol  synth.Policy      // the range policy's bounds (Extrapolate per request)
	hull []synth.Embedding // of the HoF embeddings; nil without HoF
	info []byte            // the /api/model response
	pool chan *instance
	// load counts the requests holding or waiting for an instance.
	load atomic.Int64
	cost cost
	mux  *http.ServeMux
}

// Open loads the model file at path (fno.LoadFile) and returns a Server for
// it.
func Open(path string, s *Settings) (*Server, error) {
	m, meta, err := fno.LoadFile(path)
	if err != nil {
		return nil, err
	}
	srv, err := New(m, meta, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return srv, nil
}

// New returns a Server synthesising with m and its metadata (synth.New:
// the protocol, surrogate.DefaultProtocol if nil; the scaling, required;
// the ranges and HoF of surrogate.ReadMeta). It makes Settings.Concurrency
// instances of m, sharing nothing: m itself is the first and must not be
// used by the caller afterwards. It times one forward pass to estimate the
// cost of requests. s nil means all defaults.
func New(m *fno.Model, meta fno.Metadata, s *Settings) (*Server, error) {
	if s == nil {
		s = new(Settings)
	}
	set, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	syn, err := synth.New(m, meta)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	// The API takes a stimulus as (amplitude, I_thr, s_thr).
	if err := syn.RequireFI("noble serve"); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	if set.AmpRange != nil {
		syn.AmpRange = *set.AmpRange
	}
	srv := &Server{set: set, syn: syn, pol: synth.Policy{Limit: set.ExtrapolateLimit}}
	if syn.HoF != nil {
		srv.hull = synth.ConvexHull(synth.Embeddings(syn.HoF, ""))
	}
	srv.pool = make(chan *instance, set.Concurrency)
	for i := range set.Concurrency {
		inst, err := newInstance(syn, i == 0, set.Chunk, set.Workers)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrModel, err)
		}
		if i == 0 {
			if err := srv.calibrate(inst); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrModel, err)
			}
		}
		srv.pool <- inst
	}
	if srv.info, err = json.Marshal(srv.modelInfo()); err != nil {
		return nil, err
	}
	srv.routes()
	return srv, nil
}

// Close stops the worker goroutines of the model instances, waiting for
// requests that still hold one. The server answers no computation after.
func (srv *Server) Close() {
	for range srv.set.Concurrency {
		inst := <-srv.pool
		inst.syn.Model.Close()
	}
}

// Settings returns the server's settings with defaults filled in.
func (srv *Server) Settings() Settings { return srv.set }

func (srv *Server) routes() {
	mux := http.NewServeMux()
	api := func(pattern string, methods string, h func(http.ResponseWriter, *http.Request) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			if !strings.Contains(" "+methods+" ", " "+r.Method+" ") {
				w.Header().Set("Allow", strings.ReplaceAll(methods, " ", ", "))
				writeError(w, srv.set.Log, r, errorf(http.StatusMethodNotAllowed, "method %s not allowed on %s (use %s)", r.Method, r.URL.Path, methods))
				return
			}
			if err := h(w, r); err != nil {
				writeError(w, srv.set.Log, r, err)
			}
		})
	}
	api("/healthz", "GET HEAD", srv.handleHealth)
	api("/api/model", "GET HEAD", srv.handleModel)
	api("/api/synth", "POST", srv.handleSynth)
	api("/api/fi", "POST", srv.handleFI)
	api("/api/ensemble", "POST", srv.handleEnsemble)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, srv.set.Log, r, errorf(http.StatusNotFound, "no endpoint %s (see /api/model, /api/synth, /api/fi, /api/ensemble)", r.URL.Path))
	})
	static, err := fs.Sub(webFS, "web")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(static)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, srv.set.Log, r, errorf(http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, r.URL.Path))
			return
		}
		files.ServeHTTP(w, r)
	})
	srv.mux = mux
}

// ServeHTTP answers one request: security headers, panic recovery and a
// log line around the routes.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	rec := &statusRecorder{ResponseWriter: w}
	start := time.Now()
	recoverer(srv.mux, srv.set.Log).ServeHTTP(rec, r)
	// The duration rounded to 10 µs, logged as a Duration ("171.64ms"): a
	// float of milliseconds printed 171.64000000000001.
	srv.set.Log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
		"duration", time.Since(start).Round(10*time.Microsecond))
}

// recoverer is the last line of defence: a panic in h is logged with its
// stack and answered with 500 if nothing was written yet. A panic with
// http.ErrAbortHandler is re-raised, since net/http treats it as a
// deliberate abort.
func recoverer(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec, ok := w.(*statusRecorder); ok && rec.status != 0 {
				return // headers are out: the client sees a truncated body
			}
			writeJSONError(w, http.StatusInternalServerError, "internal error (logged by the server)")
		}()
		h.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Serve answers on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting, lets the requests in flight finish for up to
// Settings.ShutdownGrace, closes what remains and returns nil. Any other
// failure of the listener is returned.
func (srv *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: srv.set.ReadHeaderTimeout,
		// A body of MaxBodyBytes arrives well within a minute even on a
		// slow link; computation is bounded separately by Timeout.
		ReadTimeout:    srv.set.ReadHeaderTimeout + time.Minute,
		WriteTimeout:   srv.set.Timeout + 2*time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: srv.set.MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(srv.set.Log.Handler(), slog.LevelWarn),
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), srv.set.ShutdownGrace)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			hs.Close()
			return fmt.Errorf("server: shutdown: %w", err)
		}
		return nil
	})
	return g.Wait()
}

// ListenAndServe listens on addr (host:port; loopback unless the caller
// chooses otherwise) and calls Serve. ready, if not nil, is called with the
// bound address once the listener is open.
func (srv *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr())
	}
	return srv.Serve(ctx, ln)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
