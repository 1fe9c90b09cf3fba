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
	// The command prints to os.Stdout: redirect it for the call.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	runErr := run(context.Background(), []string{"features", "--trace", path, "--dt", "0.1",
		"--stim-start", "10", "--stim-end", "90", "--json"}, io.Discard)
	os.Stdout = old
	w.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	if runErr != nil {
		return nil, runErr
	}
	var vals map[string][]float64
	if err := json.Unmarshal(buf.Bytes(), &vals); err != nil {
		t.Fatalf("output %q: %v", buf.String(), err)
	}
	return vals, nil
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
