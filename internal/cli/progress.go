package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// Progress reports the advance of a long job on a terminal: done/total,
// rate and time left, at most about once a second, overwriting one line.
// It is silent when its writer is not a terminal or when quiet is set, so
// that logs and pipes stay clean. It is safe for concurrent use.
type Progress struct {
	w      io.Writer
	label  string
	unit   string
	total  int
	start  time.Time
	mu     sync.Mutex
	done   int
	last   time.Time
	active bool
}

// NewProgress returns a reporter for total items of the given unit ("traces").
// It writes to w only if w is a terminal and quiet is false.
func NewProgress(w io.Writer, quiet bool, label, unit string, total int) *Progress {
	p := &Progress{w: w, label: label, unit: unit, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok && !quiet && term.IsTerminal(int(f.Fd())) {
		p.active = true
	}
	return p
}

// Add records n more finished items.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if !p.active {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < time.Second && p.done < p.total {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := float64(p.done) / el
	left := "?"
	if rate > 0 {
		left = (time.Duration(float64(p.total-p.done)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r%s: %d/%d %s, %.2f %s/s, %s left   ", p.label, p.done, p.total, p.unit, rate, p.unit, left)
}

// Done ends the progress line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active {
		fmt.Fprintf(p.w, "\r%s: %d/%d %s in %s\n", p.label, p.done, p.total, p.unit, time.Since(p.start).Round(10*time.Millisecond))
	}
}
