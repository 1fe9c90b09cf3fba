package morph

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/noble-neuro/noble/internal/testutil"
)

// neuronDump is the output of tools/neuron_geometry.py (NEURON 8.2.2).
type neuronDump struct {
	Neuron   string  `json:"neuron"`
	Axon     string  `json:"axon"`
	D0       float64 `json:"d0"`
	D1       float64 `json:"d1"`
	Sections []struct {
		Name     string    `json:"name"`
		Type     string    `json:"type"`
		L        float64   `json:"L"`
		Nseg     int       `json:"nseg"`
		Parent   string    `json:"parent"`
		ParentX  float64   `json:"parent_x"`
		Children []string  `json:"children"`
		N3d      int       `json:"n3d"`
		X3d      []float64 `json:"x3d"`
		Y3d      []float64 `json:"y3d"`
		Z3d      []float64 `json:"z3d"`
		Arc3d    []float64 `json:"arc3d"`
		Diam3d   []float64 `json:"diam3d"`
	} `json:"sections"`
}

func loadDump(t testing.TB, path string) *neuronDump {
	t.Helper()
	var d neuronDump
	testutil.ReadGzipJSON(t, path, &d)
	return &d
}

func mouseSWC(t testing.TB) string {
	return filepath.Join(testutil.RepoRoot(t), "data", "cells", "mouse_pvalb_318331342", "morphology.swc")
}

// build applies the reference recipe (tools/nrncell.py) for an axon mode.
func build(t testing.TB, swc, mode string) *Morphology {
	t.Helper()
	m, err := ReadSWCFile(swc)
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case "stub":
		if err := m.StubAxon(); err != nil {
			t.Fatal(err)
		}
	case "noaxon":
		if err := m.DeleteAxon(); err != nil {
			t.Fatal(err)
		}
	}
	m.DefineShape()
	return m
}

// compareDump checks sections, names, order, connections and every 3-D
// point against NEURON. NEURON stores pt3d in single precision and we
// reproduce its rounding, so coordinates and diameters must be equal; arc
// lengths are double sums of the same terms, so equal too (tolerance 1e-12
// relative, for libm differences in sqrt: none expected).
func compareDump(t *testing.T, m *Morphology, d *neuronDump) {
	t.Helper()
	if len(m.Sections) != len(d.Sections) {
		t.Fatalf("%d sections, NEURON %d", len(m.Sections), len(d.Sections))
	}
	ch := m.Children()
	npts := 0
	defer func() { t.Logf("%d sections, %d points compared with %s", len(m.Sections), npts, d.Neuron) }()
	for i, ns := range d.Sections {
		s := &m.Sections[i]
		if s.Name != ns.Name || s.Type != ns.Type {
			t.Fatalf("section %d = %s (%s), NEURON %s (%s)", i, s.Name, s.Type, ns.Name, ns.Type)
		}
		parent := ""
		px := -1.0
		if s.Parent >= 0 {
			parent = m.Sections[s.Parent].Name
			px = s.ParentX
		}
		if parent != ns.Parent || px != ns.ParentX {
			t.Errorf("%s: parent %s(%g), NEURON %s(%g)", s.Name, parent, px, ns.Parent, ns.ParentX)
		}
		var kids []string
		for _, c := range ch[i] {
			kids = append(kids, m.Sections[c].Name)
		}
		if len(kids) != len(ns.Children) {
			t.Errorf("%s: children %v, NEURON %v", s.Name, kids, ns.Children)
		} else {
			for k := range kids {
				if kids[k] != ns.Children[k] {
					t.Errorf("%s: children %v, NEURON %v", s.Name, kids, ns.Children)
					break
				}
			}
		}
		if len(s.Points) != ns.N3d {
			t.Errorf("%s: n3d = %d, NEURON %d", s.Name, len(s.Points), ns.N3d)
			continue
		}
		if !close(s.L(), ns.L, 1e-12) {
			t.Errorf("%s: L = %.17g, NEURON %.17g", s.Name, s.L(), ns.L)
		}
		npts += len(s.Points)
		for k, p := range s.Points {
			if p.X != ns.X3d[k] || p.Y != ns.Y3d[k] || p.Z != ns.Z3d[k] || p.Diam != ns.Diam3d[k] || !close(p.Arc, ns.Arc3d[k], 1e-12) {
				t.Errorf("%s: point %d = (%.9g %.9g %.9g d %.9g arc %.17g), NEURON (%.9g %.9g %.9g d %.9g arc %.17g)",
					s.Name, k, p.X, p.Y, p.Z, p.Diam, p.Arc, ns.X3d[k], ns.Y3d[k], ns.Z3d[k], ns.Diam3d[k], ns.Arc3d[k])
				break
			}
		}
	}
}

