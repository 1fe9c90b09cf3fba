package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// MaxHeaderSize bounds the JSON header length Read accepts (100 MB, as the
// reference implementation).
const MaxHeaderSize = 100_000_000

// MaxDataSize bounds the total tensor bytes Read accepts (16 GiB).
const MaxDataSize = 1 << 34

// MetadataKey is the reserved header key holding the string metadata.
const MetadataKey = "__metadata__"

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("safetensors: malformed file")

// Tensor is one named float32 array in C order. len(Data) must equal the
// product of Shape (1 for an empty shape, a scalar).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// FormatError reports a malformed file: the tensor (empty for the header as a
// whole) and the header field at fault. It wraps ErrFormat.
type FormatError struct {
	Tensor string // tensor name, or "" for the file header
	Field  string // e.g. "dtype", "shape", "data_offsets"; may be ""
	Msg    string
}

func (e *FormatError) Error() string {
	s := "safetensors: "
	if e.Tensor != "" {
		s += "tensor " + strconv.Quote(e.Tensor) + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Msg
}

// Unwrap returns ErrFormat.
func (e *FormatError) Unwrap() error { return ErrFormat }

func ferr(tensor, field, format string, args ...any) error {
	return &FormatError{Tensor: tensor, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// dtypeSize gives the element size of each dtype Read accepts.
var dtypeSize = map[string]int{"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "C64": 8}

// knownDtypes lists the dtypes of the format that Read refuses as unsupported
// (rather than as unknown).
var knownDtypes = []string{"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "I32", "U32", "I64", "U64", "C128"}

type entry struct {
	name       string
	dtype      string
	shape      []int
	begin, end int64
}

// Read decodes a whole safetensors file from r. The tensors are returned in
// the order of their data offsets; meta is nil when the file has no
// "__metadata__". Every error about the content wraps ErrFormat (as a
// *FormatError); I/O errors are returned wrapped.
func Read(r io.Reader) (tensors []Tensor, meta map[string]string, err error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, nil, ferr("", "header length", "short file (%v)", err)
	}
	n := binary.LittleEndian.Uint64(pre[:])
	if n > MaxHeaderSize {
		return nil, nil, ferr("", "header length", "%d bytes exceeds the limit of %d", n, MaxHeaderSize)
	}
	if n < 2 {
		return nil, nil, ferr("", "header length", "%d bytes is too short for a JSON object", n)
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, nil, ferr("", "header", "short header: want %d bytes (%v)", n, err)
	}
	entries, meta, err := parseHeader(hdr)
	if err != nil {
		return nil, nil, err
	}
	total, err := validate(entries)
	if err != nil {
		return nil, nil, err
	}
	var data bytes.Buffer
	if m, err := io.CopyN(&data, r, total); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, ferr("", "data", "short data section: header declares %d bytes, file has %d", total, m)
		}
		return nil, nil, fmt.Errorf("safetensors: reading data: %w", err)
	}
	var one [1]byte
	if k, _ := io.ReadFull(r, one[:]); k != 0 {
		return nil, nil, ferr("", "data", "trailing bytes after the %d declared data bytes", total)
	}
	buf := data.Bytes()
	tensors = make([]Tensor, len(entries))
	for i, e := range entries {
		shape := e.shape
		if e.dtype == "C64" {
			shape = append(shape, 2) // (real, imaginary) pairs
		}
		tensors[i] = Tensor{Name: e.name, Shape: shape, Data: decode(e.dtype, buf[e.begin:e.end])}
	}
	return tensors, meta, nil
}

// parseHeader decodes the JSON header, refusing duplicate keys, unknown
// fields and values of the wrong type. Entries come back sorted by offset.
func parseHeader(hdr []byte) ([]entry, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, ferr("", "header", "not a JSON object")
	}
	var (
		entries []entry
		meta    map[string]string
		seen    = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, ferr("", "header", "invalid JSON: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, ferr("", "header", "invalid JSON key %v", tok)
		}
		if seen[name] {
			return nil, nil, ferr(name, "", "duplicate name in header")
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, ferr(name, "", "invalid JSON value: %v", err)
		}
		if name == MetadataKey {
			if meta, err = parseMeta(raw); err != nil {
				return nil, nil, err
			}
			continue
		}
		if name == "" {
			return nil, nil, ferr("", "header", "empty tensor name")
		}
		e, err := parseEntry(name, raw)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, ferr("", "header", "unterminated JSON object")
	}
	// Only whitespace (the alignment padding) may follow the object.
	rest := hdr[dec.InputOffset():]
	if len(bytes.TrimRight(rest, " \t\r\n")) != 0 {
		return nil, nil, ferr("", "header", "unexpected bytes after the JSON object at offset %d", 8+dec.InputOffset())
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		if a.begin != b.begin {
			return cmpInt(a.begin, b.begin)
		}
		return cmpInt(a.end, b.end)
	})
	return entries, meta, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func parseMeta(raw json.RawMessage) (map[string]string, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, ferr("", MetadataKey, "not an object of strings")
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, ferr("", MetadataKey, "value of %q is not a string", k)
		}
		out[k] = s
	}
	return out, nil
}

