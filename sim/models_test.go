package sim

import (
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/cable"
	"github.com/noble-neuro/noble/internal/testutil"
	"github.com/noble-neuro/noble/mech"
	"github.com/noble-neuro/noble/morph"
)

// mechOf returns the spec of the named mechanism in m, or nil.
func mechOf(m *Model, name string) *mechSpec {
	for i := range m.mechs {
		if m.mechs[i].kind.Name == name {
			return &m.mechs[i]
		}
	}
	return nil
}

// checkApplied verifies that every genome entry of p is applied as the
// BMTK recipe does: its mechanism inserted in exactly the nodes of
// sections of its type (later entries overriding earlier ones), its value
// on each of them; entries for a type the cell lacks apply to nothing.
func checkApplied(t *testing.T, m *Model, p *Params) {
	t.Helper()
	tree := m.Tree()
	nodesOf := map[string][]int{}
	for _, s := range tree.Sections {
		nodesOf[s.Type] = append(nodesOf[s.Type], s.Nodes...)
	}
	last := map[[2]string]float64{} // (section type, name) → value
	for _, g := range p.Genome {
		last[[2]string{g.Section, g.Name}] = g.Value
	}
	for key, want := range last {
		typ, name := key[0], key[1]
		nodes := nodesOf[typ]
		switch name {
		case "cm":
			for _, nd := range nodes {
				if m.cm[nd] != want {
					t.Errorf("%s: %s: cm = %v, want %v", p.File, m.NodeName(nd), m.cm[nd], want)
				}
			}
			continue
		case "Ra":
			continue // checked through the references
		}
		k, par, err := mech.ParamKind(name)
		if err != nil {
			t.Fatalf("%s: %v", p.File, err)
		}
		spec := mechOf(m, k.Name)
		at := map[int]int{}
		if spec != nil {
			for q, nd := range spec.nodes {
				at[nd] = q
			}
		}
		j := -1
		for jj, pp := range k.Params {
			if pp.Name == par {
				j = jj
			}
		}
		for _, nd := range nodes {
			q, ok := at[nd]
			if !ok {
				t.Errorf("%s: %s lacks %s", p.File, m.NodeName(nd), k.Name)
				continue
			}
			if got := spec.params[j][q]; got != want {
				t.Errorf("%s: %s: %s = %v, want %v", p.File, m.NodeName(nd), name, got, want)
			}
		}
	}
}

// TestRepositoryModels builds every model of the VIP and ITL23 cells when
// present (all-active models of anastassiou-team/
// human_cortical_single_neuron_models; unlicensed, so not shipped; see
// docs/reference-data.md): each
// parameter file parses, builds with NEURON's compartment count (index.csv
// of the references), applies its genome to every section of its type
// (apic included), and, except under -short, simulates 100 ms of a 0.3 nA
// step with finite voltages.
func TestRepositoryModels(t *testing.T) {
	shared := filepath.Join(testutil.RepoRoot(t), "..", "shared", "data", "cells")
	for _, tc := range []struct {
		cell         string
		files, comps int
		apic         bool
	}{
		{"human_vip_650077366", 60, 90, false},
		{"human_itl23_541557114", 20, 632, true},
	} {
		t.Run(tc.cell, func(t *testing.T) {
			dir := filepath.Join(shared, tc.cell)
			if _, err := os.Stat(filepath.Join(dir, "cell.json")); err != nil {
				t.Skipf("%s not found (the unlicensed human models live only in ../shared)", dir)
			}
			c, err := LoadCell(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.ParamFiles) != tc.files {
				t.Errorf("%d parameter files, want %d", len(c.ParamFiles), tc.files)
			}
			hasApic := false
			for _, s := range c.Tree.Sections {
				hasApic = hasApic || s.Type == "apic"
				if s.Type == "axon" {
					t.Errorf("%s survived the axon deletion", s.Name)
				}
			}
			if hasApic != tc.apic {
				t.Errorf("apical sections: %v, want %v", hasApic, tc.apic)
			}
			for _, f := range c.ParamFiles {
				p, err := ReadParamsFile(f)
				if err != nil {
					t.Error(err)
					continue
				}
				m, err := c.ModelFromParams(p)
				if err != nil {
					t.Error(err)
					continue
				}
				if m.Compartments() != tc.comps {
					t.Errorf("%s: %d compartments, want %d", f, m.Compartments(), tc.comps)
				}
				checkApplied(t, m, p)
				if testing.Short() {
					continue
				}
				v, err := m.Simulate(context.Background(), Protocol{TStop: 100, Delay: 10, Dur: 80, Amp: 0.3}, nil)
				if err != nil {
					t.Errorf("%s: %v", f, err)
					continue
				}
				for k, x := range v {
					if math.IsNaN(x) || math.Abs(x) > 200 {
						t.Errorf("%s: v = %v mV at sample %d", f, x, k)
						break
					}
				}
			}
		})
	}
}

