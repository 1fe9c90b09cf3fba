package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noble-neuro/noble/fno"
)

// TestLoad drives a tiny model with the load tester and checks its
// accounting, and that it refuses targets off the loopback.
func TestLoad(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, &Settings{Concurrency: 2})
	res, err := srv.LoadTest(context.Background(), &LoadSettings{Clients: 3, Requests: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status[200] != 20 || len(res.Status) != 1 {
		t.Errorf("status counts %v, want 20×200", res.Status)
	}
	if !(0 < res.P50 && res.P50 <= res.P95 && res.P95 <= res.P99 && res.P99 <= res.Max && res.Max <= res.Elapsed) {
		t.Errorf("percentiles not ordered: %v", res)
	}
	if want := 20 / res.Elapsed.Seconds(); res.Throughput != want || res.Accepted != 20 || res.Rejected != 0 {
		t.Errorf("throughput %g, want %g; accepted %d, rejected %d", res.Throughput, want, res.Accepted, res.Rejected)
	}
	// A GET endpoint, and a body the server refuses: counted, not failed.
	res, err = srv.LoadTest(context.Background(), &LoadSettings{Clients: 2, Requests: 4, Path: "/healthz"})
	if err != nil || res.Status[200] != 4 {
		t.Errorf("healthz load: %v %v", err, res)
	}
	res, err = srv.LoadTest(context.Background(), &LoadSettings{Clients: 2, Requests: 4, Body: []byte(`{}`)})
	if err != nil || res.Status[400] != 4 || res.Accepted != 0 || res.Throughput != 0 || res.P50 != 0 {
		t.Errorf("bad-body load: %v %v", err, res)
	}
	for _, u := range []string{"http://10.1.2.3:8080", "http://example.com", "http://[2001:db8::1]:80"} {
		if _, err := Load(context.Background(), u, nil); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("Load(%s): %v, want ErrNotLoopback", u, err)
		}
	}
}

// TestLoadAccounting checks that rejected responses are reported apart
// from accepted ones: a server refusing every other request with a quick
// 503 gave a headline rate of all responses, the refusals included.
func TestLoadAccounting(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		time.Sleep(2 * time.Millisecond)
	}))
	defer ts.Close()
	res, err := Load(context.Background(), ts.URL, &LoadSettings{Clients: 1, Requests: 10, Path: "/healthz"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 5 || res.Rejected != 5 || res.Status[503] != 5 {
		t.Fatalf("accepted %d, rejected %d, statuses %v; want 5, 5, 5×503", res.Accepted, res.Rejected, res.Status)
	}
	if want := 5 / res.Elapsed.Seconds(); res.Throughput != want || res.RejectedRate != want {
		t.Errorf("rates %g and %g, want %g each", res.Throughput, res.RejectedRate, want)
	}
	if res.P50 < 2*time.Millisecond {
		t.Errorf("p50 %v: the quick 503s are in the accepted latencies", res.P50)
	}
	line := res.String()
	for _, want := range []string{"accepted 5 of 10 requests: ", "; rejected 5: ", "(5×503)"} {
		if !strings.Contains(line, want) {
			t.Errorf("String() = %q, want it to contain %q", line, want)
		}
	}
}

// BenchmarkServe is the bounded load test of docs/benchmarks.md: the
// published architecture (random weights: speed does not depend on them)
// behind the full HTTP stack on loopback, one-trace /api/synth requests
// with features, from 1 or 8 concurrent clients, for several splits of the
// cores between concurrent requests (instances) and threads per forward
// pass (workers). Each iteration sends a fixed number of requests.
//
//	go test ./server -run '^$' -bench Serve -benchtime 1x
func BenchmarkServe(b *testing.B) {
	path := writeTestModel(b, fno.DefaultConfig(), 1)
	for _, c := range []struct{ conc, workers, clients, requests int }{
		{1, 2, 1, 20}, {2, 1, 1, 20}, {1, 2, 8, 64}, {2, 1, 8, 64}, {2, 2, 8, 64},
	} {
		b.Run(fmt.Sprintf("instances%d-workers%d/clients%d", c.conc, c.workers, c.clients), func(b *testing.B) {
			srv, err := Open(path, &Settings{Concurrency: c.conc, Workers: c.workers, MaxQueue: 64, Timeout: 5 * time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			var last *LoadResult
			var reqs int
			c0 := cpuSeconds()
			for b.Loop() {
				res, err := srv.LoadTest(context.Background(), &LoadSettings{Clients: c.clients, Requests: c.requests})
				if err != nil {
					b.Fatal(err)
				}
				if res.Status[200] != c.requests {
					b.Fatalf("statuses %v", res.Status)
				}
				last, reqs = res, reqs+c.requests
			}
			b.ReportMetric(float64(reqs)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric((cpuSeconds()-c0)*1e3/float64(reqs), "cpu-ms/req")
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
			b.ReportMetric(ms(last.P50), "p50-ms")
			b.ReportMetric(ms(last.P95), "p95-ms")
			b.ReportMetric(ms(last.P99), "p99-ms")
		})
	}
	// Heavier requests at one client: an 11-point F-I curve and a
	// 20-sample ensemble band.
	for _, c := range []struct{ name, path, body string }{
		{"fi11", "/api/fi", `{"i_thr":0.2,"s_thr":200,"points":11}`},
		{"ensemble20", "/api/ensemble", `{"i_thr":0.2,"s_thr":200,"amp":0.2,"n":20}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			srv, err := Open(path, &Settings{Timeout: 5 * time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			var last *LoadResult
			c0, reqs := cpuSeconds(), 0
			for b.Loop() {
				reqs += 2
				res, err := srv.LoadTest(context.Background(), &LoadSettings{Clients: 1, Requests: 2, Path: c.path, Body: []byte(c.body)})
				if err != nil {
					b.Fatal(err)
				}
				if res.Status[200] != 2 {
					b.Fatalf("statuses %v", res.Status)
				}
				last = res
			}
			b.ReportMetric(float64(last.P50.Microseconds())/1e3, "p50-ms")
			b.ReportMetric((cpuSeconds()-c0)*1e3/float64(reqs), "cpu-ms/req")
		})
	}
}
