package surrogate

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestStimSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		p           Protocol
		first, end  int
		wantOnCount int
	}{
		// 15/0.06 = 250 (250.00000000000003 in float64); 415/0.06 = 6916.67.
		{"published", DefaultProtocol(), 250, 6917, 6667},
		{"on sample boundaries", Protocol{DtMS: 1, Length: 10, StimStartMS: 2, StimEndMS: 5, CurrentUnit: "0.1nA"}, 2, 5, 3},
		{"between samples", Protocol{DtMS: 1, Length: 10, StimStartMS: 1.5, StimEndMS: 4.5, CurrentUnit: "0.1nA"}, 2, 5, 3},
		{"clipped to window", Protocol{DtMS: 1, Length: 4, StimStartMS: -3, StimEndMS: 100, CurrentUnit: "0.1nA"}, 0, 4, 4},
		{"after window", Protocol{DtMS: 1, Length: 4, StimStartMS: 10, StimEndMS: 20, CurrentUnit: "0.1nA"}, 4, 4, 0},
		{"0.06 grid end", Protocol{DtMS: 0.06, Length: 100, StimStartMS: 0.6, StimEndMS: 1.2, CurrentUnit: "0.1nA"}, 10, 20, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first, end := tc.p.StimSamples()
			if first != tc.first || end != tc.end || end-first != tc.wantOnCount {
				t.Errorf("StimSamples() = %d, %d; want %d, %d", first, end, tc.first, tc.end)
			}
		})
	}
}

func TestScaling(t *testing.T) {
	t.Parallel()
	s, err := FitScaling([]float64{0.3, 0.1, 0.5}, []float64{150, 300, 100})
	if err != nil {
		t.Fatal(err)
	}
	if s.IThr != (Range{0.1, 0.5}) || s.SThr != (Range{100, 300}) || s.Lo != 0.5 || s.Hi != 3.5 {
		t.Fatalf("FitScaling = %+v", s)
	}
	tests := []struct {
		name string
		f    func(float64) float64
		v    float64
		want float64
	}{
		{"I_thr min", s.ScaleIThr, 0.1, 0.5},
		{"I_thr mid", s.ScaleIThr, 0.3, 2.0},
		{"I_thr max", s.ScaleIThr, 0.5, 3.5},
		{"I_thr above range extrapolates", s.ScaleIThr, 0.7, 5.0},
		{"s_thr quarter", s.ScaleSThr, 150, 1.25},
		{"s_thr below range extrapolates", s.ScaleSThr, 0, -1},
	}
	for _, tc := range tests {
		if got := tc.f(tc.v); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: scale(%g) = %g, want %g", tc.name, tc.v, got, tc.want)
		}
	}
	one, _ := FitScaling([]float64{0.2}, []float64{50})
	if got := one.ScaleIThr(0.9); got != 2 {
		t.Errorf("single-model scaling of 0.9 = %g, want the midpoint 2", got)
	}
	for _, bad := range [][2][]float64{{nil, nil}, {{1}, {1, 2}}, {{math.NaN()}, {1}}, {{1}, {math.Inf(1)}}} {
		if _, err := FitScaling(bad[0], bad[1]); !errors.Is(err, ErrInput) {
			t.Errorf("FitScaling(%v, %v) error = %v, want ErrInput", bad[0], bad[1], err)
		}
	}
	if err := (Scaling{IThr: Range{1, 0}, Lo: 0.5, Hi: 3.5}).Validate(); err == nil || !strings.Contains(err.Error(), "i_thr range [1, 0] is inverted") {
		t.Errorf("inverted range: %v", err)
	}
}

// Reference values computed with numpy 1.24.2:
// np.sin(2**k*np.pi*p*np.linspace(0, 2*np.pi, 7)) and the cosine.
func TestEncode(t *testing.T) {
	t.Parallel()
	p := Protocol{DtMS: 1, Length: 7, StimStartMS: 2, StimEndMS: 5, CurrentUnit: "0.1nA"}
	s := Scaling{IThr: Range{0.1, 0.5}, SThr: Range{100, 300}, Lo: 0.5, Hi: 3.5}
	e, err := NewEncoder(p, s)
	if err != nil {
		t.Fatal(err)
	}
	// Amplitude 0.25 nA → p = 2.5; s_thr 150 → 1.25; I_thr 0.3 → 2.0.
	x, err := e.Encode(nil, Stimulus{AmpNA: 0.25, IThr: 0.3, SThr: 150})
	if err != nil {
		t.Fatal(err)
	}
	const l = 7
	at := func(c, j int) float64 { return float64(x[c*l+j]) }
	want := []struct {
		ch, j int
		v     float64
	}{
		{0, 0, 0}, {0, 1, 0}, {0, 2, 2.5}, {0, 4, 2.5}, {0, 5, 0}, {0, 6, 0},
		// amplitude, k = 0 (channels 1, 2), k = 3 (7, 8), k = 8 (17, 18); samples 1, 4, 6
		{1, 1, 0.9320780798761263}, {1, 4, 0.9961268476774142}, {1, 6, -0.7940605467797912},
		{2, 1, -0.362257440247172}, {2, 4, 0.08792783027152024}, {2, 6, 0.6078386694245268},
		{7, 1, 0.1751745447829684}, {7, 4, -0.6475250853216062}, {7, 6, -0.8706382584100295},
		{8, 1, -0.9845373933274855}, {8, 4, 0.7620441351255495}, {8, 6, 0.49192379795325053},
		{17, 1, 0.6040136446352792}, {17, 4, 0.5205389271140067}, {17, 6, -0.6813264935255865},
		{18, 1, 0.7969739751675753}, {18, 4, -0.8538379385802664}, {18, 6, -0.7319796508237979},
		// s_thr (scaled 1.25): channels 19, 20
		{19, 0, 0}, {19, 1, -0.825305228460105}, {19, 6, -0.44280996520825566},
		{20, 0, 1}, {20, 3, 0.9738109387287596}, {20, 6, 0.896615488775575},
		// I_thr (scaled 2.0): channels 21, 22
		{21, 2, 0.558935854019387}, {21, 5, 0.9961268476774142},
		{22, 4, 0.37518142218323713}, {22, 6, -0.20700184965529667},
	}
	for _, w := range want {
		// float32 rounding of a value in [-1, 1] (or 2.5): ≤ 2^-24 relative.
		if got := at(w.ch, w.j); math.Abs(got-w.v) > 3e-7 {
			t.Errorf("x[%d, %d] = %.9g, want %.9g", w.ch, w.j, got, w.v)
		}
	}
}

