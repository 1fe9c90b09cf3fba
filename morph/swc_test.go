package morph

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/testutil"
)

const tinySWC = `# a soma and one dendrite
1 1 0 0 0 5 -1
2 3 0 5 0 1 1
3 3 0 15 0 0.5 2
`

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		err   error
		line  int
		field string
	}{
		{"fields", "1 1 0 0 0 5\n", ErrSyntax, 1, ""},
		{"too many fields", "1 1 0 0 0 5 -1 7\n", ErrSyntax, 1, ""},
		{"bad x", "# c\n\n1 1 zero 0 0 5 -1\n", ErrSyntax, 3, "x"},
		{"nan", "1 1 0 NaN 0 5 -1\n", ErrSyntax, 1, "y"},
		{"inf", "1 1 0 0 Inf 5 -1\n", ErrSyntax, 1, "z"},
		{"huge", "1 1 0 0 1e60 5 -1\n", ErrSyntax, 1, "z"},
		{"bad id", "1.5 1 0 0 0 5 -1\n", ErrSyntax, 1, "id"},
		{"negative id", "-3 1 0 0 0 5 -1\n", ErrSyntax, 1, "id"},
		{"bad type", "1 x 0 0 0 5 -1\n", ErrSyntax, 1, "type"},
		{"bad parent", "1 1 0 0 0 5 p\n", ErrSyntax, 1, "parent"},
		{"zero radius", "1 1 0 0 0 0 -1\n", ErrRadius, 1, "radius"},
		{"negative radius", "1 1 0 0 0 5 -1\n2 3 0 1 0 -1 1\n", ErrRadius, 2, "radius"},
		{"empty", "# nothing\n\n", ErrNoSoma, 0, ""},
		{"duplicate id", "1 1 0 0 0 5 -1\n2 3 0 5 0 1 1\n2 3 0 6 0 1 1\n", ErrDuplicateID, 3, "id"},
		{"unknown parent", "1 1 0 0 0 5 -1\n2 3 0 5 0 1 7\n", ErrUnknownParent, 2, "parent"},
		{"self parent", "1 1 0 0 0 5 -1\n2 3 0 5 0 1 2\n", ErrCycle, 2, "parent"},
		{"cycle", "1 1 0 0 0 5 -1\n2 3 0 5 0 1 3\n3 3 0 6 0 1 2\n", ErrCycle, 2, "parent"},
		{"no root", "2 1 0 5 0 1 3\n3 1 0 6 0 1 2\n", ErrCycle, 1, "parent"},
		{"parent after", "1 1 0 0 0 5 -1\n2 3 0 5 0 1 3\n3 3 0 6 0 1 1\n", ErrParentOrder, 2, "parent"},
		{"two roots", "1 1 0 0 0 5 -1\n2 1 0 5 0 1 -1\n", ErrMultipleRoots, 2, "parent"},
		{"second soma tree", "1 1 0 0 0 5 -1\n2 2 0 5 0 1 -1\n3 1 0 9 0 1 -1\n", ErrMultipleRoots, 3, "parent"},
		{"no soma", "1 3 0 0 0 5 -1\n2 3 0 5 0 1 1\n", ErrNoSoma, 0, "type"},
		{"root not soma", "1 3 0 0 0 5 -1\n2 1 0 5 0 1 1\n", ErrNoSoma, 1, "type"},
		{"long line", "1 1 0 0 0 5 -1 #" + strings.Repeat("x", maxLine) + "\n", ErrTooLarge, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadSWC(strings.NewReader(tt.in), "cell.swc")
			if !errors.Is(err, tt.err) {
				t.Fatalf("ReadSWC error = %v, want %v", err, tt.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.File != "cell.swc" || pe.Line != tt.line || pe.Field != tt.field {
				t.Errorf("ParseError = %q (line %d field %q), want line %d field %q", err, pe.Line, pe.Field, tt.line, tt.field)
			}
			if !strings.HasPrefix(err.Error(), "cell.swc") {
				t.Errorf("message %q does not start with the file name", err)
			}
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	_, err := ReadSWC(strings.NewReader("1 1 0 0 0 5 -1\n2 3 0 5 0 -2 1\n"), "a/b.swc")
	want := `a/b.swc:2: radius: morph: radius must be positive (got -2)`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestParseSWC(t *testing.T) {
	in := "# header\n  # indented comment\n\n1 1 1.5 2 3 5 -1   # soma\n2 3.0 0.1 0.2 0.3 1 1\n"
	s, err := ParseSWC(strings.NewReader(in), "x.swc")
	if err != nil {
		t.Fatal(err)
	}
	want := []Sample{
		{ID: 1, Type: 1, X: 1.5, Y: 2, Z: 3, Radius: 5, Parent: -1, Line: 4},
		{ID: 2, Type: 3, X: float64(float32(0.1)), Y: float64(float32(0.2)), Z: float64(float32(0.3)), Radius: 1, Parent: 1, Line: 5},
	}
	if len(s) != len(want) {
		t.Fatalf("got %d samples, want %d", len(s), len(want))
	}
	for i := range want {
		if s[i] != want[i] {
			t.Errorf("sample %d = %+v, want %+v", i, s[i], want[i])
		}
	}
}

// TestSinglePointSoma checks the rules on a tiny cell by hand: the soma is
// a 3-point cylinder of L = diam = 10 µm along x; the dendrite attaches at
// soma(0.5) by a wire, so its points are its own two samples.
func TestSinglePointSoma(t *testing.T) {
	m, err := ReadSWC(strings.NewReader(tinySWC), "tiny.swc")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Sections) != 2 {
		t.Fatalf("%d sections, want 2", len(m.Sections))
	}
	soma, dend := m.Sections[0], m.Sections[1]
	if soma.Name != "soma[0]" || soma.Parent != -1 || len(soma.Points) != 3 || soma.L() != 10 {
		t.Errorf("soma = %+v", soma)
	}
	for k, x := range []float64{-5, 0, 5} {
		if p := soma.Points[k]; p.X != x || p.Y != 0 || p.Diam != 10 {
			t.Errorf("soma point %d = %+v", k, p)
		}
	}
	if dend.Name != "dend[0]" || dend.Parent != 0 || dend.ParentX != 0.5 || len(dend.Points) != 2 || dend.L() != 10 {
		t.Errorf("dend = %+v", dend)
	}
	if dend.Wire == nil || *dend.Wire != (Point{}) {
		t.Errorf("dend wire = %v, want the soma centre", dend.Wire)
	}
	// Area π·d·L of the soma cylinder (ends excluded), as NEURON: 100π.
	if a := soma.Segments(nil, 1)[0].Area; math.Abs(a-100*math.Pi) > 1e-12 {
		t.Errorf("soma area = %.17g, want 100π", a)
	}
}

func TestDeleteAxonAndOrder(t *testing.T) {
	m, err := ReadSWCFile(mouseSWC(t))
	if err != nil {
		t.Fatal(err)
	}
	n := len(m.Sections)
	if err := m.DeleteAxon(); err != nil {
		t.Fatal(err)
	}
	if len(m.Sections) != n-1 {
		t.Fatalf("%d sections after DeleteAxon, want %d", len(m.Sections), n-1)
	}
	for i, s := range m.Sections {
		if s.Type == "axon" || s.Parent >= i {
			t.Fatalf("section %d: %+v", i, s)
		}
	}
	order := m.Order()
	seen := make([]bool, len(m.Sections))
	for _, i := range order {
		if p := m.Sections[i].Parent; p >= 0 && !seen[p] {
			t.Fatalf("Order: %d before its parent %d", i, p)
		}
		seen[i] = true
	}
	if len(order) != len(m.Sections) {
		t.Fatalf("Order has %d sections, want %d", len(order), len(m.Sections))
	}
	if _, _, err := m.AxonDiams(); !errors.Is(err, ErrNoAxon) {
		t.Errorf("AxonDiams without axon: %v, want ErrNoAxon", err)
	}
	if err := m.StubAxon(); !errors.Is(err, ErrNoAxon) {
		t.Errorf("StubAxon without axon: %v, want ErrNoAxon", err)
	}
}

// TestStubAxonGeometry checks the stub by hand: two 30 µm cylinders along
// +x from the soma's x = 1 end.
func TestStubAxonGeometry(t *testing.T) {
	in := tinySWC + "4 2 0 -5 0 0.5 1\n5 2 0 -15 0 0.25 4\n"
	m, err := ReadSWC(strings.NewReader(in), "tiny.swc")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.StubAxon(); err != nil {
		t.Fatal(err)
	}
	if len(m.Sections) != 4 {
		t.Fatalf("%d sections", len(m.Sections))
	}
	// The imported axon is wired to the soma: points (0,-5) d 1 and (0,-15) d 0.5:
	// mean diameter 0.75.
	for k, s := range m.Sections[2:] {
		if s.Name != []string{"axon[0]", "axon[1]"}[k] || s.L() != 30 || len(s.Points) != 3 {
			t.Errorf("stub %d = %+v", k, s)
		}
		x0 := 5 + 30*float64(k)
		for j, p := range s.Points {
			if p.X != x0+15*float64(j) || p.Y != 0 || p.Diam != 0.75 {
				t.Errorf("%s point %d = %+v", s.Name, j, p)
			}
		}
	}
	if m.Sections[2].Parent != 0 || m.Sections[2].ParentX != 1 || m.Sections[3].Parent != 2 || m.Sections[3].ParentX != 1 {
		t.Errorf("stub connections: %+v", m.Sections[2:])
	}
}

func FuzzParseSWC(f *testing.F) {
	for _, p := range []string{
		mouseSWC(f),
		filepath.Join(testutil.RepoRoot(f), "..", "shared", "data", "cells", "human_pvalb_689331391", "morphology.swc"),
	} {
		// Whole files are slow seeds for the mutator (the human one is
		// 800 kB): seed with their first 8 kB, whole lines.
		if b, err := os.ReadFile(p); err == nil {
			if len(b) > 8000 {
				b = b[:bytes.LastIndexByte(b[:8000], '\n')+1]
			}
			f.Add(b)
		}
	}
	for _, s := range []string{tinySWC, "", "1 1 0 0 0 5 -1\n2 1 0 0 0 5 1\n3 1 0 0 0 5 1\n"} {
		f.Add([]byte(s))
	}
	if ents, err := os.ReadDir(filepath.Join("testdata", "swc")); err == nil {
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join("testdata", "swc", e.Name())); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			t.Skip()
		}
		m, err := ReadSWC(bytes.NewReader(b), "fuzz.swc")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		roots := 0
		for i, s := range m.Sections {
			if len(s.Points) < 2 || s.Parent >= len(m.Sections) || s.Parent == i {
				t.Fatalf("section %d: %d points, parent %d", i, len(s.Points), s.Parent)
			}
			if s.Parent < 0 {
				roots++
				// Further trees (Import3d's "more than one tree") never
				// start at a soma sample; the first section is the soma's root.
				if (i == 0) != (s.Type == "soma") {
					t.Fatalf("root section %d is %s", i, s.Name)
				}
			}
			s.Segments(nil, 3)
		}
		if roots < 1 || m.Sections[0].Parent >= 0 || len(m.Order()) != len(m.Sections) {
			t.Fatalf("%d roots, order %v", roots, m.Order())
		}
		_ = m.StubAxon()
		m.DefineShape()
	})
}

