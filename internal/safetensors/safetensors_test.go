package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// raw builds a file from a literal header and data bytes.
func raw(hdr string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(hdr)))
	b.WriteString(hdr)
	b.Write(data)
	return b.Bytes()
}

func f32bytes(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func sample() ([]Tensor, map[string]string) {
	return []Tensor{
			{Name: "lifting.fcs.0.weight", Shape: []int{2, 3, 1}, Data: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), -1e-30}},
			{Name: "b", Shape: []int{2}, Data: []float32{7, 8}},
			{Name: "scalar", Shape: []int{}, Data: []float32{42}},
			{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
		}, map[string]string{
			"config": `{"width":24}`,
			"format": "pt",
		}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	in, meta := sample()
	var b bytes.Buffer
	if err := Write(&b, in, meta); err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(b.Bytes())
	if hlen%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", hlen)
	}
	if want := 8 + int(hlen) + 4*(6+2+1); b.Len() != want {
		t.Errorf("file size = %d, want %d", b.Len(), want)
	}
	out, m, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("read %d tensors, want %d", len(out), len(in))
	}
	// The empty tensor sits at the same offset as "scalar"'s end; order by
	// offset keeps the written order here.
	for i := range in {
		if out[i].Name != in[i].Name || !equalInts(out[i].Shape, in[i].Shape) || !equalBits(out[i].Data, in[i].Data) {
			t.Errorf("tensor %d = %+v, want %+v", i, out[i], in[i])
		}
	}
	if len(m) != 2 || m["config"] != meta["config"] || m["format"] != "pt" {
		t.Errorf("metadata = %v, want %v", m, meta)
	}
}

func TestNoMetadata(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Write(&b, []Tensor{{Name: "x", Shape: []int{1}, Data: []float32{1}}}, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), MetadataKey) {
		t.Errorf("nil metadata wrote a %s key", MetadataKey)
	}
	_, m, err := Read(&b)
	if err != nil || m != nil {
		t.Errorf("Read = %v, %v; want nil metadata, no error", m, err)
	}
}

