package surrogate

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenStimuli cover the amplitude signs, zero and both ends of the
// scaling, on the published protocol and a short odd one.
var goldenStimuli = []struct {
	name string
	p    Protocol
	st   Stimulus
}{
	{"published", DefaultProtocol(), Stimulus{AmpNA: 0.35, IThr: 0.1, SThr: 120}},
	{"published negative", DefaultProtocol(), Stimulus{AmpNA: -0.1, IThr: 0.3, SThr: 300}},
	{"published zero", DefaultProtocol(), Stimulus{AmpNA: 0, IThr: 0.05, SThr: 400}},
	{"short", Protocol{DtMS: 0.5, Length: 101, StimStartMS: 5, StimEndMS: 40, CurrentUnit: "0.1nA"}, Stimulus{AmpNA: 1.7, IThr: 0.4, SThr: 50}},
	{"one sample", Protocol{DtMS: 1, Length: 1, StimStartMS: 0, StimEndMS: 1, CurrentUnit: "0.1nA"}, Stimulus{AmpNA: 0.2, IThr: 0.2, SThr: 200}},
}

var goldenScaling = Scaling{IThr: Range{Min: 0.05, Max: 0.4}, SThr: Range{Min: 50, Max: 400}, Lo: 0.5, Hi: 3.5}

// TestDefaultEncodingGolden pins the default encoding bit for bit: the
// golden file holds the SHA-256 of the float32 bits (little endian) of each
// case's encoding, captured from the encoder before embeddings became
// configurable (go test -update rewrites it).
func TestDefaultEncodingGolden(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, c := range goldenStimuli {
		enc, err := NewEncoder(c.p, goldenScaling)
		if err != nil {
			t.Fatal(err)
		}
		x, err := enc.Encode(nil, c.st)
		if err != nil {
			t.Fatal(err)
		}
		if len(x) != 23*c.p.Length {
			t.Fatalf("%s: len = %d, want 23·%d", c.name, len(x), c.p.Length)
		}
		h := sha256.New()
		var w [4]byte
		for _, v := range x {
			binary.LittleEndian.PutUint32(w[:], math.Float32bits(v))
			h.Write(w[:])
		}
		fmt.Fprintf(&b, "%s %s\n", c.name, hex.EncodeToString(h.Sum(nil)))
	}
	path := filepath.Join("testdata", "default_encoding.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("default encoding changed:\ngot\n%swant\n%s", b.String(), want)
	}
}