func close(a, b, rel float64) bool {
	return a == b || math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

func TestMouseAgainstNEURON(t *testing.T) {
	for _, mode := range []string{"keep", "stub"} {
		t.Run(mode, func(t *testing.T) {
			d := loadDump(t, filepath.Join("testdata", "neuron", "mouse_pvalb_318331342_"+mode+".json.gz"))
			m := build(t, mouseSWC(t), mode)
			compareDump(t, m, d)
		})
	}
}

func TestMouseStubDiams(t *testing.T) {
	m, err := ReadSWCFile(mouseSWC(t))
	if err != nil {
		t.Fatal(err)
	}
	d0, d1, err := m.AxonDiams()
	if err != nil {
		t.Fatal(err)
	}
	d := loadDump(t, filepath.Join("testdata", "neuron", "mouse_pvalb_318331342_stub.json.gz"))
	if !close(d0, d.D0, 1e-14) || !close(d1, d.D1, 1e-14) {
		t.Errorf("AxonDiams = %.17g, %.17g; NEURON %.17g, %.17g", d0, d1, d.D0, d.D1)
	}
}

// TestNEURONDumps compares with dumps made by tools/neuron_geometry.py and
// named by NOBLE_NEURON_GEOMETRY as "swc:mode:dump.json.gz,..." (e.g. the
// human cell, whose data are not in the repository).
func TestNEURONDumps(t *testing.T) {
	spec := os.Getenv("NOBLE_NEURON_GEOMETRY")
	if spec == "" {
		t.Skip("NOBLE_NEURON_GEOMETRY not set")
	}
	for _, item := range splitList(spec, ',') {
		f := splitList(item, ':')
		if len(f) != 3 {
			t.Fatalf("bad item %q", item)
		}
		t.Run(filepath.Base(f[2]), func(t *testing.T) {
			compareDump(t, build(t, f[0], f[1]), loadDump(t, f[2]))
		})
	}
}

func splitList(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == sep {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// TestSyntheticAgainstNEURON covers Import3d's rules on small synthetic
// cells (testdata/swc: multi-point, branched and 3-point somas, wires,
// proximal connections, type changes, a dropped zero-length section),
// each compared with NEURON 8.2.2 (tools/neuron_geometry.py, modes keep and stub).
func TestSyntheticAgainstNEURON(t *testing.T) {
	for _, c := range []string{"multisoma", "branchsoma", "threepoint", "oddities"} {
		for _, mode := range []string{"keep", "stub"} {
			t.Run(c+"/"+mode, func(t *testing.T) {
				if c == "oddities" && mode == "stub" {
					// A dend hangs from the axon: NEURON would leave it as a
					// second root after deleting the axon; we refuse.
					m, err := ReadSWCFile(filepath.Join("testdata", "swc", c+".swc"))
					if err != nil {
						t.Fatal(err)
					}
					if err := m.StubAxon(); !errors.Is(err, ErrUnsupported) {
						t.Fatalf("StubAxon() = %v, want ErrUnsupported", err)
					}
					return
				}
				compareDump(t, build(t, filepath.Join("testdata", "swc", c+".swc"), mode), loadDump(t, filepath.Join("testdata", "neuron", c+"_"+mode+".json.gz")))
			})
		}
	}
}