// TestConversions checks F64, F16, BF16 and C64 decoding against hand-encoded
// values (IEEE 754 bit patterns).
func TestConversions(t *testing.T) {
	t.Parallel()
	var data []byte
	// F64: 0.1 rounds to float32(0.1); -3 exact.
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(0.1))
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(-3))
	// F16: 1.0 = 0x3c00, -2.5 = 0xc100, 65504 = 0x7bff, smallest subnormal 0x0001 = 2^-24, -0 = 0x8000, +Inf = 0x7c00.
	for _, h := range []uint16{0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0x7c00} {
		data = binary.LittleEndian.AppendUint16(data, h)
	}
	// BF16: 1.0 = 0x3f80, -0.5 = 0xbf00.
	for _, h := range []uint16{0x3f80, 0xbf00} {
		data = binary.LittleEndian.AppendUint16(data, h)
	}
	// C64: 1+2i, -0.5+0i.
	data = append(data, f32bytes(1, 2, -0.5, 0)...)
	hdr := `{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},` +
		`"h":{"dtype":"F16","shape":[6],"data_offsets":[16,28]},` +
		`"bf":{"dtype":"BF16","shape":[2],"data_offsets":[28,32]},` +
		`"c":{"dtype":"C64","shape":[2,1],"data_offsets":[32,48]}}`
	ts, _, err := Read(bytes.NewReader(raw(hdr, data)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{
		"a":  {float32(0.1), -3},
		"h":  {1, -2.5, 65504, float32(math.Ldexp(1, -24)), float32(math.Copysign(0, -1)), float32(math.Inf(1))},
		"bf": {1, -0.5},
		"c":  {1, 2, -0.5, 0},
	}
	for _, tt := range ts {
		if tt.Name == "c" && !equalInts(tt.Shape, []int{2, 1, 2}) {
			t.Errorf("C64 shape = %v, want [2 1 2]", tt.Shape)
		}
		if !equalBits(tt.Data, want[tt.Name]) {
			t.Errorf("%s = %v, want %v", tt.Name, tt.Data, want[tt.Name])
		}
	}
	if got := halfToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("F16 0x7e00 = %v, want NaN", got)
	}
	// Every F16 value converts exactly: check against the float64 formula.
	for h := 0; h < 0x7c00; h++ {
		exp, frac := h>>10, h&0x3ff
		var want float64
		if exp == 0 {
			want = math.Ldexp(float64(frac), -24)
		} else {
			want = math.Ldexp(1+float64(frac)/1024, exp-15)
		}
		if got := halfToFloat32(uint16(h)); float64(got) != want {
			t.Fatalf("halfToFloat32(%#04x) = %g, want %g", h, got, want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	ok := `{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	big := make([]byte, 8)
	binary.LittleEndian.PutUint64(big, MaxHeaderSize+1)
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, math.MaxUint64)
	tests := []struct {
		name string
		file []byte
		want string // substring of the error
	}{
		{"empty", nil, "header length: short file"},
		{"header too large", big, "exceeds the limit"},
		{"header length overflow", huge, "exceeds the limit"},
		{"short header", raw(ok, nil)[:20], "short header"},
		{"not json", raw("[1,2]   ", nil), "not a JSON object"},
		{"bad json", raw(`{"x":}`, nil), "invalid JSON"},
		{"trailing garbage in header", raw(ok+"x", f32bytes(1, 2)), "unexpected bytes after the JSON object"},
		{"duplicate", raw(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)), `tensor "x": duplicate name`},
		{"unknown dtype", raw(`{"x":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), `tensor "x": dtype: unknown dtype "Q7"`},
		{"unsupported dtype", raw(`{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)), `dtype: I64 is not supported`},
		{"missing dtype", raw(`{"x":{"shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), `dtype: missing`},
		{"missing shape", raw(`{"x":{"dtype":"F32","data_offsets":[0,4]}}`, f32bytes(1)), `shape: missing`},
		{"negative dim", raw(`{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, f32bytes(1)), `shape: dimension 0 is -1`},
		{"fractional dim", raw(`{"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, f32bytes(1)), `shape: dimension 0 is 1.5`},
		{"shape overflow", raw(`{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, f32bytes(1)), `shape: `},
		{"unknown field", raw(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"y":1}}`, f32bytes(1)), `unknown field "y"`},
		{"offsets arity", raw(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, f32bytes(1)), `data_offsets: want [begin, end]`},
		{"offsets reversed", raw(`{"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, nil), `end 0 before begin 4`},
		{"size mismatch", raw(`{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, f32bytes(1, 2)), `shape [3] of F32 needs 12`},
		{"gap", raw(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)), `leaves a gap after byte 0`},
		{"overlap", raw(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)), `overlaps the previous tensor`},
		{"short data", raw(ok, f32bytes(1)), "short data section: header declares 8 bytes, file has 4"},
		{"trailing data", raw(ok, f32bytes(1, 2, 3)), "trailing bytes"},
		{"metadata not strings", raw(`{"__metadata__":{"a":1}}`, nil), `__metadata__: value of "a" is not a string`},
		{"metadata not object", raw(`{"__metadata__":[]}`, nil), `__metadata__: not an object`},
		{"empty name", raw(`{"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), "empty tensor name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Read(bytes.NewReader(tc.file))
			if err == nil {
				t.Fatalf("Read succeeded, want error containing %q", tc.want)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %q does not wrap ErrFormat", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ts   []Tensor
		want string
	}{
		{"empty name", []Tensor{{Shape: []int{1}, Data: []float32{1}}}, "empty name"},
		{"reserved", []Tensor{{Name: MetadataKey, Shape: []int{1}, Data: []float32{1}}}, "reserved"},
		{"duplicate", []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{1}}}, `duplicate tensor name "a"`},
		{"length", []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1}}}, "shape [2 2] holds 4 values, data has 1"},
		{"negative", []Tensor{{Name: "a", Shape: []int{-1}, Data: nil}}, "negative dimension"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			err := Write(&b, tc.ts, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Write error = %v, want one containing %q", err, tc.want)
			}
			if b.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing", b.Len())
			}
		})
	}
}

// TestHeaderOrder reads a file whose header lists tensors out of offset
// order, as the Python safetensors package writes (sorted by dtype then
// name, with the metadata anywhere).
func TestHeaderOrder(t *testing.T) {
	t.Parallel()
	hdr := `{"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"format":"pt"},` +
		`"a":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]}}   `
	ts, meta, err := Read(bytes.NewReader(raw(hdr, f32bytes(1, 2, 3))))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Name != "z" || ts[1].Name != "a" || !equalBits(ts[1].Data, []float32{2, 3}) {
		t.Errorf("tensors = %+v", ts)
	}
	if meta["format"] != "pt" {
		t.Errorf("metadata = %v", meta)
	}
}

func TestFileRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	in, meta := sample()
	if err := WriteFile(path, in, meta); err != nil {
		t.Fatal(err)
	}
	out, _, err := ReadFile(path)
	if err != nil || len(out) != len(in) {
		t.Fatalf("ReadFile = %d tensors, %v", len(out), err)
	}
	os.WriteFile(path, []byte("garbage!garbage"), 0o644)
	if _, _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("ReadFile error %v does not name the file", err)
	}
}

func FuzzRead(f *testing.F) {
	in, meta := sample()
	var b bytes.Buffer
	Write(&b, in, meta)
	f.Add(b.Bytes())
	f.Add(raw(`{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, []byte{0, 0x3c, 0, 0xc0}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		ts, meta, err := Read(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		var out bytes.Buffer
		if err := Write(&out, ts, meta); err != nil {
			t.Fatalf("Write of a file Read accepted: %v", err)
		}
		ts2, meta2, err := Read(&out)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if len(ts2) != len(ts) || len(meta2) != len(meta) {
			t.Fatalf("round trip changed the file: %d→%d tensors, %d→%d metadata", len(ts), len(ts2), len(meta), len(meta2))
		}
		for i := range ts {
			if ts[i].Name != ts2[i].Name || !equalInts(ts[i].Shape, ts2[i].Shape) || !equalBits(ts[i].Data, ts2[i].Data) {
				t.Fatalf("round trip changed tensor %q", ts[i].Name)
			}
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
