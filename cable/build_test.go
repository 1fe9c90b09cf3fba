package cable

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/testutil"
	"github.com/noble-neuro/noble/morph"
)

// line returns a one-section morphology: a straight cable along x from
// diameter d0 to d1 (µm), length l (µm).
func line(l, d0, d1 float64) *morph.Morphology {
	s := morph.Section{Name: "soma[0]", Type: "soma", Parent: -1}
	s.AddPoint(0, 0, 0, d0)
	s.AddPoint(l, 0, 0, d1)
	return &morph.Morphology{Sections: []morph.Section{s}}
}

// riCyl is the axial resistance (MΩ) of a cylinder of length l and
// diameter d (µm) for Ra in Ω·cm: 4·Ra·l/(π·d²) with l, d converted to cm.
func riCyl(ra, l, d float64) float64 { return 4 * ra * (l * 1e-4) / (math.Pi * d * d * 1e-8) * 1e-6 }

func TestCylinder(t *testing.T) {
	t.Parallel()
	// Lengths and diameters exactly representable in float32, so the
	// analytic values hold to rounding (1e-13 relative).
	for _, tc := range []struct{ l, d float64 }{{100, 2}, {30, 0.75}, {10.5, 10.5}, {1000, 0.25}} {
		for _, nseg := range []int{1, 3, 7} {
			t.Run(fmt.Sprintf("L%g_d%g_n%d", tc.l, tc.d, nseg), func(t *testing.T) {
				t.Parallel()
				tr, err := Build(line(tc.l, tc.d, tc.d), &Settings{Nseg: func(float64) int { return nseg }, Ra: 100})
				if err != nil {
					t.Fatal(err)
				}
				s := tr.Sections[0]
				dx := tc.l / float64(nseg)
				for j, n := range s.Nodes {
					if want := math.Pi * tc.d * dx; !near(tr.Area[n], want, 1e-13) {
						t.Errorf("area(%d) = %.17g, want πd·L/nseg = %.17g", j, tr.Area[n], want)
					}
					want := riCyl(100, dx, tc.d)
					if j == 0 {
						want /= 2 // from the x = 0 node: half a segment
					}
					if !near(tr.Ri[n], want, 1e-13) {
						t.Errorf("ri(%d) = %.17g, want %.17g", j, tr.Ri[n], want)
					}
					if !near(s.Diam[j], tc.d, 1e-13) {
						t.Errorf("diam(%d) = %g, want %g", j, s.Diam[j], tc.d)
					}
				}
				if want := riCyl(100, dx/2, tc.d); !near(tr.Ri[s.End], want, 1e-13) || tr.Area[s.End] != 0 {
					t.Errorf("end: ri %.17g area %g, want %.17g, 0", tr.Ri[s.End], tr.Area[s.End], want)
				}
				if tr.Area[0] != 0 || tr.Ri[0] != 0 || tr.Parent[0] != -1 {
					t.Errorf("root node: area %g ri %g parent %d", tr.Area[0], tr.Ri[0], tr.Parent[0])
				}
			})
		}
	}
}

// TestFrustum checks a linearly tapering cable (nseg = 1) against the
// closed forms: lateral area π(r₀+r₁)√(L²+(r₀−r₁)²) and axial resistance
// ∫4Ra/(πd(x)²)dx = 4Ra·ℓ/(π·dₐ·d_b) over each half, exact for a linear taper.
func TestFrustum(t *testing.T) {
	t.Parallel()
	const l, d0, d1, ra = 40, 6, 2, 150
	tr, err := Build(line(l, d0, d1), &Settings{Ra: ra})
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Sections[0]
	if s.Nseg != 2*0+1+2*1 { // L = 40: 1 + 2·int(40/40) = 3
		t.Fatalf("nseg = %d, want 3", s.Nseg)
	}
	tr, err = Build(line(l, d0, d1), &Settings{Ra: ra, Nseg: func(float64) int { return 1 }})
	if err != nil {
		t.Fatal(err)
	}
	s = tr.Sections[0]
	n := s.Nodes[0]
	r0, r1 := d0/2.0, d1/2.0
	if want := math.Pi * (r0 + r1) * math.Hypot(l, r0-r1); !near(tr.Area[n], want, 1e-13) {
		t.Errorf("area = %.17g, want %.17g", tr.Area[n], want)
	}
	dm := (d0 + d1) / 2.0
	conv := 4 * ra / math.Pi * 1e-2 // MΩ per µm⁻¹
	if want := conv * (l / 2) / (d0 * dm); !near(tr.Ri[n], want, 1e-13) {
		t.Errorf("ri = %.17g, want %.17g", tr.Ri[n], want)
	}
	if want := conv * (l / 2) / (dm * d1); !near(tr.Ri[s.End], want, 1e-13) {
		t.Errorf("end ri = %.17g, want %.17g", tr.Ri[s.End], want)
	}
	if s.Diam[0] != dm {
		t.Errorf("diam = %.17g, want %g", s.Diam[0], dm)
	}
}

