package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/mech"
)

// Sentinel errors wrapped by the typed errors of this package; callers
// branch on them with errors.Is. Unknown mechanism and parameter names wrap
// mech.ErrUnknown instead.
var (
	ErrSyntax    = errors.New("sim: malformed JSON")
	ErrMissing   = errors.New("sim: missing field")
	ErrType      = errors.New("sim: wrong type")
	ErrNotFinite = errors.New("sim: value is not finite")
	ErrRange     = errors.New("sim: value out of range")
	ErrDiverged  = errors.New("sim: simulation diverged")
	ErrProtocol  = errors.New("sim: invalid protocol")
)

// ParamError reports an invalid parameter file or cell description
// (cell.json): the file, the position of a JSON syntax error or the JSON
// path of the offending field, and the cause. It prints as
// "file:line:col: msg" for syntax errors and "file: field: msg" otherwise.
type ParamError struct {
	File  string // file name as given
	Line  int    // 1-based line of a syntax error; 0 for field errors
	Col   int    // 1-based column of a syntax error
	Field string // JSON path, e.g. "genome[3].value"; "" for syntax errors
	Err   error  // cause; wraps one of the sentinels or mech.ErrUnknown
}

func (e *ParamError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Col, e.Err)
	case e.Field != "":
		return fmt.Sprintf("%s: %s: %v", e.File, e.Field, e.Err)
	default:
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
}

// Unwrap returns the cause.
func (e *ParamError) Unwrap() error { return e.Err }

// Params is one all-active parameter file in the format of the Allen
// Institute's cell-type models and BMTK (set_params_allactive): the passive
// axial resistivity, the conditions (temperature, initial voltage, reversal
// potentials per section type) and the genome (one value per section type
// and parameter).
type Params struct {
	File    string  // file name, for messages
	Ra      float64 // passive[0].ra, Ω·cm, applied to every section; 0 when absent
	Celsius float64 // conditions[0].celsius, °C
	VInit   float64 // conditions[0].v_init, mV
	Erev    []Erev  // conditions[0].erev
	Genome  []Gene  // genome, in file order (later entries override earlier ones)
}

// Erev sets the Na and K reversal potentials of one section type; NEURON
// applies them only to sections holding a mechanism that uses the ion.
type Erev struct {
	Section string  // "soma", "dend", "apic" or "axon"
	Ena     float64 // mV
	Ek      float64 // mV
}

// Gene is one genome entry: insert Mechanism (if not empty) in every section
// of type Section, then set the range variable Name to Value there.
type Gene struct {
	Section   string  // "soma", "dend", "apic" or "axon"
	Name      string  // "cm" (µF/cm²), "Ra" (Ω·cm) or a mechanism parameter such as "gbar_NaV"
	Value     float64 // in the parameter's NEURON unit
	Mechanism string  // NEURON suffix of the mechanism to insert, or ""
}

// SectionTypes are the section types of an all-active cell, as named in
// parameter files and cable.Section.Type.
var SectionTypes = []string{"soma", "dend", "apic", "axon"}

func knownSection(s string) bool {
	for _, t := range SectionTypes {
		if s == t {
			return true
		}
	}
	return false
}

// maxParamBytes bounds the size of a parameter or cell file (real ones are
// a few kB).
const maxParamBytes = 16 << 20

// ReadParamsFile reads and checks the parameter file at path.
func ReadParamsFile(path string) (*Params, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	return ParseParams(data, path)
}

// readBounded reads a small file, refusing ones over maxParamBytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxParamBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxParamBytes {
		return nil, &ParamError{File: path, Err: fmt.Errorf("%w: file larger than %d bytes", ErrRange, maxParamBytes)}
	}
	return data, nil
}

