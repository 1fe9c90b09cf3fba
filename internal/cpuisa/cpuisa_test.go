package cpuisa

import (
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	for _, c := range []struct {
		name string
		best Level
		want Level
		err  string
	}{
		{"generic", AVX512, Generic, ""},
		{"avx2", AVX512, AVX2, ""},
		{"avx512", AVX512, AVX512, ""},
		{"avx2", AVX2, AVX2, ""},
		{"avx512", AVX2, 0, "this CPU or build has no avx512 (best: avx2)"},
		{"avx2", Generic, 0, "this CPU or build has no avx2 (best: generic)"},
		{"sse", AVX512, 0, `unknown instruction set "sse" (want one of generic, avx2, avx512)`},
		{"AVX2", AVX512, 0, "unknown instruction set"},
	} {
		got, err := Choose(c.name, c.best)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Choose(%q, %v) error %v, want %q", c.name, c.best, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Choose(%q, %v) = %v, %v, want %v", c.name, c.best, got, err, c.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	const env = "NOBLE_CPUISA_TEST"
	for _, c := range []struct {
		val        string
		best, want Level
	}{
		{"", AVX512, AVX512},
		{"avx2", AVX512, AVX2},
		{"avx512", AVX2, AVX2}, // refused: the best is kept
		{"bogus", AVX2, AVX2},
	} {
		t.Setenv(env, c.val)
		if got := FromEnv(env, c.best); got != c.want {
			t.Errorf("%s=%q, best %v: %v, want %v", env, c.val, c.best, got, c.want)
		}
	}
}

func TestString(t *testing.T) {
	for l := Generic; l <= AVX512; l++ {
		if p, err := Parse(l.String()); err != nil || p != l {
			t.Errorf("Parse(%q) = %v, %v", l.String(), p, err)
		}
	}
	if s := Level(7).String(); s != "Level(7)" {
		t.Errorf("Level(7) = %q", s)
	}
	if CPU() < Generic || CPU() > AVX512 {
		t.Errorf("CPU() = %v", CPU())
	}
}
