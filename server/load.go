package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// LoadSettings configures Load. A zero field means the default in brackets.
type LoadSettings struct {
	Clients  int           // concurrent clients [4]
	Requests int           // requests in all [100]
	Path     string        // endpoint [/api/synth]
	Body     []byte        // POST body [one stimulus at the centre of the training ranges]; GET if Path is a GET endpoint
	Timeout  time.Duration // bound on the whole run [5 min]
}

// LoadResult is the outcome of a load test. Accepted (2xx) and rejected
// responses are counted apart, and the rate and latencies are those of the
// accepted ones: a server that answers most requests with a quick 503 must
// not look fast.
type LoadResult struct {
	Clients      int
	Requests     int
	Status       map[int]int   // responses by status code (0: transport error)
	Accepted     int           // 2xx responses
	Rejected     int           // every other response, transport errors included
	Elapsed      time.Duration // wall time of the run
	Throughput   float64       // accepted responses per second of Elapsed
	RejectedRate float64       // rejected responses per second of Elapsed
	// Latency percentiles (nearest rank) and maximum of the accepted
	// responses; zero when none was accepted.
	P50, P95, P99, Max time.Duration
}

// String formats the result on one line, accepted first.
func (r *LoadResult) String() string {
	codes := make([]int, 0, len(r.Status))
	for c := range r.Status {
		if c < 200 || c > 299 {
			codes = append(codes, c)
		}
	}
	slices.Sort(codes)
	st := []string{}
	for _, c := range codes {
		st = append(st, fmt.Sprintf("%d×%d", r.Status[c], c))
	}
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1e3, 'f', 1, 64) }
	out := fmt.Sprintf("accepted %d of %d requests: %.2f req/s, latency ms p50 %s p95 %s p99 %s max %s",
		r.Accepted, r.Requests, r.Throughput, ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max))
	if r.Rejected > 0 {
		out += fmt.Sprintf("; rejected %d: %.2f req/s (%s)", r.Rejected, r.RejectedRate, strings.Join(st, " "))
	} else {
		out += "; rejected 0"
	}
	return out + fmt.Sprintf("; %d clients, %.2f s", r.Clients, r.Elapsed.Seconds())
}

// ErrNotLoopback is returned by Load for a target outside the loopback
// range: load tests never leave the machine.
var ErrNotLoopback = errors.New("server: load tests only target loopback addresses")

// Load sends s.Requests requests from s.Clients concurrent clients to the
// server at baseURL (http://127.0.0.1:PORT or another loopback address) and
// reports the accepted (2xx) and rejected responses apart: the rate and
// latency percentiles of the accepted, the count and rate of the rejected. It
// refuses non-loopback targets and stops at s.Timeout or when ctx ends.
// Non-2xx responses are counted in Status, not treated as errors.
func Load(ctx context.Context, baseURL string, s *LoadSettings) (*LoadResult, error) {
	var set LoadSettings
	if s != nil {
		set = *s
	}
	if set.Clients <= 0 {
		set.Clients = 4
	}
	if set.Requests <= 0 {
		set.Requests = 100
	}
	if set.Path == "" {
		set.Path = "/api/synth"
	}
	if set.Timeout <= 0 {
		set.Timeout = 5 * time.Minute
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%w: %q", ErrNotLoopback, baseURL)
	}
	ctx, cancel := context.WithTimeout(ctx, set.Timeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: set.Clients, DisableCompression: true}}
	defer client.CloseIdleConnections()

	method := http.MethodPost
	if set.Path == "/healthz" || set.Path == "/api/model" || set.Path == "/" {
		method = http.MethodGet
	}
	if method == http.MethodPost && len(set.Body) == 0 {
		if set.Body, err = defaultLoadBody(ctx, client, baseURL); err != nil {
			return nil, err
		}
	}

	lat := make([]time.Duration, set.Requests)
	codes := make([]int, set.Requests)
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	start := time.Now()
	for range set.Clients {
		g.Go(func() error {
			for {
				i := int(next.Add(1)) - 1
				if i >= set.Requests {
					return nil
				}
				var body io.Reader
				if method == http.MethodPost {
					body = bytes.NewReader(set.Body)
				}
				req, err := http.NewRequestWithContext(gctx, method, baseURL+set.Path, body)
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if gctx.Err() != nil {
						return gctx.Err()
					}
					lat[i], codes[i] = time.Since(t0), 0
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i], codes[i] = time.Since(t0), resp.StatusCode
				if err != nil {
					codes[i] = 0
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("server: load test: %w", err)
	}
	res := &LoadResult{Clients: set.Clients, Requests: set.Requests, Status: map[int]int{}, Elapsed: time.Since(start)}
	var ok []time.Duration
	for i, c := range codes {
		res.Status[c]++
		if c >= 200 && c <= 299 {
			ok = append(ok, lat[i])
		}
	}
	res.Accepted, res.Rejected = len(ok), set.Requests-len(ok)
	res.Throughput = float64(res.Accepted) / res.Elapsed.Seconds()
	res.RejectedRate = float64(res.Rejected) / res.Elapsed.Seconds()
	if len(ok) > 0 {
		slices.Sort(ok)
		pct := func(q float64) time.Duration { // nearest rank
			k := int(q*float64(len(ok))+0.999999) - 1
			return ok[max(0, min(k, len(ok)-1))]
		}
		res.P50, res.P95, res.P99, res.Max = pct(0.50), pct(0.95), pct(0.99), ok[len(ok)-1]
	}
	return res, nil
}

// defaultLoadBody asks the server for its ranges and returns a one-trace
// synth request at their centre.
func defaultLoadBody(ctx context.Context, client *http.Client, baseURL string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/api/model", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var info ModelInfo
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return nil, fmt.Errorf("server: load test: /api/model: %w", err)
	}
	mid := func(k string) float64 { return (info.Ranges[k].Min + info.Ranges[k].Max) / 2 }
	return json.Marshal(Stimulus{IThr: mid("i_thr"), SThr: mid("s_thr"), Amp: mid("amp")})
}

// LoadTest serves srv on a private loopback port, runs Load against it and
// shuts it down.
func (srv *Server) LoadTest(ctx context.Context, s *LoadSettings) (*LoadResult, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(ctx)
	var res *LoadResult
	g := new(errgroup.Group)
	g.Go(func() error { return srv.Serve(sctx, ln) })
	g.Go(func() error {
		defer stop()
		var err error
		res, err = Load(ctx, "http://"+ln.Addr().String(), s)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return res, nil
}
