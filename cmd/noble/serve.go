package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/noble-neuro/noble/eval"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/server"
	"github.com/noble-neuro/noble/surrogate"
)

func cmdServe() *cli.Command {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	model := fs.String("model", "", "model `FILE` (safetensors, as written by noble train) (required)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen `HOST:PORT` (loopback by default; use 0.0.0.0:PORT to expose it)")
	concurrency := fs.Int("concurrency", 0, "requests computing at once, one model instance each (0: GOMAXPROCS)")
	workers := fs.Int("workers", 0, "threads per forward pass (0: GOMAXPROCS/concurrency)")
	queue := fs.Int("queue", 0, "requests allowed to wait for an instance before 503 (0: 4×concurrency)")
	timeout := fs.Duration("timeout", 60*time.Second, "bound on one request's computation (waiting for an instance is bounded apart); a request estimated to take longer is refused with 413")
	maxBatch := fs.Int("max-batch", 64, "stimuli per /api/synth request")
	maxEnsemble := fs.Int("max-ensemble", 256, "samples per /api/ensemble request")
	maxBody := fs.Int64("max-body", 1<<20, "request body limit, bytes")
	ampRange := fs.String("amp-range", "", "amplitude training range `MIN,MAX` in nA (default: the model's metadata, else dataset's default support for its I_thr range)")
	extrapolate := fs.Float64("extrapolate-limit", 0.5, "how far outside the training ranges, in range widths, requests that set \"extrapolate\" are still served (flagged)")
	quiet := fs.Bool("quiet", false, "no request log on stderr")
	loadN := fs.Int("load-test", 0, "instead of serving, run a load test of `N` requests against a private loopback server and print the results")
	loadClients := fs.Int("load-clients", 4, "concurrent clients of --load-test")
	loadPath := fs.String("load-path", "/api/synth", "endpoint of --load-test")
	loadBody := fs.String("load-body", "", "JSON body of --load-test (default: one trace at the centre of the training ranges)")
	return &cli.Command{
		Name:      "serve",
		UsageLine: "serve --model FILE [--addr 127.0.0.1:8080] [--concurrency N] [--timeout 60s] [--load-test N]",
		Short:     "HTTP API and web explorer of a trained surrogate",
		Long: `Serve answers the HTTP API of docs/api.md with the surrogate in --model
(GET /api/model, POST /api/synth, /api/fi, /api/ensemble, GET /healthz) and
serves the web explorer at /: sliders for I_thr, s_thr and the stimulus
amplitude, the embedding plane with the hall-of-fame models, F-I curves,
features, ensembles and downloads. It binds loopback unless --addr says
otherwise, bounds request sizes, batch sizes, computation time and
concurrency, and shuts down cleanly on SIGINT or SIGTERM, letting the
requests in flight finish.

Ranges: a value outside the model's training ranges is refused (422) with
the message noble synth and noble demo give, unless the request sets
"extrapolate": true; then it is served and flagged up to --extrapolate-limit
range widths beyond (the explorer opts in and shows the warnings).

Quality: /api/model and the explorer's header state the model's measured
quality from report/results.json beside the model file (noble eval's
output), or that it is unknown.

With --load-test N it starts the same server on a private loopback port,
sends N requests from --load-clients concurrent clients, prints throughput
and latency percentiles to stdout and exits.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return cli.Usagef("unexpected arguments %q", args)
			}
			if *model == "" {
				return cli.Usagef("--model is required")
			}
			set := &server.Settings{
				Concurrency: *concurrency, Workers: *workers, MaxQueue: *queue, Timeout: *timeout,
				MaxBatch: *maxBatch, MaxEnsemble: *maxEnsemble, MaxBodyBytes: *maxBody, ExtrapolateLimit: *extrapolate,
			}
			for _, c := range []struct {
				name string
				v    float64
			}{{"concurrency", float64(*concurrency)}, {"workers", float64(*workers)}, {"queue", float64(*queue)},
				{"timeout", float64(*timeout)}, {"max-batch", float64(*maxBatch)}, {"max-ensemble", float64(*maxEnsemble)},
				{"max-body", float64(*maxBody)}, {"extrapolate-limit", *extrapolate}} {
				if c.v < 0 {
					return cli.Usagef("--%s must not be negative", c.name)
				}
			}
			if *ampRange != "" {
				v, err := cli.Floats("amp-range", *ampRange)
				if err != nil {
					return err
				}
				if len(v) != 2 || v[0] > v[1] {
					return cli.Usagef("--amp-range %q: want MIN,MAX with MIN ≤ MAX", *ampRange)
				}
				set.AmpRange = &surrogate.Range{Min: v[0], Max: v[1]}
			}
			switch q, err := eval.ReadQuality(eval.ReportResults(*model)); {
			case err == nil:
				set.Quality = q.Summary()
			case !errors.Is(err, os.ErrNotExist):
				fmt.Fprintf(os.Stderr, "noble serve: warning: the model's evaluation report: %v\n", err)
			}
			if !*quiet && *loadN == 0 {
				set.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
			}
			srv, err := server.Open(*model, set)
			if err != nil {
				return err
			}
			defer srv.Close()
			if *loadN > 0 {
				res, err := srv.LoadTest(ctx, &server.LoadSettings{
					Clients: *loadClients, Requests: *loadN, Path: *loadPath, Body: []byte(*loadBody),
				})
				if err != nil {
					return err
				}
				fmt.Println(res)
				return nil
			}
			return srv.ListenAndServe(ctx, *addr, func(a net.Addr) {
				fmt.Fprintf(os.Stderr, "noble serve: explorer at http://%s/ (Ctrl-C to stop)\n", a)
			})
		},
	}
}