// apicGenome adds genome entries and an erev for the apic section type to
// the parameter file in b: a mechanism the file does not otherwise insert
// (NaTs2_t), cm and g_pas.
func apicGenome(t *testing.T, b []byte) []byte {
	t.Helper()
	s := string(b)
	const genome = `"genome": [`
	if !strings.Contains(s, genome) {
		t.Fatal("no genome in the parameter file")
	}
	s = strings.Replace(s, genome, genome+`
		{"section": "apic", "name": "gbar_NaTs2_t", "value": 0.02, "mechanism": "NaTs2_t"},
		{"section": "apic", "name": "cm", "value": 3.5, "mechanism": ""},
		{"section": "apic", "name": "g_pas", "value": 1e-3, "mechanism": ""},`, 1)
	const erev = `"erev": [`
	if !strings.Contains(s, erev) {
		t.Fatal("no erev in the parameter file")
	}
	s = strings.Replace(s, erev, erev+`{"section": "apic", "ena": 60, "ek": -90},`, 1)
	return []byte(s)
}

// TestAbsentSectionType: entries for a section type the morphology lacks
// apply to nothing, as in NEURON (the recipe loops over the sections of
// that type). The shipped mouse cell has no apical dendrite: its model
// with apic entries added is the model without them, and simulates to the
// same trace bit for bit.
func TestAbsentSectionType(t *testing.T) {
	c, err := LoadCell(mouseDir(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(c.ParamFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	plain, err := ParseParams(b, "plain.json")
	if err != nil {
		t.Fatal(err)
	}
	withApic, err := ParseParams(apicGenome(t, b), "apic.json")
	if err != nil {
		t.Fatal(err)
	}
	m0, err := c.ModelFromParams(plain)
	if err != nil {
		t.Fatal(err)
	}
	m1, err := c.ModelFromParams(withApic)
	if err != nil {
		t.Fatal(err)
	}
	if mechOf(m1, "NaTs2_t") != nil {
		t.Error("NaTs2_t inserted in a cell without apical sections")
	}
	if len(m0.mechs) != len(m1.mechs) {
		t.Fatalf("%d mechanisms with apic entries, %d without", len(m1.mechs), len(m0.mechs))
	}
	p := Protocol{TStop: 60, Delay: 5, Dur: 50, Amp: 0.3}
	v0, err := m0.Simulate(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := m1.Simulate(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := range v0 {
		if v0[k] != v1[k] {
			t.Fatalf("sample %d: v = %v with apic entries, %v without", k, v1[k], v0[k])
		}
	}
}

// apicSWC is a small cell with every section type the recipe handles: a
// single-point soma, a basal dendrite (type 3), an apical trunk that
// branches (type 4) and an axon (type 2, deleted).
const apicSWC = `# soma, dend, apic, axon
1 1 0 0 0 8 -1
2 3 -8 0 0 1 1
3 3 -60 0 0 0.8 2
4 4 0 8 0 2 1
5 4 0 100 0 1.6 4
6 4 40 160 0 0.8 5
7 4 -40 170 0 0.8 5
8 2 0 -8 0 0.5 1
9 2 0 -50 0 0.5 8
`

// TestApicalSections: SWC type 4 becomes apic sections, and the genome's
// apic entries (mechanism, values, cm, erev) reach exactly them.
func TestApicalSections(t *testing.T) {
	dir := writeCell(t, `{"name": "apic", "morphology": "morphology.swc", "parameters": "hof/*.json", "axon": "delete"}`, apicSWC)
	b, err := os.ReadFile(filepath.Join(dir, "hof/a.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hof/a.json"), apicGenome(t, b), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCell(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range c.Tree.Sections {
		names = append(names, s.Name)
	}
	if got, want := strings.Join(names, " "), "soma[0] dend[0] apic[0] apic[1] apic[2]"; got != want {
		t.Fatalf("sections %s, want %s", got, want)
	}
	p, err := ReadParamsFile(c.ParamFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.ModelFromParams(p)
	if err != nil {
		t.Fatal(err)
	}
	checkApplied(t, m, p)
	na := mechOf(m, "NaTs2_t")
	if na == nil {
		t.Fatal("NaTs2_t not inserted")
	}
	for _, nd := range na.nodes {
		sec := m.Tree().Sections[m.Tree().Section[nd]]
		if sec.Type != "apic" {
			t.Errorf("NaTs2_t in %s", m.NodeName(nd))
		}
		if m.ena[nd] != 60 {
			t.Errorf("%s: ena = %v, want the apic erev 60", m.NodeName(nd), m.ena[nd])
		}
	}
	if _, err := m.Simulate(context.Background(), Protocol{TStop: 20, Delay: 2, Dur: 10, Amp: 0.2}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestUnknownMechanismFile: a parameter file naming a mechanism noble does
// not have fails with an error naming the file, the field, the mechanism
// and the supported list, and wrapping mech.ErrUnknown.
func TestUnknownMechanismFile(t *testing.T) {
	c, err := LoadCell(mouseDir(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(c.ParamFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"mechanism": "Kd"`, `"mechanism": "NaTa_t"`, 1)
	if s == string(b) {
		t.Fatal("the parameter file inserts no Kd")
	}
	path := filepath.Join(t.TempDir(), "unknown.json")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = c.Model(path)
	if !errors.Is(err, mech.ErrUnknown) {
		t.Fatalf("error %v does not wrap mech.ErrUnknown", err)
	}
	for _, want := range []string{path + ": genome[", "].mechanism: ", `unknown mechanism "NaTa_t"`,
		"(supported: " + strings.Join(mech.Names(), ", ") + ")"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

var humanRepo = flag.String("human-repo", "", "`dir`: a checkout of anastassiou-team/human_cortical_single_neuron_models, for TestWholeRepository")

// TestWholeRepository builds every all-active model of the human cortical
// models repository (Required_Files/json: 7,840 parameter files of 242
// cells, all nine types; Required_Files/swc: their morphologies, axon
// deleted as the files' axon_morph says), given -human-repo (the files are
// unlicensed, so not shipped): every file parses and
// builds, and, except under -short, the first model of each cell simulates
// 60 ms of a 0.3 nA step with finite voltages. Run 2026-12-07 on the
// repository's HEAD: 7,840 built, 242 simulated (about 45 s).
func TestWholeRepository(t *testing.T) {
	if *humanRepo == "" {
		t.Skip("no -human-repo checkout given")
	}
	root := filepath.Join(*humanRepo, "Required_Files")
	files, err := filepath.Glob(filepath.Join(root, "json", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no parameter files in %s/json", root)
	}
	sort.Strings(files)
	cells := map[string]*Cell{}
	built, simulated := 0, 0
	for _, f := range files {
		base := filepath.Base(f)
		key, _, ok := strings.Cut(base, "_stage")
		if !ok {
			t.Errorf("%s: no cell name", f)
			continue
		}
		c, seen := cells[key]
		if !seen {
			c = repositoryCell(t, filepath.Join(root, "swc", key+"_transformed.swc"))
			cells[key] = c
		}
		if c == nil {
			continue
		}
		m, err := c.Model(f)
		if err != nil {
			t.Error(err)
			continue
		}
		built++
		if seen || testing.Short() {
			continue
		}
		v, err := m.Simulate(context.Background(), Protocol{TStop: 60, Delay: 5, Dur: 50, Amp: 0.3}, nil)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for k, x := range v {
			if math.IsNaN(x) || math.Abs(x) > 200 {
				t.Errorf("%s: v = %v mV at sample %d", f, x, k)
				break
			}
		}
		simulated++
	}
	t.Logf("%d parameter files of %d cells: %d built, %d simulated", len(files), len(cells), built, simulated)
}

// repositoryCell imports a morphology of the repository as the human
// models' recipe does (axon deleted); nil after reporting an error.
func repositoryCell(t *testing.T, swc string) *Cell {
	t.Helper()
	m, err := morph.ReadSWCFile(swc)
	if err == nil {
		err = m.DeleteAxon()
	}
	if err != nil {
		t.Error(err)
		return nil
	}
	m.DefineShape()
	tree, err := cable.Build(m, nil)
	if err != nil {
		t.Errorf("%s: %v", swc, err)
		return nil
	}
	return &Cell{Name: filepath.Base(swc), Axon: "delete", Morphology: m, Tree: tree}
}