// ParseParams parses a parameter file's contents; file names it in errors.
// Parsing is strict: every field the NEURON recipe reads must be present
// and of the right type, numbers must be finite (genome values may be JSON
// numbers or numeric strings), section types must be soma, dend, apic or
// axon, and every mechanism and parameter must be one mech supports, its
// mechanism inserted in that section type by this or an earlier genome
// entry (as NEURON requires). Errors are *ParamError.
func ParseParams(data []byte, file string) (*Params, error) {
	d := decoder{file: file}
	top, err := d.object(data, "")
	if err != nil {
		return nil, err
	}
	p := &Params{File: file}

	// passive[0].ra (optional; the array itself is required, as the recipe reads passive[0]).
	pas, err := d.array(top, "passive", "", true)
	if err != nil {
		return nil, err
	}
	if len(pas) == 0 {
		return nil, d.errf("passive", ErrMissing, "empty array (passive[0] is read)")
	}
	p0, err := d.object(pas[0], "passive[0]")
	if err != nil {
		return nil, err
	}
	if _, ok := p0["ra"]; ok {
		if p.Ra, err = d.number(p0, "ra", "passive[0]", false); err != nil {
			return nil, err
		}
		if p.Ra <= 0 {
			return nil, d.errf("passive[0].ra", ErrRange, "%v Ω·cm: must be > 0", p.Ra)
		}
	}

	// conditions[0]
	conds, err := d.array(top, "conditions", "", true)
	if err != nil {
		return nil, err
	}
	if len(conds) == 0 {
		return nil, d.errf("conditions", ErrMissing, "empty array (conditions[0] is read)")
	}
	c0, err := d.object(conds[0], "conditions[0]")
	if err != nil {
		return nil, err
	}
	if p.Celsius, err = d.number(c0, "celsius", "conditions[0]", false); err != nil {
		return nil, err
	}
	if p.Celsius <= -273.15 {
		return nil, d.errf("conditions[0].celsius", ErrRange, "%v °C is below absolute zero", p.Celsius)
	}
	if p.VInit, err = d.number(c0, "v_init", "conditions[0]", false); err != nil {
		return nil, err
	}
	erev, err := d.array(c0, "erev", "conditions[0]", true)
	if err != nil {
		return nil, err
	}
	for i, raw := range erev {
		path := fmt.Sprintf("conditions[0].erev[%d]", i)
		o, err := d.object(raw, path)
		if err != nil {
			return nil, err
		}
		var e Erev
		if e.Section, err = d.section(o, path); err != nil {
			return nil, err
		}
		if e.Ena, err = d.number(o, "ena", path, false); err != nil {
			return nil, err
		}
		if e.Ek, err = d.number(o, "ek", path, false); err != nil {
			return nil, err
		}
		p.Erev = append(p.Erev, e)
	}

	// genome
	genome, err := d.array(top, "genome", "", true)
	if err != nil {
		return nil, err
	}
	inserted := map[string]map[*mech.Kind]bool{}
	pasKind, _ := mech.Lookup("pas")
	for i, raw := range genome {
		path := fmt.Sprintf("genome[%d]", i)
		o, err := d.object(raw, path)
		if err != nil {
			return nil, err
		}
		var g Gene
		if g.Section, err = d.section(o, path); err != nil {
			return nil, err
		}
		if g.Name, err = d.str(o, "name", path); err != nil {
			return nil, err
		}
		if g.Value, err = d.number(o, "value", path, true); err != nil {
			return nil, err
		}
		if _, ok := o["mechanism"]; ok {
			if g.Mechanism, err = d.str(o, "mechanism", path); err != nil {
				return nil, err
			}
		}
		ins := inserted[g.Section]
		if ins == nil {
			ins = map[*mech.Kind]bool{pasKind: true}
			inserted[g.Section] = ins
		}
		if g.Mechanism != "" {
			k, err := mech.Get(g.Mechanism)
			if err != nil {
				return nil, d.wrap(path+".mechanism", err)
			}
			ins[k] = true
		}
		switch g.Name {
		case "cm":
			if g.Value <= 0 {
				return nil, d.errf(path+".value", ErrRange, "cm = %v µF/cm²: must be > 0", g.Value)
			}
		case "Ra":
			if g.Value <= 0 {
				return nil, d.errf(path+".value", ErrRange, "Ra = %v Ω·cm: must be > 0", g.Value)
			}
		default:
			k, _, err := mech.ParamKind(g.Name)
			if err != nil {
				var ue *mech.UnknownError
				if errors.As(err, &ue) && ue.What == "parameter" && len(ue.Supported) > 0 && !strings.Contains(g.Name, "_") {
					// a bare name: also list the section properties.
					ue.Supported = append([]string{"cm", "Ra"}, ue.Supported...)
				}
				return nil, d.wrap(path+".name", err)
			}
			if !ins[k] {
				return nil, d.errf(path+".name", ErrMissing,
					"%s: mechanism %s is not inserted in %s (name it in \"mechanism\" of this or an earlier entry)",
					g.Name, k.Name, g.Section)
			}
		}
		p.Genome = append(p.Genome, g)
	}
	return p, nil
}

