package dataset

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func FuzzReadEmbeddings(f *testing.F) {
	f.Add("parameters,i_thr_nA,s_thr_hz_per_nA,intercept_nA,simulations\na.json,0.1,500,0.05,15\nb.json,,,,15\n")
	f.Add("s_thr_hz_per_nA,parameters,i_thr_nA\n1,b,0.2\n2,a,0.1\n")
	f.Add("parameters,i_thr_nA,s_thr_hz_per_nA\na,1e308,-0\nb,\"0.1\",2\n")
	names := []string{"a", "b"}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 1<<16 {
			return
		}
		emb, err := ReadEmbeddings(strings.NewReader(in), "fuzz.csv", names)
		if err != nil {
			return
		}
		// Accepted: one finite-or-NaN pair per model, and a round trip.
		var buf bytes.Buffer
		if err := WriteEmbeddings(&buf, names, emb); err != nil {
			t.Fatal(err)
		}
		back, err := ReadEmbeddings(&buf, "again.csv", names)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		for i := range emb {
			e, b := emb[i], back[i]
			if math.IsInf(e.IThr, 0) || math.IsInf(e.SThr, 0) || math.IsNaN(e.IThr) != math.IsNaN(e.SThr) {
				t.Fatalf("model %d: %+v", i, e)
			}
			if e.Has() && e != b || !e.Has() && b.Has() {
				t.Fatalf("model %d: %+v read back as %+v", i, e, b)
			}
		}
	})
}

func FuzzDecodeShard(f *testing.F) {
	info := ShardInfo{Name: "train-00000-of-00001.npz", Split: SplitTrain, Traces: 2}
	s := &Shard{Info: info, Samples: 3, Voltage: []float32{1, 2, 3, 4, 5, 6}, Amp: []float64{0.1, 0.2}, Model: []int{0, 1}, Trace: []int{0, 1}}
	good, err := s.encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		sh, err := decodeShard(data, info, 3, 2)
		if err != nil {
			return
		}
		if len(sh.Voltage) != 6 || len(sh.Amp) != 2 || len(sh.Model) != 2 || sh.Trace[1] != 1 {
			t.Fatalf("accepted shard with wrong shapes: %+v", sh)
		}
		for _, v := range sh.Voltage {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("accepted non-finite voltage %v", v)
			}
		}
		// Re-encoding what was accepted decodes to the same values.
		again, err := sh.encode()
		if err != nil {
			t.Fatal(err)
		}
		sh2, err := decodeShard(again, info, 3, 2)
		if err != nil {
			t.Fatalf("re-encoded shard: %v", err)
		}
		for i := range sh.Voltage {
			if sh.Voltage[i] != sh2.Voltage[i] {
				t.Fatal("round trip changed the voltage")
			}
		}
	})
}