func TestDefaultNseg(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		l    float64
		want int
	}{{0, 1}, {10, 1}, {39.999, 1}, {40, 3}, {79.9, 3}, {80, 5}, {412.3, 21}} {
		if got := DefaultNseg(tc.l); got != tc.want {
			t.Errorf("DefaultNseg(%g) = %d, want %d", tc.l, got, tc.want)
		}
	}
}

func TestNodeAndTypes(t *testing.T) {
	t.Parallel()
	tr := buildCell(t, filepath.Join(testutil.RepoRoot(t), "data", "cells", "mouse_pvalb_318331342", "morphology.swc"), "stub", nil)
	soma := tr.SectionsOfType("soma")
	if len(soma) != 1 || soma[0] != 0 {
		t.Fatalf("SectionsOfType(soma) = %v", soma)
	}
	if ax := tr.SectionsOfType("axon"); len(ax) != 2 || tr.Sections[ax[0]].Name != "axon[0]" {
		t.Errorf("SectionsOfType(axon) = %v", ax)
	}
	if got := tr.SectionsOfType("apic"); got != nil {
		t.Errorf("SectionsOfType(apic) = %v, want nil", got)
	}
	if len(tr.SectionsOfType("dend")) != 40 {
		t.Errorf("%d dend sections, want 40", len(tr.SectionsOfType("dend")))
	}
	if n := tr.Node(0, 0.5); n != 1 || tr.Node(0, 0) != 0 || tr.Node(0, 1) != 2 {
		t.Errorf("soma nodes: (0) %d (0.5) %d (1) %d, want 0 1 2", tr.Node(0, 0), n, tr.Node(0, 1))
	}
	ax0 := tr.SectionsOfType("axon")[0]
	if tr.Node(ax0, 0) != 2 {
		t.Errorf("axon[0](0) = node %d, want soma(1) = 2", tr.Node(ax0, 0))
	}
	// A 3-segment section: x in [0, 1/3) → segment 0, x = 1/3 → 1, 1 → end.
	for i := range tr.Sections {
		s := &tr.Sections[i]
		if s.Nseg != 3 {
			continue
		}
		for _, c := range []struct {
			x    float64
			want int
		}{{1e-9, s.Nodes[0]}, {0.3333, s.Nodes[0]}, {1.0 / 3, s.Nodes[1]}, {0.5, s.Nodes[1]}, {0.99, s.Nodes[2]}, {1, s.End}} {
			if got := tr.Node(i, c.x); got != c.want {
				t.Errorf("Node(%s, %g) = %d, want %d", s.Name, c.x, got, c.want)
			}
		}
		break
	}
	defer func() {
		if recover() == nil {
			t.Error("Node(0, 1.5) did not panic")
		}
	}()
	tr.Node(0, 1.5)
}

