// Package cpuisa names the instruction-set levels that noble's hand-written
// kernels (internal/gemm, internal/kernels, mech) dispatch on, reads the
// CPU's, and parses the NOBLE_*_ISA environment variables with which tests
// and benchmarks force a lesser level. Each kernel package keeps its own
// current level, since what a build offers differs between them (a build
// without cgo has no C kernels; OpenBLAS has no levels at all); this
// package owns the names, their order and the rule that a level above the
// best cannot be chosen.
package cpuisa

import (
	"fmt"
	"os"
	"strings"
)

// Level is an instruction-set level; a higher level includes the lower.
type Level int

// The levels, in increasing order.
const (
	Generic Level = iota // portable Go or C loops
	AVX2                 // AVX2 with FMA
	AVX512               // AVX-512F, with AVX2 and FMA
)

var names = [...]string{"generic", "avx2", "avx512"}

// String returns the level's name, as Parse reads it.
func (l Level) String() string {
	if l < 0 || int(l) >= len(names) {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return names[l]
}

// Parse returns the level called name ("generic", "avx2" or "avx512").
func Parse(name string) (Level, error) {
	for i, n := range names {
		if n == name {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("unknown instruction set %q (want one of %s)", name, strings.Join(names[:], ", "))
}

// Choose returns the level called name if it is at most best, the best
// level the CPU and the build offer.
func Choose(name string, best Level) (Level, error) {
	l, err := Parse(name)
	if err != nil {
		return 0, err
	}
	if l > best {
		return 0, fmt.Errorf("this CPU or build has no %s (best: %s)", l, best)
	}
	return l, nil
}

// FromEnv returns the level the environment variable env names (Choose),
// or best when env is unset or empty. An unusable value is reported on
// stderr, prefixed with the variable's name, and best is kept: a slower
// choice must not stop a run.
func FromEnv(env string, best Level) Level {
	s := os.Getenv(env)
	if s == "" {
		return best
	}
	l, err := Choose(s, best)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", env, err)
		return best
	}
	return l
}
