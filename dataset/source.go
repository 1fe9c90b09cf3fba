package dataset

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/noble-neuro/noble/fi"
	"github.com/noble-neuro/noble/sim"
	"github.com/noble-neuro/noble/surrogate"
)

// Source simulates the models of one cell. Simulate must be safe for
// concurrent use and deterministic: the same model and protocol give the same
// trace in any goroutine.
type Source interface {
	Cell() string     // cell name
	Models() []string // model names (parameter file stems), in the cell's order
	// Simulate returns the soma voltage (mV) of model i under p at every Dt
	// from t = 0 (p.Steps()+1 samples), into dst if it has the capacity.
	Simulate(ctx context.Context, model int, p sim.Protocol, dst []float64) ([]float64, error)
}

// cellSource is a Source over a sim.Cell with every model built.
type cellSource struct {
	cell   *sim.Cell
	names  []string
	models []*sim.Model
}

// NewCellSource builds every model of c (errors name the parameter file).
func NewCellSource(c *sim.Cell) (Source, error) {
	if len(c.ParamFiles) == 0 {
		return nil, fmt.Errorf("dataset: cell %s: no parameter files", c.Name)
	}
	s := &cellSource{cell: c}
	for _, f := range c.ParamFiles {
		m, err := c.Model(f)
		if err != nil {
			return nil, err
		}
		s.models = append(s.models, m)
		s.names = append(s.names, strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)))
	}
	return s, nil
}

func (s *cellSource) Cell() string     { return s.cell.Name }
func (s *cellSource) Models() []string { return s.names }
func (s *cellSource) Simulate(ctx context.Context, i int, p sim.Protocol, dst []float64) ([]float64, error) {
	return s.models[i].Simulate(ctx, p, dst)
}

// Embedding is a model's F-I embedding; NaN values mean the model has none
// (it fires at 0 nA or not up to fi's largest amplitude).
type Embedding struct {
	IThr float64 // threshold current, nA
	SThr float64 // F-I slope above threshold, Hz/nA
	// Features holds the model's extra features by name, in their units
	// (surrogate.IsExtraFeature: AHP_depth, mV), NaN where the table's
	// cell is empty; empty when the table has no such column (Embed
	// computes none).
	Features surrogate.ExtraValues
}

// Has reports whether the embedding is defined.
func (e Embedding) Has() bool { return !math.IsNaN(e.IThr) && !math.IsNaN(e.SThr) }