// TestEncodeEmbedding checks a non-default embedding against the formulas
// of the package doc at a few samples, each written out here from the
// formula (not through nerf), within one float32 rounding.
func TestEncodeEmbedding(t *testing.T) {
	t.Parallel()
	p := Protocol{DtMS: 1, Length: 9, StimStartMS: 2, StimEndMS: 5, CurrentUnit: "0.1nA"}
	sc := Scaling{IThr: Range{Min: 0.1, Max: 0.5}, SThr: Range{Min: 100, Max: 300}, Lo: ScaleLo, Hi: ScaleHi}
	st := Stimulus{AmpNA: 0.05, IThr: 0.2, SThr: 200} // p = 0.5; scaled I_thr 1.25, s_thr 2
	tj := func(j int) float64 { return 2 * math.Pi * float64(j) / 8 }
	for _, c := range []struct {
		name string
		e    Embedding
		// want(ch, j) is channel ch at sample j for ch ≥ 1.
		want func(ch, j int) float64
	}{
		{"amp K=2, i_thr freq K=1", Embedding{EmbedAmp, 2, EmbedFreq, []FeatureEmbedding{{FeatureIThr, 1}}},
			func(ch, j int) float64 {
				t := tj(j)
				switch ch {
				case 1, 2: // p·sin(π t), p·cos(π t)
					return 0.5 * []float64{math.Sin(math.Pi * t), math.Cos(math.Pi * t)}[ch-1]
				case 3, 4: // p·sin(2π t), p·cos(2π t)
					return 0.5 * []float64{math.Sin(2 * math.Pi * t), math.Cos(2 * math.Pi * t)}[ch-3]
				default: // sin(π·1.25·t), cos(π·1.25·t)
					return []float64{math.Sin(math.Pi * 1.25 * t), math.Cos(math.Pi * 1.25 * t)}[ch-5]
				}
			}},
		{"no amplitude, s_thr amp K=2, i_thr K=0", Embedding{EmbedFreq, 0, EmbedAmp, []FeatureEmbedding{{FeatureSThr, 2}, {FeatureIThr, 0}}},
			func(ch, j int) float64 {
				t := tj(j)
				w := math.Pi * float64(int(1)<<((ch-1)/2))
				if ch%2 == 1 {
					return 2 * math.Sin(w*t)
				}
				return 2 * math.Cos(w*t)
			}},
		{"none type", Embedding{EmbedNone, 1, EmbedNone, []FeatureEmbedding{{FeatureSThr, 1}}},
			func(ch, j int) float64 {
				t := tj(j)
				if ch%2 == 1 {
					return math.Sin(math.Pi * t)
				}
				return math.Cos(math.Pi * t)
			}},
		{"current only", Embedding{EmbedFreq, 0, EmbedFreq, nil}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			enc, err := NewEncoderEmbedding(p, sc, &c.e)
			if err != nil {
				t.Fatal(err)
			}
			x, err := enc.Encode(nil, st)
			if err != nil {
				t.Fatal(err)
			}
			nc := c.e.Channels()
			if len(x) != nc*p.Length || enc.Channels() != nc {
				t.Fatalf("len = %d, Channels = %d; want %d·%d", len(x), enc.Channels(), nc, p.Length)
			}
			for j := range p.Length {
				want := float32(0)
				if j >= 2 && j < 5 {
					want = 0.5
				}
				if x[j] != want {
					t.Errorf("current[%d] = %g, want %g", j, x[j], want)
				}
			}
			for ch := 1; ch < nc; ch++ {
				for _, j := range []int{0, 1, 3, 8} {
					got, want := float64(x[ch*p.Length+j]), c.want(ch, j)
					// One float32 rounding of a value ≤ 2 in magnitude, plus
					// float64 phase differences far below it.
					if math.Abs(got-want) > 2*math.Abs(want)*0x1p-24+1e-12 {
						t.Errorf("channel %d sample %d = %.9g, want %.9g", ch, j, got, want)
					}
				}
			}
		})
	}
}

func TestEmbeddingChannels(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		e    Embedding
		want int
	}{
		{DefaultEmbedding(), 23},
		{Embedding{AmpFrequencies: 9}, 19},
		{Embedding{AmpFrequencies: 0}, 1},
		{Embedding{AmpFrequencies: 4, Features: []FeatureEmbedding{{FeatureIThr, 3}, {FeatureSThr, 2}}}, 1 + 8 + 10},
	} {
		if got := c.e.Channels(); got != c.want {
			t.Errorf("%+v.Channels() = %d, want %d", c.e, got, c.want)
		}
	}
}

func TestEmbeddingValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		e    Embedding
		want string // "" valid
	}{
		{"default", DefaultEmbedding(), ""},
		{"empty types default", Embedding{AmpFrequencies: 2}, ""},
		{"unknown amp type", Embedding{AmpType: "sin", AmpFrequencies: 2}, `embedding.amp_type = "sin"`},
		{"unknown feature type", Embedding{FeatureType: "x"}, `embedding.feature_type = "x"`},
		{"negative K", Embedding{AmpFrequencies: -1}, "embedding.amp_frequencies = -1"},
		{"huge K", Embedding{AmpFrequencies: 99}, "embedding.amp_frequencies = 99"},
		{"unknown feature", Embedding{Features: []FeatureEmbedding{{FeatureSThr, 1}, {"AP1_width", 1}}}, `embedding.features[1].name = "AP1_width": not a column`},
		{"feature twice", Embedding{Features: []FeatureEmbedding{{FeatureSThr, 1}, {FeatureSThr, 2}}}, `embedding.features[1].name = "s_thr": embedded twice`},
		{"feature K < 0", Embedding{Features: []FeatureEmbedding{{FeatureIThr, -2}}}, "embedding.features[0].frequencies = -2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.e.Resolved()
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Resolved() = %v, want no error", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInput)):
				t.Errorf("Resolved() = %v, want ErrInput naming %q", err, c.want)
			}
		})
	}
}

