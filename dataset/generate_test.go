package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/dsp"
	"github.com/noble-neuro/noble/internal/npy"
)

// tinyGeneration: 12 fake models, 2 held out, 25 + 5 + 5 traces in shards
// of 4: 7 + 2 + 2 = 11 shards.
func tinyGeneration(t *testing.T, seed uint64) *Generation {
	t.Helper()
	src := &fakeSource{n: 12}
	g, err := NewGeneration(src.Cell(), src.Models(), fakeEmbeddings(12), &Settings{
		Traces: 25, TestSeenTraces: 5, TestHeldTraces: 5, Seed: seed, TracesPerShard: 4,
		TestModels: []int{3, 9}, Protocol: tinyProtocol,
		Stimulus: &Stimulus{Mode: 0.15, Lo: -0.05, Hi: 0.6, Scale: 0.2, Shape: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// dirFiles returns the regular files of dir with their contents.
func dirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func sameFiles(t *testing.T, what string, a, b map[string][]byte) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d files vs %d", what, len(a), len(b))
	}
	for name, x := range a {
		y, ok := b[name]
		if !ok {
			t.Errorf("%s: %s missing", what, name)
		} else if !bytes.Equal(x, y) {
			t.Errorf("%s: %s differs (non-deterministic output)", what, name)
		}
	}
}

func TestGenerateLayout(t *testing.T) {
	t.Parallel()
	g := tinyGeneration(t, 1)
	l := g.Layout
	if l.SimSamples != 1201 || l.Samples != 401 || l.WindowSamples != 333 || l.MaxOffset != 67 || l.TestOffset != 33 || l.StimOnset != 4 || l.StimEnd != 14 {
		t.Errorf("tiny layout %+v", l)
	}
	// NOBLE's protocol: 545 ms simulated, 9084 samples, 8583-sample windows
	// starting at 0 … 500, the test window at 250 (15 ms).
	n := Protocol{}.Layout(3)
	if n.SimSamples != 27251 || n.Samples != 9084 || n.WindowSamples != 8583 || n.MaxOffset != 500 || n.TestOffset != 250 ||
		n.StimOnset != 30 || n.StimEnd != 430 || math.Abs(n.Dt-0.06) > 1e-15 {
		t.Errorf("NOBLE layout %+v", n)
	}
	// The test window sees the step from 15 to 415 ms, as the surrogate's
	// published protocol.
	first, end := n.Window.StimSamples()
	if first != 250 || end != 6917 {
		t.Errorf("test window step samples [%d, %d), want [250, 6917)", first, end)
	}
	if len(g.Plan()) != 11 {
		t.Errorf("plan has %d shards, want 11", len(g.Plan()))
	}
}

// TestGenerateContent checks a tiny dataset against the fake simulator run
// by hand: shapes, amplitudes, models and decimated voltages.
func TestGenerateContent(t *testing.T) {
	t.Parallel()
	g := tinyGeneration(t, 1)
	dir := t.TempDir()
	src := &fakeSource{n: 12}
	res, err := Generate(context.Background(), src, g, dir, &Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Generated != 11 || res.Traces != 35 || !res.Manifest.Complete() {
		t.Errorf("result %+v", res)
	}
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	dec, _ := dsp.NewDecimator(nil)
	n := 0
	for _, split := range Splits {
		specs, _ := g.Traces(split, 0, d.Traces(split))
		err := d.Each(context.Background(), split, func(s *Shard) error {
			for i := range s.Info.Traces {
				spec := specs[s.Trace[i]]
				if s.Amp[i] != spec.Amp || s.Model[i] != spec.Model {
					t.Errorf("%s trace %d: amp %v model %d, want %v %d", split, s.Trace[i], s.Amp[i], s.Model[i], spec.Amp, spec.Model)
				}
				v, _ := src.Simulate(context.Background(), spec.Model, g.Settings.Protocol.Sim(spec.Amp), nil)
				y := dec.Decimate(nil, v)
				for j, x := range s.V(i) {
					if x != float32(y[j]) {
						t.Fatalf("%s trace %d sample %d: %v, want %v", split, s.Trace[i], j, x, float32(y[j]))
					}
				}
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != 35 {
		t.Errorf("read %d traces, want 35", n)
	}
	// EachTrace gives the same traces with their model's embedding.
	k := 0
	err = d.EachTrace(context.Background(), SplitTestHeld, func(tr Trace) error {
		if tr.Index != k || tr.IThr != fakeThr(tr.Model) || g.Models[tr.Model].Split != ModelTest || len(tr.V) != 401 {
			t.Errorf("EachTrace: %+v", tr)
		}
		k++
		return nil
	})
	if err != nil || k != 5 {
		t.Errorf("EachTrace: %d traces, %v", k, err)
	}
	// The shard is a plain NPZ: its voltage.npy decodes with package npy.
	sh := d.Shards(SplitTrain)[0]
	raw, _ := os.ReadFile(filepath.Join(dir, sh.Name))
	if _, err := decodeShard(raw, sh, 401, 12); err != nil {
		t.Fatal(err)
	}
	_ = npy.MaxElements
}

// TestDeterminism: byte-identical output for any number of workers and any
// --shard split, merged or written in place.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g := tinyGeneration(t, 7)
	ref := t.TempDir()
	if _, err := Generate(ctx, &fakeSource{n: 12}, g, ref, &Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	want := dirFiles(t, ref)

	w4 := t.TempDir()
	if _, err := Generate(ctx, &fakeSource{n: 12}, g, w4, &Options{Workers: 4}); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, "workers 4 vs 1", want, dirFiles(t, w4))

	// Three jobs into separate directories, then merge.
	var dirs []string
	for i := range 3 {
		d := t.TempDir()
		res, err := Generate(ctx, &fakeSource{n: 12}, g, d, &Options{Shard: i, Shards: 3, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Manifest.Job == "" || res.Manifest.Complete() {
			t.Errorf("job %d/3 wrote a complete manifest", i)
		}
		dirs = append(dirs, d)
	}
	out := t.TempDir()
	if _, err := Merge(ctx, out, dirs); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, "3 jobs merged vs 1 job", want, dirFiles(t, out))

	// Two jobs sharing one directory, merged in place.
	shared := t.TempDir()
	for i := range 2 {
		if _, err := Generate(ctx, &fakeSource{n: 12}, g, shared, &Options{Shard: i, Shards: 2, Workers: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Merge(ctx, shared, []string{shared}); err != nil {
		t.Fatal(err)
	}
	got := dirFiles(t, shared)
	for name := range got {
		if strings.HasPrefix(name, "part-") {
			delete(got, name)
		}
	}
	sameFiles(t, "2 jobs in place vs 1 job", want, got)

	// Another seed changes the data.
	other := t.TempDir()
	if _, err := Generate(ctx, &fakeSource{n: 12}, tinyGeneration(t, 8), other, nil); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(dirFiles(t, other)["train-00000-of-00007.npz"], want["train-00000-of-00007.npz"]) {
		t.Error("seeds 7 and 8 give the same first shard")
	}
}

// TestResume kills a run after some traces, leaves a temporary file and a
// garbage shard behind, and checks that the restart redoes exactly what is
// missing and ends with the same bytes as an uninterrupted run.
func TestResume(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g := tinyGeneration(t, 3)
	ref := t.TempDir()
	if _, err := Generate(ctx, &fakeSource{n: 12}, g, ref, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err := Generate(ctx, &fakeSource{n: 12, failAfter: 13}, g, dir, &Options{Workers: 1})
	if !errors.Is(err, errKilled) {
		t.Fatalf("killed run: error %v, want errKilled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("killed run left a manifest.json (%v)", err)
	}
	part, err := ReadManifest(filepath.Join(dir, partName(0, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(part.Shards) != 3 { // 13 traces simulated: shards of 4, 4, 4 done
		t.Errorf("killed run recorded %d shards, want 3", len(part.Shards))
	}
	// What a kill -9 during a write leaves: a temporary file (possibly large
	// and half-written) under a dotted name, never the final name.
	tmp := filepath.Join(dir, ".train-00003-of-00007.npz.123456.tmp")
	os.WriteFile(tmp, []byte("PK\x03\x04half"), 0o644)
	// A damaged file under a final name (not something Generate leaves, but
	// a restart must not trust it).
	os.WriteFile(filepath.Join(dir, "train-00004-of-00007.npz"), []byte("garbage"), 0o644)
	if _, err := Open(dir); err == nil {
		t.Error("Open accepted an incomplete dataset")
	}

	res, err := Generate(ctx, &fakeSource{n: 12}, g, dir, &Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reused != 3 || res.Generated != 8 {
		t.Errorf("resume reused %d and generated %d shards, want 3 and 8", res.Reused, res.Generated)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Error("temporary file of the killed run not removed")
	}
	sameFiles(t, "resumed vs uninterrupted", dirFiles(t, ref), dirFiles(t, dir))

	// Complete: a further run does nothing.
	res, err = Generate(ctx, &fakeSource{n: 12, failAfter: 1}, g, dir, nil)
	if err != nil || res.Generated != 0 {
		t.Errorf("rerun on a complete dataset: %+v, %v", res, err)
	}
	// Repair: a deleted shard makes the rerun check every shard against its
	// recorded checksum, so a corrupt one is redone too.
	os.Remove(filepath.Join(dir, "train-00002-of-00007.npz"))
	bad := filepath.Join(dir, "test_seen-00001-of-00002.npz")
	raw, _ := os.ReadFile(bad)
	raw[len(raw)-300] ^= 2
	os.WriteFile(bad, raw, 0o644)
	res, err = Generate(ctx, &fakeSource{n: 12}, g, dir, nil)
	if err != nil || res.Generated != 2 || res.Reused != 9 {
		t.Errorf("repair run: %+v, %v; want 2 shards redone", res, err)
	}
	sameFiles(t, "repaired vs uninterrupted", dirFiles(t, ref), dirFiles(t, dir))

	// Another generation in the same directory is refused.
	if _, err := Generate(ctx, &fakeSource{n: 12}, tinyGeneration(t, 4), dir, nil); !errors.Is(err, ErrOtherGeneration) || !strings.Contains(err.Error(), "seed 4 vs 3") && !strings.Contains(err.Error(), "seed 3 vs 4") {
		t.Errorf("other seed in the same directory: %v, want ErrOtherGeneration naming the seeds", err)
	}
}

// TestVerify damages shards in the ways that happen and checks that Verify,
// Open and ReadShard name the shard.
func TestVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g := tinyGeneration(t, 5)
	src := t.TempDir()
	if _, err := Generate(ctx, &fakeSource{n: 12}, g, src, nil); err != nil {
		t.Fatal(err)
	}
	files := dirFiles(t, src)
	for _, c := range []struct {
		name   string
		shard  string
		damage func(b []byte) []byte
		atOpen bool // detected by Open (size) rather than by reading
	}{
		{"flipped byte in voltage", "train-00002-of-00007.npz", func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b }, false},
		{"flipped byte in header", "test_held-00001-of-00002.npz", func(b []byte) []byte { b[40] ^= 1; return b }, false},
		{"truncated", "test_seen-00000-of-00002.npz", func(b []byte) []byte { return b[:len(b)-100] }, true},
		{"empty", "train-00006-of-00007.npz", func(b []byte) []byte { return nil }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range files {
				b = slices.Clone(b)
				if name == c.shard {
					b = c.damage(b)
				}
				os.WriteFile(filepath.Join(dir, name), b, 0o644)
			}
			d, err := Open(dir)
			if c.atOpen {
				var se *ShardError
				if !errors.As(err, &se) || se.Shard != c.shard || !errors.Is(err, ErrShard) {
					t.Fatalf("Open error %v, want a ShardError naming %s", err, c.shard)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = d.Verify(ctx, nil)
			var se *ShardError
			if !errors.As(err, &se) || se.Shard != c.shard || !errors.Is(err, ErrShard) || !strings.Contains(err.Error(), "SHA-256") {
				t.Fatalf("Verify error %v, want a checksum ShardError naming %s", err, c.shard)
			}
			// Training reads name it too.
			err = d.Each(ctx, splitOf(c.shard), func(*Shard) error { return nil })
			if !errors.As(err, &se) || se.Shard != c.shard {
				t.Errorf("Each error %v, want one naming %s", err, c.shard)
			}
		})
	}
}

func splitOf(name string) string {
	return name[:strings.LastIndex(name[:strings.Index(name, "-of-")], "-")]
}

// TestDecodeShardChecks: content errors a matching checksum cannot catch
// (a shard written by a buggy producer) are still reported.
func TestDecodeShardChecks(t *testing.T) {
	t.Parallel()
	info := ShardInfo{Name: "train-00000-of-00001.npz", Split: SplitTrain, Traces: 2}
	good := func() *Shard {
		return &Shard{Info: info, Samples: 3, Voltage: []float32{1, 2, 3, 4, 5, 6}, Amp: []float64{0.1, 0.2}, Model: []int{0, 1}, Trace: []int{0, 1}}
	}
	for _, c := range []struct {
		name   string
		modify func(s *Shard)
		want   string
	}{
		{"good", func(*Shard) {}, ""},
		{"NaN voltage", func(s *Shard) { s.Voltage[4] = float32(math.NaN()) }, "trace 1 sample 1"},
		{"Inf amp", func(s *Shard) { s.Amp[0] = math.Inf(1) }, "amp.npy"},
		{"model out of range", func(s *Shard) { s.Model[1] = 5 }, "model.npy"},
		{"trace out of order", func(s *Shard) { s.Trace[0], s.Trace[1] = 1, 0 }, "trace.npy"},
	} {
		s := good()
		c.modify(s)
		b, err := s.encode()
		if err != nil {
			t.Fatal(err)
		}
		_, err = decodeShard(b, info, 3, 2)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		} else if !errors.Is(err, ErrShard) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrShard mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := decodeShard([]byte("not a zip"), info, 3, 2); !errors.Is(err, ErrShard) {
		t.Errorf("garbage: %v", err)
	}
	b, _ := good().encode()
	if _, err := decodeShard(b, info, 4, 2); !errors.Is(err, ErrShard) {
		t.Errorf("wrong sample count accepted: %v", err)
	}
}

func TestMergeErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	Generate(ctx, &fakeSource{n: 12}, tinyGeneration(t, 1), a, &Options{Shard: 0, Shards: 2})
	Generate(ctx, &fakeSource{n: 12}, tinyGeneration(t, 2), b, &Options{Shard: 1, Shards: 2})
	if _, err := Merge(ctx, t.TempDir(), []string{a, b}); !errors.Is(err, ErrOtherGeneration) || !strings.Contains(err.Error(), "seed") {
		t.Errorf("merging seeds 1 and 2: %v, want ErrOtherGeneration naming the seed", err)
	}
	out := t.TempDir()
	if _, err := Merge(ctx, out, []string{a}); !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "5 of 11") {
		t.Errorf("merging half the jobs: %v, want ErrIncomplete (5 of 11 missing)", err)
	}
	if _, err := os.Stat(filepath.Join(out, ManifestName)); err == nil {
		t.Error("failed merge wrote a manifest")
	}
	Generate(ctx, &fakeSource{n: 12}, tinyGeneration(t, 1), c, &Options{Shard: 1, Shards: 2})
	// A shard damaged after its job finished is caught while merging.
	p := filepath.Join(c, "train-00001-of-00007.npz")
	raw, _ := os.ReadFile(p)
	raw[100] ^= 1
	os.WriteFile(p, raw, 0o644)
	var se *ShardError
	if _, err := Merge(ctx, t.TempDir(), []string{a, c}); !errors.As(err, &se) || se.Shard != "train-00001-of-00007.npz" {
		t.Errorf("merging a damaged shard: %v, want a ShardError naming it", err)
	}
	if _, err := Merge(ctx, t.TempDir(), []string{t.TempDir()}); err == nil {
		t.Error("merging an empty directory succeeded")
	}
}

// TestManifestRoundTrip writes, reads and re-encodes a manifest and checks
// the consistency checks of ParseManifest.
func TestManifestRoundTrip(t *testing.T) {
	t.Parallel()
	g := tinyGeneration(t, 1)
	dir := t.TempDir()
	res, err := Generate(context.Background(), &fakeSource{n: 12}, g, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, res.Manifest) {
		t.Errorf("manifest read back differs:\n%+v\n%+v", m, res.Manifest)
	}
	again, _ := json.MarshalIndent(m, "", "  ")
	if !bytes.Equal(append(again, '\n'), raw) {
		t.Error("re-encoded manifest differs from the file")
	}
	if m.Settings.Stimulus == nil || m.Settings.Seed != 1 || !slices.Equal(m.Settings.TestModels, []int{3, 9}) || m.Models[3].Split != ModelTest {
		t.Errorf("manifest settings %+v", m.Settings)
	}
	for _, c := range []struct{ name, old, new, want string }{
		{"edited seed", `"seed": 1,`, `"seed": 2,`, "generation_id"},
		{"unknown field", `"format": "noble-dataset",`, `"format": "noble-dataset", "extra": 1,`, "unknown field"},
		{"version", `"version": 1,`, `"version": 9,`, "version"},
		{"syntax", `"format": "noble-dataset",`, `"format": "noble-dataset",,`, "line 2"},
		{"shard renamed", `"name": "train-00001-of-00007.npz"`, `"name": "train-00001-of-00008.npz"`, "does not match the plan"},
	} {
		bad := strings.Replace(string(raw), c.old, c.new, 1)
		if bad == string(raw) {
			t.Fatalf("%s: pattern %q not in the manifest", c.name, c.old)
		}
		if _, err := ParseManifest([]byte(bad)); !errors.Is(err, ErrManifest) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrManifest mentioning %q", c.name, err, c.want)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	g, err := NewGeneration("fake_cell", (&fakeSource{n: 3}).Models(), fakeEmbeddings(3), &Settings{Traces: 3, TracesPerShard: 2, TestModels: []int{1}, Protocol: tinyProtocol})
	if err != nil {
		f.Fatal(err)
	}
	m := &Manifest{Generation: *g, GenerationID: g.ID()}
	for _, sh := range g.Plan() {
		sh.Bytes, sh.SHA256 = 10, strings.Repeat("ab", 32)
		m.Shards = append(m.Shards, sh)
	}
	b, _ := json.Marshal(m)
	f.Add(b)
	f.Add([]byte(`{"format":"noble-dataset","version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		// Accepted manifests round-trip and plan consistently.
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := ParseManifest(b)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip: %v", err)
		}
		for _, sh := range m.Shards {
			if sh.Traces < 0 || sh.Traces > m.Settings.TracesPerShard {
				t.Fatalf("shard %+v", sh)
			}
		}
	})
}

// TestVerifyDirAll: VerifyDir names every bad shard, truncated and corrupt.
func TestVerifyDirAll(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Generate(context.Background(), &fakeSource{n: 12}, tinyGeneration(t, 6), dir, nil); err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "train-00000-of-00007.npz")
	b := filepath.Join(dir, "test_held-00000-of-00002.npz")
	raw, _ := os.ReadFile(a)
	raw[len(raw)-200] ^= 0x80
	os.WriteFile(a, raw, 0o644)
	raw, _ = os.ReadFile(b)
	os.WriteFile(b, raw[:len(raw)/2], 0o644)
	_, err := VerifyDir(context.Background(), dir, nil)
	if err == nil || !strings.Contains(err.Error(), "train-00000-of-00007.npz") || !strings.Contains(err.Error(), "test_held-00000-of-00002.npz") {
		t.Errorf("VerifyDir error %v, want both damaged shards named", err)
	}
}

// TestGenerateInterrupted reproduces issue 20: an interrupt before or while
// planning wrote a manifest.json listing 0 shards and returned nil, leaving a
// directory that info, verify, train and generate itself then refused. An
// interrupted run must return the context's error and leave a resumable
// state (a part manifest at most), from which the same call completes.
func TestGenerateInterrupted(t *testing.T) {
	t.Parallel()
	g := tinyGeneration(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	_, err := Generate(ctx, &fakeSource{n: 12}, g, dir, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Generate with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("interrupted run left a manifest.json (%v)", err)
	}
	res, err := Generate(context.Background(), &fakeSource{n: 12}, g, dir, nil)
	if err != nil || res.Generated != 11 {
		t.Fatalf("resume after the interrupt: %+v, %v; want 11 shards generated", res, err)
	}
	if _, err := Open(dir); err != nil {
		t.Errorf("resumed dataset: %v", err)
	}
}

// TestGenerationTooLarge: a generation whose manifest could not be read back
// (more than MaxShards shards) is refused by NewGeneration, before any
// planning, with an error naming the shard count and the limit.
func TestGenerationTooLarge(t *testing.T) {
	t.Parallel()
	src := &fakeSource{n: 12}
	for _, c := range []struct {
		name             string
		traces, perShard int
		ok               bool
	}{
		{"1e9 traces", 1_000_000_000, 256, false},
		{"1e8 traces in big shards", 100_000_000, 1024, true},
		{"one shard too many", MaxShards * 256, 256, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewGeneration(src.Cell(), src.Models(), fakeEmbeddings(12), &Settings{
				Traces: c.traces, TracesPerShard: c.perShard, TestModels: []int{3, 9}, Protocol: tinyProtocol})
			if c.ok && err != nil {
				t.Errorf("NewGeneration: %v", err)
			}
			if !c.ok && (!errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "524288")) {
				t.Errorf("NewGeneration: %v, want ErrTooLarge naming the limit", err)
			}
		})
	}
}

// TestGenerateNoSpace: a job whose shards cannot fit the free space of the
// output file system fails before simulating, with ErrNoSpace.
func TestGenerateNoSpace(t *testing.T) {
	t.Parallel()
	g := tinyGeneration(t, 3)
	dir := t.TempDir()
	_, err := Generate(context.Background(), &fakeSource{n: 12, failAfter: 1}, g, dir, &Options{FreeBytes: func(string) (int64, error) { return 1000, nil }})
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("Generate on a full disk: %v, want ErrNoSpace", err)
	}
}
