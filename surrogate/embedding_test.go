package surrogate

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
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
