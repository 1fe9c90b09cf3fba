package npy

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{}, {0}, {5}, {2, 3}, {2, 1, 4}} {
		n := Len(shape)
		f32 := make([]float32, n)
		f64 := make([]float64, n)
		for i := range f32 {
			f32[i] = float32(i) - 1.5
			f64[i] = float64(i) * 1e-3
		}
		var b bytes.Buffer
		if err := WriteFloat32(&b, shape, f32); err != nil {
			t.Fatal(err)
		}
		if (b.Len()-4*n)%64 != 0 {
			t.Errorf("shape %v: header not padded to 64 bytes", shape)
		}
		a, err := Read(&b)
		if err != nil {
			t.Fatalf("shape %v: %v", shape, err)
		}
		if len(a.Shape) != len(shape) || Len(a.Shape) != n || len(a.F32) != n {
			t.Fatalf("shape %v: got shape %v, %d values", shape, a.Shape, len(a.F32))
		}
		for i := range f32 {
			if a.F32[i] != f32[i] {
				t.Fatalf("shape %v: [%d] = %v, want %v", shape, i, a.F32[i], f32[i])
			}
		}
		b.Reset()
		if err := WriteFloat64(&b, shape, f64); err != nil {
			t.Fatal(err)
		}
		a, err = Read(&b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range f64 {
			if a.F64[i] != f64[i] {
				t.Fatalf("shape %v: [%d] = %v, want %v", shape, i, a.F64[i], f64[i])
			}
		}
	}
}

// TestReadNumPy reads a file written by numpy.save: a NEURON reference trace
// (float32, 25,751 samples, starting at v_init = -80 mV).
func TestReadNumPy(t *testing.T) {
	a, err := ReadFile(filepath.Join("..", "..", "testdata", "neuron", "mouse_pvalb_318331342", "hof_param_318331342_0__amp0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Shape) != 1 || a.Shape[0] != 25751 || len(a.F32) != 25751 || a.F32[0] != -80 {
		t.Errorf("got shape %v, first value %v; want [25751], -80", a.Shape, a.F32[0])
	}
}

func TestReadErrors(t *testing.T) {
	var good bytes.Buffer
	WriteFloat32(&good, []int{4}, []float32{1, 2, 3, 4})
	g := good.Bytes()
	cases := map[string][]byte{
		"empty":     {},
		"magic":     append([]byte("XNUMPY"), g[6:]...),
		"truncated": g[:len(g)-3],
		"trailing":  append(append([]byte{}, g...), 0),
		"int type":  bytes.Replace(g, []byte("<f4"), []byte("<i4"), 1),
		"huge":      bytes.Replace(g, []byte("(4,)"), []byte("(9999999999,)"), 1),
		"fortran":   bytes.Replace(g, []byte("False"), []byte("True "), 1),
		"shape":     bytes.Replace(g, []byte("(4,)"), []byte("(x,)"), 1),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(data))
			if !errors.Is(err, ErrFormat) {
				t.Errorf("Read = %v, want ErrFormat", err)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	WriteFloat32(&b, []int{2, 2}, []float32{1, 2, 3, 4})
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if a.F32 != nil {
			WriteFloat32(&out, a.Shape, a.F32)
		} else {
			WriteFloat64(&out, a.Shape, a.F64)
		}
		b, err := Read(&out)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if Len(b.Shape) != Len(a.Shape) {
			t.Fatalf("round trip changed shape %v -> %v", a.Shape, b.Shape)
		}
	})
}
