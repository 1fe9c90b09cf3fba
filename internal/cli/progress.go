package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// Status owns a command's stderr: its log lines and, on a terminal, the one
// progress line beneath them. A log line first clears the progress line and
// then draws it again below, so that neither overwrites the other (a bare
// "\r" line followed by a log line would leave the log line's tail mixed
// with the progress line's). It is safe for concurrent use.
//
//	st := cli.NewStatus(os.Stderr, quiet)
//	p := st.Progress("simulate", "traces", n) // when the work begins
//	for … { …; p.Add(1) }
//	st.Logf("noble simulate: %s skipped", name)
//	p.Done()
type Status struct {
	w     io.Writer
	quiet bool             // no log lines, no progress
	term  bool             // progress is drawn (w is a terminal and not quiet)
	now   func() time.Time // the clock, replaced in tests

	mu    sync.Mutex
	cur   *Progress // the progress drawn on the last line, nil if none
	drawn int       // characters of the drawn progress line, 0 if none
}

// NewStatus returns the status writer of w. quiet silences everything;
// progress is drawn only if w is a terminal: an *os.File that is one, or a
// writer with an IsTerminal() bool method that says so (as tests use).
func NewStatus(w io.Writer, quiet bool) *Status {
	return &Status{w: w, quiet: quiet, term: !quiet && isTerminal(w), now: time.Now}
}

func isTerminal(w io.Writer) bool {
	switch t := w.(type) {
	case interface{ IsTerminal() bool }:
		return t.IsTerminal()
	case *os.File:
		return term.IsTerminal(int(t.Fd()))
	}
	return false
}

// Logf writes one log line (the newline is added) unless s is quiet,
// terminal or not.
func (s *Status) Logf(format string, args ...any) {
	if s.quiet {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clear()
	fmt.Fprintf(s.w, format+"\n", args...)
	s.redraw()
}

// Write writes log text, whole lines, as Logf does: it lets packages that
// log to an io.Writer (eval.Settings.Log) share the terminal with progress.
func (s *Status) Write(b []byte) (int, error) {
	if s.quiet {
		return len(b), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clear()
	n, err := s.w.Write(b)
	s.redraw()
	return n, err
}

// Progress starts reporting total items of unit ("traces") under label;
// call it when the work begins, since rates are measured from then. A
// progress line still drawn is replaced.
func (s *Status) Progress(label, unit string, total int) *Progress {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &Progress{s: s, label: label, unit: unit, total: total, start: s.now()}
	if s.term {
		s.clear()
		s.cur = p
	}
	return p
}

// clear blanks the drawn progress line and returns to its start.
func (s *Status) clear() {
	if s.drawn > 0 {
		fmt.Fprintf(s.w, "\r%s\r", strings.Repeat(" ", s.drawn))
		s.drawn = 0
	}
}

// redraw draws the current progress line after a log line.
func (s *Status) redraw() {
	if s.cur != nil {
		s.draw(s.cur.line(s.now()))
	}
}

// draw overwrites the progress line with line.
func (s *Status) draw(line string) {
	n := utf8.RuneCountInString(line)
	fmt.Fprintf(s.w, "\r%s%s", line, strings.Repeat(" ", max(s.drawn-n, 0)))
	s.drawn = n
}

// Progress reports the advance of a long job on a terminal: done/total,
// rate and time left, at most about once a second, on one line that log
// lines of its Status pass above. The rate appears once a second has
// passed since the progress began: earlier, a batch finished just after
// the start would give a rate of millions per second. It is silent when
// its Status is quiet or not a terminal. It is safe for concurrent use.
type Progress struct {
	s     *Status
	label string
	unit  string
	total int
	start time.Time

	// Guarded by s.mu.
	done int
	base int       // items done before start (Skip), not in the rate
	last time.Time // last drawn
}

// NewProgress is NewStatus(w, quiet).Progress(label, unit, total), for a
// command whose only output on w is this progress.
func NewProgress(w io.Writer, quiet bool, label, unit string, total int) *Progress {
	return NewStatus(w, quiet).Progress(label, unit, total)
}

// minRateTime is the least time over which a rate is shown.
const minRateTime = time.Second

// Add records n more finished items.
func (p *Progress) Add(n int) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p.done += n
	if s.cur != p {
		return
	}
	now := s.now()
	if now.Sub(p.last) < time.Second && p.done < p.total {
		return
	}
	p.last = now
	s.draw(p.line(now))
}

// Skip records n items finished before the progress began, as those of a
// resumed job: they count as done, but not in the rate.
func (p *Progress) Skip(n int) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.done += n
	p.base += n
}

// line is the progress line at time now.
func (p *Progress) line(now time.Time) string {
	line := fmt.Sprintf("%s: %d/%d %s", p.label, p.done, p.total, p.unit)
	el := now.Sub(p.start)
	n := p.done - p.base
	if el < minRateTime || n <= 0 {
		return line
	}
	rate := float64(n) / el.Seconds()
	line += fmt.Sprintf(", %.2f %s/s", rate, p.unit)
	if left := p.total - p.done; left > 0 {
		line += fmt.Sprintf(", %s left", (time.Duration(float64(left)/rate) * time.Second).Round(time.Second))
	}
	return line
}

// Done ends the progress: on a terminal, its line becomes a summary
// (done/total, time taken and, after a second or more, the mean rate).
func (p *Progress) Done() {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != p {
		return
	}
	s.clear()
	s.cur = nil
	el := s.now().Sub(p.start)
	fmt.Fprintf(s.w, "%s: %d/%d %s in %s", p.label, p.done, p.total, p.unit, el.Round(10*time.Millisecond))
	if n := p.done - p.base; el >= minRateTime && n > 0 {
		fmt.Fprintf(s.w, ", %.2f %s/s", float64(n)/el.Seconds(), p.unit)
	}
	fmt.Fprintln(s.w)
}
