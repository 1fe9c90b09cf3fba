package eval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/features"
)

// ErrExperiment is wrapped by errors about an experimental feature table.
var ErrExperiment = errors.New("eval: bad experimental feature table")

// ExperimentError reports a problem at a place of an experimental feature
// table, printed as "file:line: column: msg" (line and column left out when
// unknown).
type ExperimentError struct {
	File   string // the table
	Line   int    // 1-based line (1: the header), 0 if none
	Column string // the column, "" if none
	Err    error  // wraps ErrExperiment
}

func (e *ExperimentError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %q", e.Column)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ExperimentError) Unwrap() error { return e.Err }

// Steps of a recording: the column prefixes of the experimental table.
const (
	StepDepol    = "depol"    // the depolarising long-square step
	StepHyperpol = "hyperpol" // the hyperpolarising long-square step
)

// StepFor returns the step whose recorded features an amplitude (nA) is
// compared with: StepDepol above 0, else StepHyperpol.
func StepFor(ampNA float64) string {
	if ampNA > 0 {
		return StepDepol
	}
	return StepHyperpol
}

// Recording is one recorded cell's features under one current step: a row
// of an experimental feature table (the format of the human cells' table
// of NOBLE's paper: a spec_id column naming the cell, then columns
// "<step>.<feature>" of eFEL features of the recording).
type Recording struct {
	File   string `json:"file"`    // the table
	Line   int    `json:"line"`    // the row's line
	SpecID string `json:"spec_id"` // the cell's specimen id
	Step   string `json:"step"`    // StepDepol or StepHyperpol

	// Spikecount is the recording's spike count in the step ("<step>.
	// Spikecount"); NaN when the table has no such column (its
	// hyperpolarising steps), which is taken as silent.
	Spikecount Num  `json:"spikecount"`
	Fires      bool `json:"fires"` // Spikecount > 0

	// Names are the features compared, as NOBLE's reference code chooses
	// them (inference/utils/compare_features.py of neuraloperator/noble):
	// features.ReferenceFiring without Spikecount when the recording fires,
	// else features.ReferenceSilent.
	Names  []string           `json:"names"`
	Values map[string]float64 `json:"values"` // the recorded value of each of Names
}

// RecordingNames returns the features compared for a recording that fires
// or not (see Recording.Names).
func RecordingNames(fires bool) []string {
	if !fires {
		return slices.Clone(features.ReferenceSilent)
	}
	var out []string
	for _, n := range features.ReferenceFiring {
		if n != "Spikecount" {
			out = append(out, n)
		}
	}
	return out
}

// ReadRecording reads the row of cell specID from an experimental feature
// table (CSV with a header) and the features of step (StepDepol or
// StepHyperpol) that Recording.Names lists. file names the input in
// errors, which are *ExperimentError naming the line and column: no
// spec_id column, no row of specID (or two), no column of a needed
// feature, a value that is empty or not a finite number.
func ReadRecording(r io.Reader, file, specID, step string) (*Recording, error) {
	bad := func(line int, column, format string, args ...any) error {
		return &ExperimentError{File: file, Line: line, Column: column, Err: fmt.Errorf("%w: %s", ErrExperiment, fmt.Sprintf(format, args...))}
	}
	if step != StepDepol && step != StepHyperpol {
		return nil, bad(0, "", "step %q: want %s or %s", step, StepDepol, StepHyperpol)
	}
	cr := csv.NewReader(io.LimitReader(r, 64<<20))
	head, err := cr.Read()
	if err != nil {
		return nil, bad(1, "", "header: %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	idCol, ok := col["spec_id"]
	if !ok {
		return nil, bad(1, "spec_id", "no such column: the table names its cells in a spec_id column")
	}
	var row []string
	line := 0
	var ids []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, bad(pe.StartLine, "", "%v", pe.Err)
			}
			return nil, bad(0, "", "%v", err)
		}
		l, _ := cr.FieldPos(0)
		id := strings.TrimSpace(rec[idCol])
		ids = append(ids, id)
		if id != specID {
			continue
		}
		if row != nil {
			return nil, bad(l, "spec_id", "cell %s listed twice (also line %d)", specID, line)
		}
		row, line = rec, l
	}
	if row == nil {
		return nil, bad(0, "spec_id", "no row of cell %s (cells: %s)", specID, strings.Join(ids, ", "))
	}
	rc := &Recording{File: file, Line: line, SpecID: specID, Step: step, Spikecount: Num(math.NaN()), Values: map[string]float64{}}
	value := func(name string) (float64, error) {
		c := step + "." + name
		i, ok := col[c]
		if !ok {
			return 0, bad(1, c, "no such column: the table does not give the recording's %s", name)
		}
		s := strings.TrimSpace(row[i])
		x, err := strconv.ParseFloat(s, 64)
		if s == "" || err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, bad(line, c, "cell %s: %q is not a finite number", specID, s)
		}
		return x, nil
	}
	if _, ok := col[step+".Spikecount"]; ok {
		n, err := value("Spikecount")
		if err != nil {
			return nil, err
		}
		rc.Spikecount, rc.Fires = Num(n), n > 0
	}
	rc.Names = RecordingNames(rc.Fires)
	for _, n := range rc.Names {
		x, err := value(n)
		if err != nil {
			return nil, err
		}
		rc.Values[n] = x
	}
	return rc, nil
}

// LoadRecording reads the row of cell specID from the experimental feature
// table at path (see ReadRecording).
func LoadRecording(path, specID, step string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadRecording(f, path, specID, step)
}
