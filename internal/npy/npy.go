// Package npy reads and writes NumPy .npy files (format versions 1.0–3.0)
// holding little-endian float32 or float64 arrays in C order.
//
// It is written by hand rather than taken from codeberg.org/sbinet/npyio
// because noble needs three things that library does not give: the declared
// shape is validated and bounded before anything is allocated (a corrupt
// header cannot make us allocate gigabytes), every error names the header
// field at fault, and arrays decode straight into []float32 without
// reflection. The format is specified in numpy/lib/format.py (NEP 1).
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// MaxElements bounds the number of elements Read accepts (2^31: 8 GiB of
// float32), so that a corrupt header is an error, not an allocation failure.
const MaxElements = 1 << 31

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("npy: malformed file")

var magic = []byte("\x93NUMPY")

// Array is an n-dimensional array of float64 or float32 values in C order.
// Exactly one of F32 and F64 is non-nil after Read.
type Array struct {
	Shape []int
	F32   []float32
	F64   []float64
}

// Len returns the number of elements the shape declares.
func Len(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// Read decodes one array from r. Little- and big-endian float32 and float64
// ('<f4', '>f4', '<f8', '>f8') are accepted; Fortran order is refused.
func Read(r io.Reader) (*Array, error) {
	br := bufio.NewReader(r)
	var pre [8]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return nil, formatErr("short preamble: %v", err)
	}
	if !bytes.Equal(pre[:6], magic) {
		return nil, formatErr("bad magic %q", pre[:6])
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, formatErr("short header length: %v", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, formatErr("short header length: %v", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, formatErr("unsupported version %d.%d", pre[6], pre[7])
	}
	if hlen > 1<<20 {
		return nil, formatErr("header length %d too large", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, formatErr("short header: %v", err)
	}
	descr, fortran, shape, err := parseHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	if fortran {
		return nil, formatErr("fortran_order: True is not supported")
	}
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > MaxElements/d) {
			return nil, formatErr("shape %v: more than %d elements", shape, MaxElements)
		}
		n *= d
	}
	var order binary.ByteOrder
	switch descr[0] {
	case '<', '|':
		order = binary.LittleEndian
	case '>':
		order = binary.BigEndian
	default:
		return nil, formatErr("descr %q: unknown byte order", descr)
	}
	a := &Array{Shape: shape}
	switch descr[1:] {
	case "f4":
		buf := make([]byte, 4*n)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, formatErr("data: want %d float32 values: %v", n, err)
		}
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = math.Float32frombits(order.Uint32(buf[4*i:]))
		}
	case "f8":
		buf := make([]byte, 8*n)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, formatErr("data: want %d float64 values: %v", n, err)
		}
		a.F64 = make([]float64, n)
		for i := range a.F64 {
			a.F64[i] = math.Float64frombits(order.Uint64(buf[8*i:]))
		}
	default:
		return nil, formatErr("descr %q: only float32 and float64 are supported", descr)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, formatErr("trailing data after %d elements", n)
	}
	return a, nil
}

// parseHeader reads the Python dict literal of the header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
func parseHeader(h string) (descr string, fortran bool, shape []int, err error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return "", false, nil, formatErr("header is not a dict: %q", h)
	}
	get := func(key string) (string, error) {
		k := "'" + key + "':"
		i := strings.Index(h, k)
		if i < 0 {
			return "", formatErr("header has no %q field", key)
		}
		return strings.TrimSpace(h[i+len(k):]), nil
	}
	v, err := get("descr")
	if err != nil {
		return "", false, nil, err
	}
	if len(v) < 2 || v[0] != '\'' {
		return "", false, nil, formatErr("descr field: %q", v)
	}
	end := strings.IndexByte(v[1:], '\'')
	if end < 0 {
		return "", false, nil, formatErr("descr field: unterminated string")
	}
	descr = v[1 : 1+end]
	if len(descr) != 3 {
		return "", false, nil, formatErr("descr %q: unsupported type", descr)
	}
	v, err = get("fortran_order")
	if err != nil {
		return "", false, nil, err
	}
	switch {
	case strings.HasPrefix(v, "False"):
	case strings.HasPrefix(v, "True"):
		fortran = true
	default:
		return "", false, nil, formatErr("fortran_order field: %q", v)
	}
	v, err = get("shape")
	if err != nil {
		return "", false, nil, err
	}
	if !strings.HasPrefix(v, "(") {
		return "", false, nil, formatErr("shape field: %q", v)
	}
	end = strings.IndexByte(v, ')')
	if end < 0 {
		return "", false, nil, formatErr("shape field: unterminated tuple")
	}
	shape = []int{}
	for _, f := range strings.Split(v[1:end], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
		if err != nil || d < 0 {
			return "", false, nil, formatErr("shape field: bad dimension %q", f)
		}
		shape = append(shape, d)
	}
	return descr, fortran, shape, nil
}

func header(descr string, shape []int) []byte {
	var sb strings.Builder
	sb.WriteString("{'descr': '")
	sb.WriteString(descr)
	sb.WriteString("', 'fortran_order': False, 'shape': (")
	for i, d := range shape {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		sb.WriteString(",")
	}
	sb.WriteString("), }")
	// Pad with spaces so that magic+version+len+header+'\n' is a multiple of 64.
	total := len(magic) + 2 + 2 + sb.Len() + 1
	pad := (64 - total%64) % 64
	sb.WriteString(strings.Repeat(" ", pad))
	sb.WriteString("\n")
	h := sb.String()
	out := make([]byte, 0, len(magic)+4+len(h))
	out = append(out, magic...)
	out = append(out, 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(h)))
	return append(out, h...)
}

func checkShape(shape []int, n int) {
	if Len(shape) != n {
		panic(fmt.Sprintf("npy: shape %v holds %d elements, data has %d", shape, Len(shape), n))
	}
}

// WriteFloat32 writes data with the given shape as '<f4'. It panics if the
// shape does not match len(data).
func WriteFloat32(w io.Writer, shape []int, data []float32) error {
	checkShape(shape, len(data))
	bw := bufio.NewWriter(w)
	bw.Write(header("<f4", shape))
	var b [4]byte
	for _, v := range data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}

// WriteFloat64 writes data with the given shape as '<f8'. It panics if the
// shape does not match len(data).
func WriteFloat64(w io.Writer, shape []int, data []float64) error {
	checkShape(shape, len(data))
	bw := bufio.NewWriter(w)
	bw.Write(header("<f8", shape))
	var b [8]byte
	for _, v := range data {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}

// Float64s returns the array's values as float64, converting float32.
func (a *Array) Float64s() []float64 {
	if a.F64 != nil {
		return a.F64
	}
	out := make([]float64, len(a.F32))
	for i, v := range a.F32 {
		out[i] = float64(v)
	}
	return out
}

// Float32s returns the array's values as float32, converting float64.
func (a *Array) Float32s() []float32 {
	if a.F32 != nil {
		return a.F32
	}
	out := make([]float32, len(a.F64))
	for i, v := range a.F64 {
		out[i] = float32(v)
	}
	return out
}
