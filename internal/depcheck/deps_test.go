package depcheck

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/noble-neuro/noble"

// layer of every package of the module, by path relative to the module root.
// A new package must be added here: the test fails on an unlisted one.
var layer = map[string]int{
	"internal/atomicfile":  0,
	"internal/npy":         0,
	"internal/cli":         0,
	"internal/safetensors": 0,
	"internal/testutil":    0,
	"internal/depcheck":    0,
	"internal/gemm":        0,
	"internal/kernels":     0,
	"internal/mpi":         0,
	"internal/cpuisa":      0,

	"morph":     1,
	"mech":      1,
	"cable":     1,
	"sim":       1,
	"features":  1,
	"featloss":  1,
	"fi":        1,
	"dsp":       1,
	"fno":       1,
	"surrogate": 1,

	"dataset":             2,
	"dataset/datasettest": 2,
	"train":               2,
	"eval":                2,
	"server":              2,
	"synth":               2,

	"cmd/noble": 3,
}

var layerName = []string{"internal", "core", "workflow", "command"}

// forbidden lists, for the inference packages, the training packages they
// must not depend on, directly or through others (go list -deps): they
// read the model file (its metadata through package surrogate), not the
// training run or its dataset. eval reads the test splits of a dataset,
// so package dataset is allowed there; package train is not.
var forbidden = map[string][]string{
	"synth":  {"train", "dataset"},
	"server": {"train", "dataset"},
	"eval":   {"train"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	n := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		n++
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		from, ok := layer[rel]
		if !ok {
			t.Errorf("package %s is not listed in depcheck's layer table: classify it", rel)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			irel := strings.TrimPrefix(imp, module+"/")
			to, ok := layer[irel]
			if !ok {
				continue // reported when that package itself is visited
			}
			if to > from {
				t.Errorf("%s (%s) imports %s (%s): a package may import only its own or lower layers",
					rel, layerName[from], irel, layerName[to])
			}
			if irel == "cmd/noble" {
				t.Errorf("%s imports the command", rel)
			}
		}
	}
	if n < 3 {
		t.Fatalf("go list found only %d packages", n)
	}
}

// TestInferenceNeverImportsTraining checks the forbidden table over every
// package each inference package depends on, however indirectly.
func TestInferenceNeverImportsTraining(t *testing.T) {
	for from, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", module+"/"+from).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", from, err)
		}
		deps := strings.Fields(string(out))
		for _, b := range bad {
			if slices.Contains(deps, module+"/"+b) {
				t.Errorf("%s depends on %s: inference reads the model file (package surrogate's metadata), never training", from, b)
			}
		}
	}
}