func TestEncodeZeroAmplitude(t *testing.T) {
	t.Parallel()
	e, err := NewEncoder(DefaultProtocol(), Scaling{IThr: Range{0, 1}, SThr: Range{0, 1}, Lo: 0.5, Hi: 3.5})
	if err != nil {
		t.Fatal(err)
	}
	x, err := e.Encode(nil, Stimulus{AmpNA: 0, IThr: 0.5, SThr: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	l := DefaultProtocol().Length
	for c := 0; c < ChanSThr; c++ {
		want := float32(0)
		if c >= 1 && c%2 == 0 { // cosine channels
			want = 1
		}
		for j := range l {
			if x[c*l+j] != want {
				t.Fatalf("zero amplitude: x[%d, %d] = %g, want %g", c, j, x[c*l+j], want)
			}
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	e, _ := NewEncoder(DefaultProtocol(), Scaling{IThr: Range{0, 1}, SThr: Range{0, 1}, Lo: 0.5, Hi: 3.5})
	for _, st := range []Stimulus{{AmpNA: math.NaN()}, {IThr: math.Inf(1)}, {SThr: math.NaN()}} {
		if _, err := e.Encode(nil, st); !errors.Is(err, ErrInput) {
			t.Errorf("Encode(%+v) error = %v, want ErrInput", st, err)
		}
	}
	if _, err := e.EncodeBatch(nil, []Stimulus{{}, {AmpNA: math.NaN()}}); err == nil || !strings.Contains(err.Error(), "stimulus 1") {
		t.Errorf("EncodeBatch error = %v, want one naming stimulus 1", err)
	}
	bad := []Protocol{
		{DtMS: 0, Length: 10, CurrentUnit: "0.1nA"},
		{DtMS: 1, Length: 0, CurrentUnit: "0.1nA"},
		{DtMS: 1, Length: 10, StimStartMS: 5, StimEndMS: 1, CurrentUnit: "0.1nA"},
		{DtMS: 1, Length: 10, CurrentUnit: "nA"},
	}
	for _, p := range bad {
		if _, err := NewEncoder(p, Scaling{}); !errors.Is(err, ErrInput) {
			t.Errorf("NewEncoder(%+v) error = %v, want ErrInput", p, err)
		}
	}
}

func TestEncodeBatch(t *testing.T) {
	t.Parallel()
	p := Protocol{DtMS: 1, Length: 5, StimStartMS: 1, StimEndMS: 3, CurrentUnit: "0.1nA"}
	e, _ := NewEncoder(p, Scaling{IThr: Range{0, 1}, SThr: Range{0, 1}, Lo: 0.5, Hi: 3.5})
	sts := []Stimulus{{AmpNA: 0.1, IThr: 0.2, SThr: 0.3}, {AmpNA: -0.2, IThr: 0.9, SThr: 0.1}}
	x, err := e.EncodeBatch(nil, sts)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range sts {
		one, _ := e.Encode(nil, st)
		for k := range one {
			if x[i*len(one)+k] != one[k] {
				t.Fatalf("batch item %d differs from Encode at %d", i, k)
			}
		}
	}
	if got := x[DefaultEmbedding().Channels()*5+1]; got != -2 {
		t.Errorf("current of -0.2 nA = %g, want -2 (0.1 nA units)", got)
	}
}

func TestVoltsToMV(t *testing.T) {
	t.Parallel()
	v := VoltsToMV([]float32{-0.065, 0.02})
	if math.Abs(float64(v[0])+65) > 1e-5 || math.Abs(float64(v[1])-20) > 1e-5 {
		t.Errorf("VoltsToMV = %v, want [-65 20]", v)
	}
}

var sink []float32

func BenchmarkEncode(b *testing.B) {
	e, _ := NewEncoder(DefaultProtocol(), Scaling{IThr: Range{0, 1}, SThr: Range{0, 1}, Lo: 0.5, Hi: 3.5})
	dst := make([]float32, DefaultEmbedding().Channels()*DefaultProtocol().Length)
	b.ReportAllocs()
	for b.Loop() {
		sink, _ = e.Encode(dst, Stimulus{AmpNA: 0.3, IThr: 0.2, SThr: 0.5})
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/trace")
}
