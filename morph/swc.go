package morph

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Sentinel errors. Every error returned for bad input wraps one of them
// (inside a *ParseError that names file, line and field); test with errors.Is.
var (
	ErrSyntax        = errors.New("morph: syntax error")
	ErrRadius        = errors.New("morph: radius must be positive")
	ErrDuplicateID   = errors.New("morph: duplicate sample id")
	ErrUnknownParent = errors.New("morph: unknown parent id")
	ErrCycle         = errors.New("morph: parent cycle")
	ErrParentOrder   = errors.New("morph: parent id must be less than sample id")
	ErrMultipleRoots = errors.New("morph: more than one root")
	ErrNoSoma        = errors.New("morph: no soma")
	ErrTooLarge      = errors.New("morph: input too large")
	ErrNoAxon        = errors.New("morph: no axon")
	ErrUnsupported   = errors.New("morph: unsupported morphology")
)

// MaxSamples bounds the number of samples ParseSWC accepts (the cells used
// here have 1,250 and 15,550).
const MaxSamples = 1 << 22

// maxLine bounds the length of one SWC line, bytes.
const maxLine = 1 << 16

// ParseError is an error in an SWC file, with its position. Line is 1-based;
// 0 means the error concerns the whole file. Field names the SWC column
// ("id", "type", "x", "y", "z", "radius", "parent") or is empty.
type ParseError struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Sample is one SWC line: a point of the reconstruction.
//
// Coordinates and radius hold the value NEURON's Import3d reads, which is
// the text rounded to single precision (hoc's sscanf "%f"); see doc.go.
type Sample struct {
	ID      int
	Type    int     // SWC structure identifier: 1 soma, 2 axon, 3 dend, 4 apic
	X, Y, Z float64 // µm
	Radius  float64 // µm
	Parent  int     // parent ID, -1 for the root
	Line    int     // line number in the file, 1-based
}

var fieldNames = [7]string{"id", "type", "x", "y", "z", "radius", "parent"}

// ParseSWC reads SWC samples from r. name labels errors (usually the file
// path). Lines starting with '#' (after blanks) and blank lines are skipped;
// a data line holds exactly seven numbers, optionally followed by a '#'
// comment. Radii must be positive and finite. ParseSWC checks the fields of
// each line only; Import checks the tree.
func ParseSWC(r io.Reader, name string) ([]Sample, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var out []Sample
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		if len(f) != 7 {
			return nil, &ParseError{name, line, "", fmt.Errorf("%w: want 7 fields (id type x y z radius parent), got %d", ErrSyntax, len(f))}
		}
		if len(out) >= MaxSamples {
			return nil, &ParseError{name, line, "", fmt.Errorf("%w: more than %d samples", ErrTooLarge, MaxSamples)}
		}
		var s Sample
		s.Line = line
		var ints [3]int
		for k, fi := range [3]int{0, 1, 6} {
			v, err := parseInt(f[fi])
			if err != nil {
				return nil, &ParseError{name, line, fieldNames[fi], err}
			}
			ints[k] = v
		}
		s.ID, s.Type, s.Parent = ints[0], ints[1], ints[2]
		if s.ID < 0 {
			return nil, &ParseError{name, line, "id", fmt.Errorf("%w: negative id %d", ErrSyntax, s.ID)}
		}
		if s.Parent < 0 {
			s.Parent = -1
		}
		var fl [4]float64
		for k := range 4 {
			v, err := parseFloat32(f[2+k])
			if err != nil {
				return nil, &ParseError{name, line, fieldNames[2+k], err}
			}
			fl[k] = v
		}
		s.X, s.Y, s.Z, s.Radius = fl[0], fl[1], fl[2], fl[3]
		if !(s.Radius > 0) {
			return nil, &ParseError{name, line, "radius", fmt.Errorf("%w (got %s)", ErrRadius, f[5])}
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{name, line + 1, "", fmt.Errorf("%w: line longer than %d bytes", ErrTooLarge, maxLine)}
		}
		return nil, &ParseError{name, line, "", err}
	}
	return out, nil
}

// parseInt accepts an integer, or a number with an integral value ("3.0"),
// as NEURON (which reads every column as a number) does.
func parseInt(s string) (int, error) {
	if v, err := strconv.Atoi(s); err == nil {
		return v, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, fmt.Errorf("%w: %q is not an integer", ErrSyntax, s)
	}
	return int(v), nil
}

// parseFloat32 parses s rounded to single precision, as C's strtof (hoc's
// sscanf "%f") does, and rejects NaN and infinities.
func parseFloat32(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("%w: %q out of range", ErrSyntax, s)
		}
		return 0, fmt.Errorf("%w: %q is not a number", ErrSyntax, s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: %q is not finite", ErrSyntax, s)
	}
	return v, nil
}
