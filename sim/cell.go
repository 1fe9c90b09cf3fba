package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/noble-neuro/noble/cable"
	"github.com/noble-neuro/noble/morph"
)

// Cell is a cell directory loaded: its description (cell.json), the list of
// its parameter files and its discretised morphology. A Cell is immutable
// and safe for concurrent use.
type Cell struct {
	Name       string   // cell.json "name"
	Dir        string   // the directory
	Axon       string   // "delete" or "stub"
	ParamDir   string   // directory of the parameter files
	ParamFiles []string // paths of the parameter files, sorted

	Morphology *morph.Morphology // after the axon treatment and define_shape
	Tree       *cable.Tree       // its discretisation with NEURON's default Ra (each Model builds its own)
}

// cellFile is cell.json: the fields noble reads (others, such as source and
// species, are documentation).
const cellFile = "cell.json"

// LoadCell reads the cell directory dir: cell.json (fields name,
// morphology, parameters — a glob relative to dir such as "hof/*.json" —
// and axon, "delete" or "stub"), lists the parameter files (sorted), reads
// the SWC morphology as NEURON's Import3d, treats the axon, and discretises
// the cell (nseg = 1 + 2·int(L/40)). Errors name the file and field.
func LoadCell(dir string) (*Cell, error) {
	path := filepath.Join(dir, cellFile)
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	d := decoder{file: path}
	top, err := d.object(data, "")
	if err != nil {
		return nil, err
	}
	c := &Cell{Dir: dir}
	if c.Name, err = d.str(top, "name", ""); err != nil {
		return nil, err
	}
	morphName, err := d.str(top, "morphology", "")
	if err != nil {
		return nil, err
	}
	pattern, err := d.str(top, "parameters", "")
	if err != nil {
		return nil, err
	}
	if c.Axon, err = d.str(top, "axon", ""); err != nil {
		return nil, err
	}
	if c.Axon != "delete" && c.Axon != "stub" {
		return nil, d.errf("axon", ErrRange, "%q: want \"delete\" or \"stub\"", c.Axon)
	}
	if filepath.IsAbs(morphName) {
		return nil, d.errf("morphology", ErrRange, "%q: paths are relative to the cell directory", morphName)
	}
	if filepath.IsAbs(pattern) {
		return nil, d.errf("parameters", ErrRange, "%q: paths are relative to the cell directory", pattern)
	}
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, d.errf("parameters", ErrRange, "bad pattern %q: %v", pattern, err)
	}
	c.ParamFiles, _ = filepath.Glob(filepath.Join(dir, pattern))
	sort.Strings(c.ParamFiles)
	if len(c.ParamFiles) == 0 {
		return nil, d.errf("parameters", ErrMissing, "%q matches no file in %s", pattern, dir)
	}
	c.ParamDir = filepath.Dir(filepath.Join(dir, pattern))

	m, err := morph.ReadSWCFile(filepath.Join(dir, morphName))
	if err != nil {
		return nil, err
	}
	switch c.Axon {
	case "delete":
		err = m.DeleteAxon()
	case "stub":
		err = m.StubAxon()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: axon %s: %w", filepath.Join(dir, morphName), c.Axon, err)
	}
	m.DefineShape()
	c.Morphology = m
	if c.Tree, err = cable.Build(m, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, morphName), err)
	}
	return c, nil
}

// ParamFile resolves name to one of the cell's parameter files: an existing
// path as given, else a file of that name in the cell's parameter directory
// (with or without ".json"), so that "seed1_hof00" names
// DIR/hof/seed1_hof00.json.
func (c *Cell) ParamFile(name string) (string, error) {
	if st, err := os.Stat(name); err == nil && !st.IsDir() {
		return name, nil
	}
	if !strings.ContainsRune(name, os.PathSeparator) && !strings.Contains(name, "/") {
		for _, cand := range []string{name, name + ".json"} {
			p := filepath.Join(c.ParamDir, cand)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("sim: parameter file %q: %w (not a file, nor in %s)", name, fs.ErrNotExist, c.ParamDir)
}

// Model reads the parameter file and applies it to the cell; see the
// package documentation for the recipe. Errors are *ParamError for bad
// files.
func (c *Cell) Model(paramFile string) (*Model, error) {
	p, err := ReadParamsFile(paramFile)
	if err != nil {
		return nil, err
	}
	return c.ModelFromParams(p)
}

// ModelFromParams applies parsed parameters to the cell.
func (c *Cell) ModelFromParams(p *Params) (*Model, error) {
	// Each model owns its tree: NEURON computes every axial resistance from
	// the section's Ra, so build with the file's Ra (SetRa adjusts the
	// section types the genome gives another).
	tree, err := cable.Build(c.Morphology, &cable.Settings{Ra: p.Ra})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.File, err)
	}
	m, err := newModel(tree, p)
	if err != nil {
		var pe *ParamError
		if errors.As(err, &pe) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", p.File, err)
	}
	return m, nil
}