// Embed computes the F-I embedding of every model of src with package fi
// under p's embedding protocol (the published one: Window ms, step from Delay
// to Delay + Dur; fs's Dt, Delay and Dur are replaced by p's). Models are
// embedded on workers goroutines (0: GOMAXPROCS); progress, if not nil, is
// called after each model with the number done (calls are serialised).
// A model that fires at 0 nA or never gets a NaN embedding, not an error.
func Embed(ctx context.Context, src Source, p Protocol, fs *fi.Settings, workers int, progress func(done, total int)) ([]Embedding, error) {
	var set fi.Settings
	if fs != nil {
		set = *fs
	}
	sp := p.Embedding()
	set.Dt, set.Delay, set.Dur = sp.Dt, sp.Delay, sp.Dur
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	names := src.Models()
	out := make([]Embedding, len(names))
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range names {
		g.Go(func() error {
			var buf []float64
			simulate := func(ctx context.Context, amp float64) ([]float64, error) {
				q := sp
				q.Amp = amp
				v, err := src.Simulate(ctx, i, q, buf)
				buf = v
				return v, err
			}
			res, err := fi.Embed(gctx, simulate, &set)
			switch {
			case errors.Is(err, fi.ErrNoThreshold) || errors.Is(err, fi.ErrFiresAtLo):
				out[i] = Embedding{IThr: math.NaN(), SThr: math.NaN()}
			case err != nil:
				return fmt.Errorf("dataset: embedding of %s: %w", names[i], err)
			default:
				out[i] = Embedding{IThr: res.IThr, SThr: res.SThr}
			}
			if progress != nil {
				mu.Lock()
				done++
				progress(done, len(names))
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// WriteEmbeddings writes embeddings as CSV in the format of "noble fi"
// (parameters,i_thr_nA,s_thr_hz_per_nA, then a column for each extra
// feature any model has, by name; parameters is the file name NAME.json;
// undefined values empty).
func WriteEmbeddings(w io.Writer, names []string, emb []Embedding) error {
	if len(names) != len(emb) {
		panic("dataset: WriteEmbeddings: lengths differ")
	}
	num := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	extra := extraNames(emb)
	if _, err := fmt.Fprintln(w, strings.Join(append([]string{"parameters", "i_thr_nA", "s_thr_hz_per_nA"}, extra...), ",")); err != nil {
		return err
	}
	for i, e := range emb {
		row := []string{names[i] + ".json", num(e.IThr), num(e.SThr)}
		for _, f := range extra {
			x, ok := e.Features.Get(f)
			if !ok {
				x = math.NaN()
			}
			row = append(row, num(x))
		}
		if _, err := fmt.Fprintln(w, strings.Join(row, ",")); err != nil {
			return err
		}
	}
	return nil
}

// extraNames returns the extra features of any of emb, sorted.
func extraNames(emb []Embedding) []string {
	set := map[string]bool{}
	for _, e := range emb {
		for _, f := range e.Features.Names() {
			set[f] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// ErrEmbeddings is wrapped by errors about an embeddings CSV file.
var ErrEmbeddings = errors.New("dataset: bad embeddings file")

// Columns of NOBLE's published embedding table
// (data/e_features/<cell>_ephys_sim_features.csv of neuraloperator/noble):
// a row number (header "" or "index"), cell_type, cell_id, seed, hof,
// slope (the F-I slope s_thr, Hz/nA) and intercept (the threshold current
// I_thr, nA). Its model k = (seed−1)·20 + hof is the parameter file
// PublishedName(seed, hof).
var publishedColumns = []string{"seed", "hof", "slope", "intercept"}

// PublishedName returns the parameter file stem of NOBLE's model (seed,
// hof) in a cell directory: "seed<S>_hof<HH>" (seed1_hof00 … seed3_hof19,
// model k = (seed−1)·20 + hof in the reference code).
func PublishedName(seed, hof int) string { return fmt.Sprintf("seed%d_hof%02d", seed, hof) }

// ReadEmbeddings reads an embeddings CSV and returns the embeddings of the
// given models in order. Two formats are accepted, told apart by the
// header:
//
//   - "noble fi"'s (and WriteEmbeddings'): columns parameters, i_thr_nA and
//     s_thr_hz_per_nA, other columns ignored; a row's parameters may be the
//     file name or its stem; an empty value is an undefined embedding.
//   - NOBLE's published table, as it is: columns seed, hof, slope and
//     intercept (besides the row number, cell_type and cell_id, which are
//     ignored); slope is s_thr and intercept I_thr, and the row is the model
//     PublishedName(seed, hof).
//
// In either format, a column named after an extra feature
// (surrogate.IsExtraFeature: noble fi's AHP_depth) is read into
// Embedding.Features, an empty value as NaN; other columns are ignored.
//
// Every model must have exactly one row; rows of other models are errors
// too (a file of another cell). file names the input in errors, which
// carry the line (and the column of a bad value) and wrap ErrEmbeddings.
func ReadEmbeddings(r io.Reader, file string, names []string) ([]Embedding, error) {
	return ReadEmbeddingsWith(r, file, names, nil)
}

// ReadEmbeddingsWith is ReadEmbeddings requiring the extra features want:
// each must be a column of the file, with a value in every row that has
// an F-I embedding. It is how a run that embeds AHP_depth refuses a table
// made before noble fi wrote the column, naming the file and the column.
func ReadEmbeddingsWith(r io.Reader, file string, names, want []string) ([]Embedding, error) {
	cr := csv.NewReader(io.LimitReader(r, 64<<20))
	cr.ReuseRecord = true
	bad := func(line int, format string, args ...any) error {
		if line == 0 {
			return fmt.Errorf("%s: %w: %s", file, ErrEmbeddings, fmt.Sprintf(format, args...))
		}
		return fmt.Errorf("%s:%d: %w: %s", file, line, ErrEmbeddings, fmt.Sprintf(format, args...))
	}
	head, err := cr.Read()
	if err != nil {
		return nil, bad(1, "header: %v", err)
	}
	col := map[string]int{}
	var extra []string // extra feature columns, in file order
	for i, h := range head {
		h = strings.TrimSpace(h)
		col[h] = i
		if surrogate.IsExtraFeature(h) && !slices.Contains(extra, h) {
			extra = append(extra, h)
		}
	}
	for _, f := range want {
		if !slices.Contains(extra, f) {
			return nil, bad(1, "no column %q: the table was made without it (noble fi writes AHP_depth since it computes it; run it again)", f)
		}
	}
	published := true
	for _, h := range publishedColumns {
		if _, ok := col[h]; !ok {
			published = false
		}
	}
	// The two value columns, I_thr then s_thr, by their header names.
	valCols := []string{"i_thr_nA", "s_thr_hz_per_nA"}
	if published {
		valCols = []string{"intercept", "slope"}
	} else {
		for _, h := range []string{"parameters", "i_thr_nA", "s_thr_hz_per_nA"} {
			if _, ok := col[h]; !ok {
				return nil, bad(1, "no column %q (want noble fi's parameters,i_thr_nA,s_thr_hz_per_nA or NOBLE's published seed,hof,slope,intercept)", h)
			}
		}
	}
	rowName := func(rec []string, line int) (string, error) {
		if !published {
			return strings.TrimSuffix(filepath.Base(rec[col["parameters"]]), ".json"), nil
		}
		var v [2]int
		for k, h := range []string{"seed", "hof"} {
			s := strings.TrimSpace(rec[col[h]])
			x, err := strconv.Atoi(s)
			if f, ferr := strconv.ParseFloat(s, 64); err != nil && ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1e6 {
				x, err = int(f), nil // pandas may write integers as 1.0
			}
			if err != nil || x < 0 || (h == "seed" && x < 1) {
				return "", bad(line, "%s %q: not a valid %s number", h, s, h)
			}
			v[k] = x
		}
		return PublishedName(v[0], v[1]), nil
	}
	idx := map[string]int{}
	for i, n := range names {
		idx[n] = i
	}
	out := make([]Embedding, len(names))
	seen := make([]bool, len(names))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, bad(pe.StartLine, "%v", pe.Err)
			}
			return nil, bad(0, "%v", err)
		}
		line, _ := cr.FieldPos(0)
		name, err := rowName(rec, line)
		if err != nil {
			return nil, err
		}
		i, ok := idx[name]
		if !ok {
			return nil, bad(line, "model %q is not a model of the cell", name)
		}
		if seen[i] {
			return nil, bad(line, "model %q listed twice", name)
		}
		seen[i] = true
		var e [2]float64
		for k, h := range valCols {
			s := strings.TrimSpace(rec[col[h]])
			if s == "" {
				e[k] = math.NaN()
				continue
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, bad(line, "%s %q: not a finite number", h, s)
			}
			e[k] = x
		}
		if math.IsNaN(e[0]) != math.IsNaN(e[1]) {
			return nil, bad(line, "%s: only one of %s and %s given", name, valCols[0], valCols[1])
		}
		out[i] = Embedding{IThr: e[0], SThr: e[1]}
		for _, h := range extra {
			s := strings.TrimSpace(rec[col[h]])
			x := math.NaN()
			if s != "" {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, bad(line, "column %d (%s) %q: not a finite number", col[h]+1, h, s)
				}
				x = v
			}
			if math.IsNaN(x) && !math.IsNaN(e[0]) && slices.Contains(want, h) {
				return nil, bad(line, "column %d (%s): empty for model %s, which has an F-I embedding", col[h]+1, h, name)
			}
			out[i].Features.Set(h, x)
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, bad(0, "no row for model %s", names[i])
		}
	}
	return out, nil
}