// decoder turns JSON into values with errors that name the file and field.
type decoder struct{ file string }

func (d decoder) errf(field string, sentinel error, format string, args ...any) error {
	return &ParamError{File: d.file, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

func (d decoder) wrap(field string, err error) error {
	return &ParamError{File: d.file, Field: field, Err: err}
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// object decodes raw as a JSON object. A syntax error is reported with its
// line and column (it can only occur at the top level: nested raw values
// have already been checked by the outer decode).
func (d decoder) object(raw []byte, path string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(raw, se.Offset)
			msg := se.Error()
			if bytes.Contains(raw, []byte("NaN")) || bytes.Contains(raw, []byte("Infinity")) {
				msg += " (NaN and Infinity are not JSON numbers)"
			}
			return nil, &ParamError{File: d.file, Line: line, Col: col, Err: fmt.Errorf("%w: %s", ErrSyntax, msg)}
		}
		if path == "" {
			return nil, &ParamError{File: d.file, Err: fmt.Errorf("%w: top level must be a JSON object, not %s", ErrType, kind(raw))}
		}
		return nil, d.errf(path, ErrType, "want an object, not %s", kind(raw))
	}
	if m == nil {
		if path == "" {
			return nil, &ParamError{File: d.file, Err: fmt.Errorf("%w: top level must be a JSON object, not null", ErrType)}
		}
		return nil, d.errf(path, ErrType, "want an object, not null")
	}
	return m, nil
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// kind names the JSON type of raw for messages.
func kind(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func (d decoder) array(o map[string]json.RawMessage, key, parent string, required bool) ([]json.RawMessage, error) {
	path := join(parent, key)
	raw, ok := o[key]
	if !ok {
		if required {
			return nil, d.errf(path, ErrMissing, "required")
		}
		return nil, nil
	}
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil || a == nil {
		return nil, d.errf(path, ErrType, "want an array, not %s", kind(raw))
	}
	return a, nil
}

func (d decoder) str(o map[string]json.RawMessage, key, parent string) (string, error) {
	path := join(parent, key)
	raw, ok := o[key]
	if !ok {
		return "", d.errf(path, ErrMissing, "required")
	}
	var s string
	if kind(raw) != "a string" || json.Unmarshal(raw, &s) != nil {
		return "", d.errf(path, ErrType, "want a string, not %s", kind(raw))
	}
	return s, nil
}

func (d decoder) section(o map[string]json.RawMessage, parent string) (string, error) {
	s, err := d.str(o, "section", parent)
	if err != nil {
		return "", err
	}
	if !knownSection(s) {
		return "", d.errf(join(parent, "section"), ErrRange, "unknown section type %q (supported: %s)", s, strings.Join(SectionTypes, ", "))
	}
	return s, nil
}

// number reads a finite number; allowString also accepts a JSON string
// holding one (as some parameter files store genome values).
func (d decoder) number(o map[string]json.RawMessage, key, parent string, allowString bool) (float64, error) {
	path := join(parent, key)
	raw, ok := o[key]
	if !ok {
		return 0, d.errf(path, ErrMissing, "required")
	}
	text := string(bytes.TrimSpace(raw))
	switch kind(raw) {
	case "a number":
	case "a string":
		if !allowString {
			return 0, d.errf(path, ErrType, "want a number, not a string")
		}
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, d.errf(path, ErrType, "want a number, not %s", kind(raw))
		}
	default:
		return 0, d.errf(path, ErrType, "want a number, not %s", kind(raw))
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, d.errf(path, ErrType, "%q is not a number", text)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, d.errf(path, ErrNotFinite, "%q", text)
	}
	if !json.Valid([]byte(text)) || kind(json.RawMessage(text)) != "a number" {
		// strconv accepts forms JSON (and Python's float) do not, e.g. "0x1p-2".
		return 0, d.errf(path, ErrType, "%q is not a decimal number", text)
	}
	return v, nil
}
