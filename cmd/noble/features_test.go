package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/npy"
)

// featuresJSON runs "noble features --json" on a trace file and decodes it.
func featuresJSON(t *testing.T, path string) (map[string][]float64, error) {
	t.Helper()
	vals, _, err := featuresRun(t, path)
	return vals, err
}

// featuresRun runs "noble features --json" on a trace file with extra
// flags and returns the decoded output and what it wrote to stderr.
func featuresRun(t *testing.T, path string, extra ...string) (map[string][]float64, string, error) {
	t.Helper()
	// The command prints to os.Stdout and notes to os.Stderr: redirect
	// them for the call.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	er, ew, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old, olde := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, ew
	var errBuf bytes.Buffer
	done := make(chan struct{})
	go func() { errBuf.ReadFrom(er); close(done) }()
	var buf bytes.Buffer
	done2 := make(chan struct{})
	go func() { buf.ReadFrom(r); close(done2) }()
	runErr := run(context.Background(), append([]string{"features", "--trace", path, "--dt", "0.1",
		"--stim-start", "10", "--stim-end", "90", "--json"}, extra...), io.Discard)
	os.Stdout, os.Stderr = old, olde
	w.Close()
	ew.Close()
	<-done
	<-done2
	if runErr != nil {
		return nil, errBuf.String(), runErr
	}
	var vals map[string][]float64
	if err := json.Unmarshal(buf.Bytes(), &vals); err != nil {
		t.Fatalf("output %q: %v", buf.String(), err)
	}
	return vals, errBuf.String(), nil
}

// TestFeaturesCommandShapes: a [1, L] file (one trace as "noble synth"
// writes it) gives the same features as the 1-D file; other shapes are
// refused with the file and shape named.
func TestFeaturesCommandShapes(t *testing.T) {
	dir := t.TempDir()
	const n = 1001 // 100 ms at 0.1 ms
	v := make([]float32, n)
	for i := range v {
		v[i] = -70
		for _, peak := range []float64{30, 50, 70} { // three 100 mV spikes
			d := float64(i)*0.1 - peak
			v[i] += float32(100 * math.Exp(-d*d/(2*0.09)))
		}
	}
	one, row, two := filepath.Join(dir, "one.npy"), filepath.Join(dir, "row.npy"), filepath.Join(dir, "two.npy")
	for _, f := range []struct {
		path  string
		shape []int
		data  []float32
	}{{one, []int{n}, v}, {row, []int{1, n}, v}, {two, []int{2, n}, append(append([]float32{}, v...), v...)}} {
		if err := npy.WriteFileFloat32(f.path, f.shape, f.data); err != nil {
			t.Fatal(err)
		}
	}
	a, err := featuresJSON(t, one)
	if err != nil {
		t.Fatal(err)
	}
	b, err := featuresJSON(t, row)
	if err != nil {
		t.Fatal(err)
	}
	if got := a["Spikecount"]; len(got) != 1 || got[0] != 3 {
		t.Fatalf("Spikecount %v, want [3]", got)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("[1, L] file gives %s, 1-D file %s", jb, ja)
	}
	if _, err := featuresJSON(t, two); err == nil || !strings.Contains(err.Error(), "two.npy") || !strings.Contains(err.Error(), "[2 1001]") {
		t.Errorf("[2, L] file: error %v, want one naming the file and its shape", err)
	}
}

// TestFeaturesUnit reproduces issue 20: a trace in volts gave Spikecount 0
// without a word. Every value within ±1 is taken as volts (with a note on
// stderr); --unit mV|V overrides, and a unit the values contradict is an
// error (V) or a note (mV).
func TestFeaturesUnit(t *testing.T) {
	dir := t.TempDir()
	const n = 1001 // 100 ms at 0.1 ms
	mv := make([]float32, n)
	for i := range mv {
		mv[i] = -70
		for _, peak := range []float64{30, 50, 70} { // three 100 mV spikes
			d := float64(i)*0.1 - peak
			mv[i] += float32(100 * math.Exp(-d*d/(2*0.09)))
		}
	}
	volts := make([]float32, n)
	for i, x := range mv {
		volts[i] = x / 1000
	}
	mvPath, vPath := filepath.Join(dir, "mv.npy"), filepath.Join(dir, "v.npy")
	npy.WriteFileFloat32(mvPath, []int{n}, mv)
	npy.WriteFileFloat32(vPath, []int{n}, volts)
	cases := []struct {
		name   string
		path   string
		args   []string
		spikes float64 // want Spikecount; -1: want an error
		note   string  // substring of stderr ("" : none)
	}{
		{"mV, auto", mvPath, nil, 3, ""},
		{"V, auto", vPath, nil, 3, "taken as volts"},
		{"V, --unit V", vPath, []string{"--unit", "V"}, 3, ""},
		{"mV, --unit mV", mvPath, []string{"--unit", "mV"}, 3, ""},
		{"V, --unit mV", vPath, []string{"--unit", "mV"}, 0, "within ±1 mV"},
		{"mV, --unit V", mvPath, []string{"--unit", "V"}, -1, ""},
		{"bad unit", mvPath, []string{"--unit", "uV"}, -1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vals, stderr, err := featuresRun(t, c.path, c.args...)
			if c.spikes < 0 {
				if err == nil || !strings.Contains(err.Error(), "--unit") {
					t.Errorf("error %v, want one naming --unit", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := vals["Spikecount"]; len(got) != 1 || got[0] != c.spikes {
				t.Errorf("Spikecount %v, want [%v]", got, c.spikes)
			}
			if (c.note == "") != (stderr == "") || !strings.Contains(stderr, c.note) {
				t.Errorf("stderr %q, want a note containing %q", stderr, c.note)
			}
		})
	}
}

// TestFeaturesMessageNumbers reproduces issue 20: a trace shorter than the
// stimulus window was reported as ending at "171.64000000000001 ms"
// (8582 steps × 0.02 ms in float64). Computed numbers in messages are
// rounded to 10 significant digits.
func TestFeaturesMessageNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "short.npy")
	v := make([]float32, 8583)
	for i := range v {
		v[i] = -70
	}
	npy.WriteFileFloat32(path, []int{len(v)}, v)
	err := run(context.Background(), []string{"features", "--trace", path, "--dt", "0.02"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "171.64 ms") || strings.Contains(err.Error(), "0000000") {
		t.Errorf("error %v, want the trace's end as 171.64 ms", err)
	}
}
