package dataset

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/noble-neuro/noble/internal/npy"
)

// ErrShard is wrapped by errors about a corrupt, truncated or inconsistent
// shard file; a *ShardError names the shard.
var ErrShard = errors.New("dataset: bad shard")

// ShardError reports a bad shard file.
type ShardError struct {
	Dir   string // dataset directory
	Shard string // shard file name
	Err   error  // cause, wrapping ErrShard (or an I/O error)
}

func (e *ShardError) Error() string { return fmt.Sprintf("%s: shard %s: %v", e.Dir, e.Shard, e.Err) }

// Unwrap returns the cause.
func (e *ShardError) Unwrap() error { return e.Err }

// Arrays of a shard file (an uncompressed NPZ archive of NPY arrays).
const (
	ArrayVoltage = "voltage" // float32 [n, Samples]: soma voltage, mV, decimated
	ArrayAmp     = "amp"     // float64 [n]: step amplitude, nA
	ArrayModel   = "model"   // float64 [n]: model index (an integer) into the manifest's models
	ArrayTrace   = "trace"   // float64 [n]: index of the trace within its split (an integer)
)

// Shard is the content of one shard file.
type Shard struct {
	Info    ShardInfo
	Samples int       // samples per trace
	Voltage []float32 // [Info.Traces × Samples] mV, row-major
	Amp     []float64 // nA
	Model   []int     // model index
	Trace   []int     // trace index within the split
}

// V returns the voltage trace of the shard's i-th trace (a subslice).
func (s *Shard) V(i int) []float32 { return s.Voltage[i*s.Samples : (i+1)*s.Samples] }

// encode returns the shard as NPZ bytes: entries voltage.npy, amp.npy,
// model.npy, trace.npy, stored (not compressed) with zero timestamps, so that
// equal shards are equal bytes.
func (s *Shard) encode() ([]byte, error) {
	n := s.Info.Traces
	var buf bytes.Buffer
	buf.Grow(n*s.Samples*4 + n*24 + 2048)
	zw := zip.NewWriter(&buf)
	add := func(name string, write func(w io.Writer) error) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
		if err != nil {
			return err
		}
		return write(w)
	}
	ints := func(x []int) []float64 {
		f := make([]float64, len(x))
		for i, v := range x {
			f[i] = float64(v)
		}
		return f
	}
	err := errors.Join(
		add(ArrayVoltage, func(w io.Writer) error { return npy.WriteFloat32(w, []int{n, s.Samples}, s.Voltage) }),
		add(ArrayAmp, func(w io.Writer) error { return npy.WriteFloat64(w, []int{n}, s.Amp) }),
		add(ArrayModel, func(w io.Writer) error { return npy.WriteFloat64(w, []int{n}, ints(s.Model)) }),
		add(ArrayTrace, func(w io.Writer) error { return npy.WriteFloat64(w, []int{n}, ints(s.Trace)) }),
		zw.Close(),
	)
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeShard parses NPZ bytes of the shard info with samples per trace and
// checks shapes, finiteness and index ranges (models < nModels). Errors wrap
// ErrShard.
func decodeShard(data []byte, info ShardInfo, samples, nModels int) (*Shard, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: not an NPZ archive: %v", ErrShard, err)
	}
	n := info.Traces
	want := map[string]int{ArrayVoltage: n * samples * 4, ArrayAmp: n * 8, ArrayModel: n * 8, ArrayTrace: n * 8}
	arrays := map[string]*npy.Array{}
	for _, f := range zr.File {
		name, ok := strings.CutSuffix(f.Name, ".npy")
		size, known := want[name]
		if !ok || !known {
			return nil, fmt.Errorf("%w: unexpected entry %q", ErrShard, f.Name)
		}
		if arrays[name] != nil {
			return nil, fmt.Errorf("%w: entry %q twice", ErrShard, f.Name)
		}
		// An NPY header is at most a few hundred bytes: refuse an entry
		// whose size cannot be the expected array before decoding it.
		if f.UncompressedSize64 < uint64(size) || f.UncompressedSize64 > uint64(size)+65536 {
			return nil, fmt.Errorf("%w: %s: %d bytes, want %d plus a header", ErrShard, f.Name, f.UncompressedSize64, size)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrShard, f.Name, err)
		}
		a, err := npy.Read(rc)
		if err == nil {
			_, err = io.Copy(io.Discard, rc) // reaches the end: checks the CRC-32
		}
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrShard, f.Name, err)
		}
		arrays[name] = a
	}
	s := &Shard{Info: info, Samples: samples}
	for name := range want {
		a := arrays[name]
		if a == nil {
			return nil, fmt.Errorf("%w: entry %s.npy missing", ErrShard, name)
		}
		shape := []int{n}
		if name == ArrayVoltage {
			shape = []int{n, samples}
			if a.F32 == nil {
				return nil, fmt.Errorf("%w: %s.npy: not float32", ErrShard, name)
			}
		} else if a.F64 == nil {
			return nil, fmt.Errorf("%w: %s.npy: not float64", ErrShard, name)
		}
		if !slices.Equal(a.Shape, shape) {
			return nil, fmt.Errorf("%w: %s.npy: shape %v, want %v", ErrShard, name, a.Shape, shape)
		}
	}
	s.Voltage = arrays[ArrayVoltage].F32
	for i, v := range s.Voltage {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%w: voltage.npy: trace %d sample %d is %v", ErrShard, i/samples, i%samples, v)
		}
	}
	s.Amp = arrays[ArrayAmp].F64
	for i, v := range s.Amp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: amp.npy: trace %d is %v", ErrShard, i, v)
		}
	}
	var err2 error
	if s.Model, err2 = toInts(arrays[ArrayModel].F64, 0, nModels); err2 != nil {
		return nil, fmt.Errorf("%w: model.npy: %v", ErrShard, err2)
	}
	if s.Trace, err2 = toInts(arrays[ArrayTrace].F64, info.First, info.First+n); err2 != nil {
		return nil, fmt.Errorf("%w: trace.npy: %v", ErrShard, err2)
	}
	for i, t := range s.Trace {
		if t != info.First+i {
			return nil, fmt.Errorf("%w: trace.npy: entry %d is %d, want %d", ErrShard, i, t, info.First+i)
		}
	}
	return s, nil
}

// toInts converts integer-valued floats in [lo, hi) to ints.
func toInts(x []float64, lo, hi int) ([]int, error) {
	out := make([]int, len(x))
	for i, v := range x {
		if v != math.Trunc(v) || v < float64(lo) || v >= float64(hi) {
			return nil, fmt.Errorf("entry %d is %v, want an integer in [%d, %d)", i, v, lo, hi)
		}
		out[i] = int(v)
	}
	return out, nil
}