var sinkMorph *Morphology

func BenchmarkReadSWC(b *testing.B) {
	for _, c := range []struct{ name, path string }{
		{"mouse", mouseSWC(b)},
		{"human", filepath.Join(testutil.RepoRoot(b), "..", "shared", "data", "cells", "human_pvalb_689331391", "morphology.swc")},
	} {
		b.Run(c.name, func(b *testing.B) {
			data, err := os.ReadFile(c.path)
			if err != nil {
				b.Skip(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				sinkMorph, err = ReadSWC(bytes.NewReader(data), c.name)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/cell")
		})
	}
}

// TestFurtherTrees: samples with parent −1 after the soma's tree start
// trees of their own, as in Import3d (the human ITL23 reconstruction has
// four axon fragments so); their sections connect to nothing and
// DeleteAxon removes them with the rest of the axon.
func TestFurtherTrees(t *testing.T) {
	const swc = `1 1 0 0 0 5 -1
2 3 -5 0 0 1 1
3 3 -30 0 0 1 2
4 4 0 5 0 1 1
5 4 0 40 0 1 4
6 2 50 50 0 0.5 -1
7 2 60 50 0 0.5 6
8 2 70 50 0 0.5 7
9 2 0 90 0 0.5 -1
10 2 0 99 0 0.5 9
`
	m, err := ReadSWC(strings.NewReader(swc), "fragments.swc")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range m.Sections {
		p := "-"
		if s.Parent >= 0 {
			p = m.Sections[s.Parent].Name
		}
		got = append(got, s.Name+"<"+p)
	}
	want := "soma[0]<- axon[0]<- axon[1]<- dend[0]<soma[0] apic[0]<soma[0]"
	if g := strings.Join(got, " "); g != want {
		t.Fatalf("sections %s, want %s", g, want)
	}
	if l := m.Sections[1].L(); math.Abs(l-20) > 1e-5 {
		t.Errorf("axon[0].L = %v, want 20 (its own points only)", l)
	}
	if err := m.DeleteAxon(); err != nil {
		t.Fatal(err)
	}
	if len(m.Sections) != 3 || m.Sections[1].Parent != 0 || m.Sections[2].Parent != 0 {
		t.Errorf("after DeleteAxon: %+v", m.Sections)
	}
}
