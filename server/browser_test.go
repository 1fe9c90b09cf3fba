package server

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/sync/errgroup"
)

// chromium is Debian's browser (apt-get install chromium); CI installs it.
const chromium = "/usr/bin/chromium"

// TestBrowser opens the explorer in headless Chromium against a server on
// 127.0.0.1:0 with a tiny random model, checks that the header states the
// model's quality, moves the I_thr slider, clicks the
// embedding plane, pins a neuron and draws an ensemble band, checking that
// each redraws the plot and that the page logs no console error,
// exception or failed resource. Set NOBLE_SCREENSHOT=FILE.png to keep a
// screenshot of the final page.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s not found (install Debian's chromium package to run the browser test): %v", chromium, err)
	}
	const quality = "measured by noble eval on 512 test traces: held-out models: voltage error 9.07 %"
	srv, _ := newTestServer(t, &Settings{Quality: quality})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	sctx, stop := context.WithCancel(context.Background())
	var g errgroup.Group
	g.Go(func() error { return srv.Serve(sctx, ln) })
	defer func() {
		stop()
		if err := g.Wait(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()

	// The background-networking and update flags matter: without them
	// Chromium tries to reach Google's services and hangs on a machine
	// without a network.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")),
		chromedp.WindowSize(1400, 1100),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, tcancel := context.WithTimeout(ctx, 90*time.Second)
	defer tcancel()

	var (
		mu       sync.Mutex
		problems []string
	)
	if err := chromedp.Listen(ctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			p = "exception: " + d.Text
			if d.Exception != nil {
				p += " " + d.Exception.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				p = fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
		if p != "" {
			mu.Lock()
			problems = append(problems, p)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %q: %v", js, err)
		}
		return v
	}
	wait := func(what, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("waiting for %s (%s): %v; status %q; console problems %q", what, js, err,
				eval(`document.getElementById('status').textContent`), problems)
		}
	}
	const pathJS = `document.getElementById('trace-current').getAttribute('d')`

	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	wait("the first trace", `document.body.dataset.state === 'ready' && !!document.getElementById('trace-current')`)
	wait("the first F-I curve", `!!document.getElementById('fi-current')`)
	d0 := eval(pathJS)
	if strings.Count(d0, "L") < 500 {
		t.Fatalf("trace path has %d segments: %.100q", strings.Count(d0, "L"), d0)
	}
	// The header states the model's quality (Settings.Quality, which noble
	// serve reads from the model's evaluation report).
	if got := eval(`document.getElementById('model-quality').textContent`); got != quality {
		t.Errorf("header quality %q, want %q", got, quality)
	}
	if got := eval(`document.getElementById('ithr-val').textContent`); got != "0.2 nA" {
		t.Errorf("I_thr slider starts at %q, want the centre of the training range, 0.2 nA", got)
	}

	// Drag the I_thr slider: input events as a user's drag fires them.
	draws := eval(`document.body.dataset.draws`)
	eval(`(() => {
		const s = document.getElementById('ithr');
		for (const f of [0.55, 0.6, 0.65, 0.7]) {
			s.value = String(Number(s.min) + f * (Number(s.max) - Number(s.min)));
			s.dispatchEvent(new Event('input', {bubbles: true}));
		}
		return s.value;
	})()`)
	wait("the trace to redraw after the slider moved", fmt.Sprintf(`document.body.dataset.draws !== %q && %s !== %q`, draws, pathJS, d0))
	if got := eval(`document.getElementById('ithr-val').textContent`); got != "0.28 nA" {
		t.Errorf("I_thr after the slider moved: %q, want 0.28 nA", got)
	}
	d1 := eval(pathJS)

	// Click the embedding plane: the cursor and both sliders move.
	cx := eval(`document.getElementById('cursor').getAttribute('cx')`)
	if err := chromedp.Do(ctx, chromedp.Click("#plane")); err != nil {
		t.Fatal(err)
	}
	wait("the trace to redraw after a click on the plane", fmt.Sprintf(`%s !== %q && document.getElementById('cursor').getAttribute('cx') !== %q`, pathJS, d1, cx))

	// Pin the neuron, then draw an ensemble band.
	if err := chromedp.Do(ctx, chromedp.Click("#pin")); err != nil {
		t.Fatal(err)
	}
	wait("the pinned trace and its F-I curve", `!!document.getElementById('trace-pin-0') && !!document.getElementById('fi-pin-0')`)
	if got := eval(`String(document.querySelectorAll('#features thead th').length)`); got != "3" {
		t.Errorf("feature table has %s header cells, want 3 (feature, current, pin 1)", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click("#ensemble")); err != nil {
		t.Fatal(err)
	}
	wait("the ensemble band", `!!document.getElementById('band') && document.querySelectorAll('#plane circle.sample').length === 20`)

	// The downloads build their files without error (the browser itself
	// may drop the download in headless mode).
	for _, id := range []string{"#dl-trace-csv", "#dl-fi-csv", "#dl-features-csv", "#dl-trace-npy"} {
		if err := chromedp.Do(ctx, chromedp.Click(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chromedp.Run(ctx, chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if eval(`String(document.getElementById('status').classList.contains('error'))`) == "true" {
		t.Errorf("status shows an error: %q", eval(`document.getElementById('status').textContent`))
	}

	if file := os.Getenv("NOBLE_SCREENSHOT"); file != "" {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser reported: %s", p)
	}
}