func TestSetRa(t *testing.T) {
	t.Parallel()
	swc := filepath.Join(testutil.RepoRoot(t), "data", "cells", "mouse_pvalb_318331342", "morphology.swc")
	a := buildCell(t, swc, "stub", nil)
	b := buildCell(t, swc, "stub", &Settings{Ra: 188.042052767})
	for i := range a.Sections {
		a.SetRa(i, 188.042052767)
	}
	for n := range a.Ri {
		if a.Ri[n] != b.Ri[n] {
			t.Fatalf("node %d: SetRa gives Ri %.17g, Build with Ra %.17g", n, a.Ri[n], b.Ri[n])
		}
	}
	// A hand-made Tree without the integrals is rescaled.
	c := &Tree{Ri: []float64{0, 2, 4}, Sections: []Section{{Ra: 100, Nodes: []int{1}, End: 2}}}
	c.SetRa(0, 50)
	if c.Ri[1] != 1 || c.Ri[2] != 2 || c.Sections[0].Ra != 50 {
		t.Errorf("rescaled Ri = %v, Ra %g", c.Ri, c.Sections[0].Ra)
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	one := morph.Section{Name: "soma[0]", Type: "soma", Parent: -1}
	one.AddPoint(0, 0, 0, 1)
	two := line(10, 1, 1).Sections[0]
	for _, tc := range []struct {
		name string
		m    *morph.Morphology
		s    *Settings
	}{
		{"empty", &morph.Morphology{}, nil},
		{"one point", &morph.Morphology{Sections: []morph.Section{one}}, nil},
		{"two roots", &morph.Morphology{Sections: []morph.Section{two, two}}, nil},
		{"negative Ra", line(10, 1, 1), &Settings{Ra: -1}},
		{"nseg 0", line(10, 1, 1), &Settings{Nseg: func(float64) int { return 0 }}},
	} {
		if _, err := Build(tc.m, tc.s); !errors.Is(err, ErrGeometry) {
			t.Errorf("%s: Build error = %v, want ErrGeometry", tc.name, err)
		}
	}
}

// TestCompartments checks the number of segments against the
// "compartments" column of the NEURON reference index.csv files (sum of
// nseg over the sections, as the reference recipe counts them).
func TestCompartments(t *testing.T) {
	t.Parallel()
	root := testutil.RepoRoot(t)
	for _, tc := range []struct {
		cell, mode, index string
	}{
		{filepath.Join(root, "data", "cells", "mouse_pvalb_318331342"), "stub", filepath.Join(root, "testdata", "neuron", "mouse_pvalb_318331342", "index.csv")},
		{filepath.Join(root, "..", "shared", "data", "cells", "human_pvalb_689331391"), "delete", filepath.Join(root, "..", "shared", "reference", "neuron", "human_pvalb_689331391", "index.csv")},
	} {
		t.Run(filepath.Base(tc.cell), func(t *testing.T) {
			want, err := indexCompartments(tc.index)
			if err != nil {
				t.Skipf("reference not available: %v", err)
			}
			tr := buildCell(t, filepath.Join(tc.cell, "morphology.swc"), tc.mode, nil)
			if got := tr.Compartments(); got != want {
				t.Errorf("Compartments() = %d, index.csv %d", got, want)
			}
		})
	}
}

func indexCompartments(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		return 0, fmt.Errorf("%s: %v", path, err)
	}
	for k, h := range rows[0] {
		if h == "compartments" {
			return strconv.Atoi(rows[1][k])
		}
	}
	return 0, fmt.Errorf("%s: no compartments column", path)
}

// TestHumanSummary compares the human cell (not shipped: skipped without
// it, docs/reference-data.md) with per-type totals from NEURON 8.2.2
// committed in testdata; each total sums values that match NEURON to
// ~1e-16, so 1e-12 relative.
func TestHumanSummary(t *testing.T) {
	swc := filepath.Join(testutil.RepoRoot(t), "..", "shared", "data", "cells", "human_pvalb_689331391", "morphology.swc")
	if _, err := os.Stat(swc); err != nil {
		t.Skipf("human cell not available (%v)", err)
	}
	f, err := os.Open(filepath.Join("testdata", "human_pvalb_689331391_summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := buildCell(t, swc, "delete", nil)
	sc := bufio.NewScanner(f)
	rows := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "type,") {
			continue
		}
		fs := strings.Split(line, ",")
		var want [5]float64
		for k := range want {
			if want[k], err = strconv.ParseFloat(fs[k+1], 64); err != nil {
				t.Fatal(err)
			}
		}
		var got [5]float64
		for _, i := range tr.SectionsOfType(fs[0]) {
			s := &tr.Sections[i]
			got[0]++
			got[1] += float64(s.Nseg)
			got[2] += s.L
			for _, n := range s.Nodes {
				got[3] += tr.Area[n]
				got[4] += tr.Ri[n]
			}
			got[4] += tr.Ri[s.End]
		}
		for k, name := range []string{"sections", "nseg", "L", "area", "ri"} {
			if !near(got[k], want[k], 1e-12) {
				t.Errorf("%s %s = %.17g, NEURON %.17g", fs[0], name, got[k], want[k])
			}
		}
		rows++
	}
	if rows != 2 || len(tr.Sections) != 35 {
		t.Errorf("%d summary rows, %d sections; want 2, 35", rows, len(tr.Sections))
	}
}

var sinkTree *Tree

func BenchmarkBuild(b *testing.B) {
	root := testutil.RepoRoot(b)
	for _, c := range []struct{ name, swc, mode string }{
		{"mouse", filepath.Join(root, "data", "cells", "mouse_pvalb_318331342", "morphology.swc"), "stub"},
		{"human", filepath.Join(root, "..", "shared", "data", "cells", "human_pvalb_689331391", "morphology.swc"), "delete"},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, err := morph.ReadSWCFile(c.swc)
			if err != nil {
				b.Skip(err)
			}
			if c.mode == "stub" {
				err = m.StubAxon()
			} else {
				err = m.DeleteAxon()
			}
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				sinkTree, err = Build(m, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(sinkTree.Parent)), "nodes")
			b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N), "µs/cell")
		})
	}
}