func parseEntry(name string, raw json.RawMessage) (entry, error) {
	var info struct {
		Dtype       *string       `json:"dtype"`
		Shape       []json.Number `json:"shape"`
		DataOffsets []json.Number `json:"data_offsets"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	d.DisallowUnknownFields()
	if err := d.Decode(&info); err != nil {
		return entry{}, ferr(name, "", "invalid tensor info: %v", err)
	}
	e := entry{name: name}
	if info.Dtype == nil {
		return entry{}, ferr(name, "dtype", "missing")
	}
	e.dtype = *info.Dtype
	size, ok := dtypeSize[e.dtype]
	if !ok {
		if slices.Contains(knownDtypes, e.dtype) {
			return entry{}, ferr(name, "dtype", "%s is not supported (only F32, F64, F16, BF16, C64)", e.dtype)
		}
		return entry{}, ferr(name, "dtype", "unknown dtype %q", e.dtype)
	}
	if info.Shape == nil {
		return entry{}, ferr(name, "shape", "missing")
	}
	e.shape = make([]int, len(info.Shape))
	elems := int64(1)
	for i, num := range info.Shape {
		v, err := strconv.ParseInt(num.String(), 10, 64)
		if err != nil || v < 0 {
			return entry{}, ferr(name, "shape", "dimension %d is %s, not a non-negative integer", i, num)
		}
		if v > 0 && elems > MaxDataSize/v {
			return entry{}, ferr(name, "shape", "%v holds more than %d elements", info.Shape, int64(MaxDataSize))
		}
		elems *= v
		e.shape[i] = int(v)
	}
	if len(info.DataOffsets) != 2 {
		return entry{}, ferr(name, "data_offsets", "want [begin, end], got %d numbers", len(info.DataOffsets))
	}
	var off [2]int64
	for i, num := range info.DataOffsets {
		v, err := strconv.ParseInt(num.String(), 10, 64)
		if err != nil || v < 0 || v > MaxDataSize {
			return entry{}, ferr(name, "data_offsets", "%s is not an integer in [0, %d]", num, int64(MaxDataSize))
		}
		off[i] = v
	}
	e.begin, e.end = off[0], off[1]
	if e.end < e.begin {
		return entry{}, ferr(name, "data_offsets", "end %d before begin %d", e.end, e.begin)
	}
	if want := elems * int64(size); e.end-e.begin != want {
		return entry{}, ferr(name, "data_offsets", "[%d, %d] spans %d bytes, shape %v of %s needs %d",
			e.begin, e.end, e.end-e.begin, e.shape, e.dtype, want)
	}
	return e, nil
}

// validate checks that the sorted entries tile [0, total) and returns total.
func validate(entries []entry) (int64, error) {
	var pos int64
	for _, e := range entries {
		if e.begin != pos {
			if e.begin < pos {
				return 0, ferr(e.name, "data_offsets", "[%d, %d] overlaps the previous tensor, which ends at %d", e.begin, e.end, pos)
			}
			return 0, ferr(e.name, "data_offsets", "[%d, %d] leaves a gap after byte %d", e.begin, e.end, pos)
		}
		pos = e.end
	}
	return pos, nil
}

// decode converts little-endian data of the given dtype to float32.
func decode(dtype string, b []byte) []float32 {
	switch dtype {
	case "F32", "C64":
		out := make([]float32, len(b)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out
	case "F64":
		out := make([]float32, len(b)/8)
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
		return out
	case "F16":
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = halfToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return out
	case "BF16":
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
		return out
	}
	panic("safetensors: decode of unvalidated dtype " + dtype)
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal: value = frac × 2^-24.
	v := float32(frac) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// Write encodes the tensors as F32, in the given order, with the optional
// metadata (nil writes no "__metadata__" key). The header is padded with
// spaces to a multiple of 8 bytes. It returns an error, without writing
// anything, if a name is empty, reserved or repeated, or a tensor's data
// length does not match its shape.
func Write(w io.Writer, tensors []Tensor, meta map[string]string) error {
	hdr, err := header(tensors, meta)
	if err != nil {
		return err
	}
	var pre [8]byte
	binary.LittleEndian.PutUint64(pre[:], uint64(len(hdr)))
	if _, err := w.Write(pre[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 64<<10)
	for _, t := range tensors {
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// header builds the padded JSON header: metadata first (keys sorted, as
// encoding/json does), then the tensors in order.
func header(tensors []Tensor, meta map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if meta != nil {
		m, err := json.Marshal(meta)
		if err != nil {
			return nil, fmt.Errorf("safetensors: metadata: %w", err)
		}
		b.WriteString(`"` + MetadataKey + `":`)
		b.Write(m)
	}
	seen := make(map[string]bool, len(tensors))
	var off int64
	for i, t := range tensors {
		switch {
		case t.Name == "":
			return nil, fmt.Errorf("safetensors: tensor %d has an empty name", i)
		case t.Name == MetadataKey:
			return nil, fmt.Errorf("safetensors: tensor %d: name %q is reserved", i, t.Name)
		case seen[t.Name]:
			return nil, fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		n := 1
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", t.Name, t.Shape)
			}
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("safetensors: tensor %q: shape %v holds %d values, data has %d", t.Name, t.Shape, n, len(t.Data))
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(t.Name)
		b.Write(name)
		b.WriteString(`:{"dtype":"F32","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		end := off + 4*int64(n)
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}