func TestEmbeddingMeta(t *testing.T) {
	t.Parallel()
	sc := Scaling{IThr: Range{Min: 0.1, Max: 0.3}, SThr: Range{Min: 100, Max: 300}, Lo: ScaleLo, Hi: ScaleHi}
	for _, e := range []Embedding{
		DefaultEmbedding(),
		{EmbedAmp, 4, EmbedFreq, []FeatureEmbedding{{FeatureIThr, 2}}},
		{EmbedFreq, 0, EmbedFreq, []FeatureEmbedding{}},
	} {
		extra := map[string]string{}
		e.PutMeta(extra)
		if _, ok := extra[MetaEmbedding]; ok == e.IsDefault() {
			t.Errorf("PutMeta(%+v) wrote %q: %v, want %v", e, MetaEmbedding, ok, !e.IsDefault())
		}
		m, err := ReadMeta(extra, sc)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Embedding.Equal(e) || m.Other != nil {
			t.Errorf("ReadMeta(PutMeta(%+v)).Embedding = %+v, Other %v", e, m.Embedding, m.Other)
		}
	}
}

func TestParseEmbedding(t *testing.T) {
	t.Parallel()
	fe := func(fs ...FeatureEmbedding) []FeatureEmbedding { return append([]FeatureEmbedding{}, fs...) }
	for _, c := range []struct {
		spec string
		want Embedding
		err  string // "" valid
	}{
		{"default", DefaultEmbedding(), ""},
		{"amp=9,s_thr=1,i_thr=1", DefaultEmbedding(), ""},
		{"amp=9", Embedding{EmbedFreq, 9, EmbedFreq, fe()}, ""},
		{"amp=0", Embedding{EmbedFreq, 0, EmbedFreq, fe()}, ""},
		{" i_thr = 2 , amp=4, amp_type=amp,feature_type=none", Embedding{EmbedAmp, 4, EmbedNone, fe(FeatureEmbedding{FeatureIThr, 2})}, ""},
		{"", Embedding{}, "want KEY=VALUE"},
		{"amp", Embedding{}, `item "amp": want KEY=VALUE`},
		{"amp=x", Embedding{}, "amp=x: K is not an integer"},
		{"amp=1,amp=2", Embedding{}, "amp given twice"},
		{"amp=9,s_thr=1,i_thr=1,AHP_depth=1", Embedding{EmbedFreq, 9, EmbedFreq, fe(FeatureEmbedding{FeatureSThr, 1}, FeatureEmbedding{FeatureIThr, 1}, FeatureEmbedding{FeatureAHPDepth, 1})}, ""},
		{"amp=9,AP1_width=1", Embedding{}, `embedding.features[0].name = "AP1_width"`},
		{"amp=-1", Embedding{}, "embedding.amp_frequencies = -1"},
		{"amp=1,amp_type=cos", Embedding{}, `embedding.amp_type = "cos"`},
	} {
		got, err := ParseEmbedding(c.spec)
		switch {
		case c.err == "" && (err != nil || !got.Equal(c.want)):
			t.Errorf("ParseEmbedding(%q) = %+v, %v; want %+v", c.spec, got, err, c.want)
		case c.err != "" && (err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseEmbedding(%q) = %v, want ErrInput with %q", c.spec, err, c.err)
		case c.err == "":
			if back, err := ParseEmbedding(got.String()); err != nil || !back.Equal(got) {
				t.Errorf("ParseEmbedding(%q.String() = %q) = %+v, %v", c.spec, got.String(), back, err)
			}
		}
	}
}
