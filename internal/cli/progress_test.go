package cli

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noble-neuro/noble/internal/testutil"
)

// clock is a settable time for Status.now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)} }

// testStatus is a Status on a terminal w, with the clock c.
func testStatus(w *testutil.Terminal, c *clock) *Status {
	s := NewStatus(w, false)
	s.now = c.now
	return s
}

// TestProgress reproduces the progress faults of issue 20 and checks what
// a terminal shows: no rate over the first moments ("585565.80 traces/s"
// after one batch), traces done before a resumed start kept out of the
// rate, log lines passing above the progress line rather than over it, and
// the summary of Done.
func TestProgress(t *testing.T) {
	cases := []struct {
		name string
		run  func(s *Status, c *clock)
		want []string // the screen
	}{
		{"no rate in the first second", func(s *Status, c *clock) {
			p := s.Progress("epoch 1", "traces", 100)
			c.advance(10 * time.Millisecond)
			p.Add(4)
		}, []string{"epoch 1: 4/100 traces"}},
		{"rate after a second", func(s *Status, c *clock) {
			p := s.Progress("epoch 1", "traces", 100)
			c.advance(10 * time.Millisecond)
			p.Add(4)
			c.advance(1990 * time.Millisecond)
			p.Add(16)
		}, []string{"epoch 1: 20/100 traces, 10.00 traces/s, 8s left"}},
		{"throttled to a line a second", func(s *Status, c *clock) {
			p := s.Progress("x", "traces", 100)
			c.advance(time.Second)
			p.Add(10)
			c.advance(500 * time.Millisecond)
			p.Add(10)
		}, []string{"x: 10/100 traces, 10.00 traces/s, 9s left"}},
		{"resumed: skipped items not in the rate", func(s *Status, c *clock) {
			p := s.Progress("epoch 2", "traces", 100)
			p.Skip(50)
			c.advance(2 * time.Second)
			p.Add(10)
		}, []string{"epoch 2: 60/100 traces, 5.00 traces/s, 8s left"}},
		{"a log line passes above", func(s *Status, c *clock) {
			p := s.Progress("epoch 1", "traces", 1000)
			c.advance(2 * time.Second)
			p.Add(500)
			s.Logf("short")
		}, []string{"short", "epoch 1: 500/1000 traces, 250.00 traces/s, 2s left"}},
		{"log text through Write", func(s *Status, c *clock) {
			p := s.Progress("accuracy test_held", "traces", 10)
			p.Add(1)
			fmt.Fprintf(s, "eval: %s\n", "F-I curves")
		}, []string{"eval: F-I curves", "accuracy test_held: 1/10 traces"}},
		{"done", func(s *Status, c *clock) {
			p := s.Progress("epoch 1", "traces", 100)
			p.Add(40)
			c.advance(2 * time.Second)
			p.Add(60)
			p.Done()
			s.Logf("noble train: epoch 1: train 0.5")
		}, []string{"epoch 1: 100/100 traces in 2s, 50.00 traces/s", "noble train: epoch 1: train 0.5", ""}},
		// The fault of issue 20: "\r" and a shorter summary left the
		// tail of the progress line ("… in 0s65.80 traces/s, 0s left").
		{"summary shorter than the line", func(s *Status, c *clock) {
			p := s.Progress("x", "traces", 1000)
			c.advance(time.Second)
			p.Add(10)
			p.Done()
		}, []string{"x: 10/1000 traces in 1s, 10.00 traces/s", ""}},
		{"done at once", func(s *Status, c *clock) {
			p := s.Progress("verify", "shards", 3)
			p.Add(3)
			p.Done()
		}, []string{"verify: 3/3 shards in 0s", ""}},
		{"a new progress replaces the line", func(s *Status, c *clock) {
			p := s.Progress("a long label for stage one", "traces", 10)
			p.Add(1)
			q := s.Progress("two", "traces", 5)
			q.Add(1)
			p.Add(5) // no longer drawn
			p.Done() // nor summarised
		}, []string{"two: 1/5 traces"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var w testutil.Terminal
			c := newClock()
			tc.run(testStatus(&w, c), c)
			got := testutil.Screen(w.String())
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("screen\n%q\nwant\n%q\n(output %q)", got, tc.want, w.String())
			}
		})
	}
}

// TestStatusNotTerminal checks that progress is drawn only on a terminal,
// while log lines are written anywhere unless quiet.
func TestStatusNotTerminal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		quiet bool
		want  string
	}{
		{"log", false, "a\nb\n"},
		{"quiet", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w strings.Builder
			s := NewStatus(&w, tc.quiet)
			p := s.Progress("x", "traces", 2)
			s.Logf("a")
			p.Add(2)
			fmt.Fprintln(s, "b")
			p.Done()
			if w.String() != tc.want {
				t.Errorf("output %q, want %q", w.String(), tc.want)
			}
		})
	}
	var w testutil.Terminal
	s := NewStatus(&w, true)
	s.Progress("x", "traces", 1).Add(1)
	s.Logf("a")
	if w.Len() != 0 {
		t.Errorf("quiet on a terminal: output %q", w.String())
	}
}

// TestProgressConcurrent adds from several goroutines while logging (run
// with -race).
func TestProgressConcurrent(t *testing.T) {
	var w testutil.Terminal
	s := NewStatus(&w, false)
	p := s.Progress("x", "traces", 400)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for range 100 {
				p.Add(1)
			}
			s.Logf("worker %d done", g)
		})
	}
	wg.Wait()
	p.Done()
	screen := testutil.Screen(w.String())
	if last := screen[len(screen)-2]; !strings.HasPrefix(last, "x: 400/400 traces in ") {
		t.Errorf("last line %q, want the summary of 400 traces", last)
	}
	if n := strings.Count(strings.Join(screen, "\n"), "done"); n != 4 {
		t.Errorf("%d log lines on the screen, want 4:\n%s", n, strings.Join(screen, "\n"))
	}
}
