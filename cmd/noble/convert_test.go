package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/dataset/datasettest"
	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/safetensors"
	"github.com/noble-neuro/noble/internal/testutil"
	"github.com/noble-neuro/noble/server"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// publishedFixture is four rows in the format of NOBLE's published
// embedding table (dataset/testdata/README.md).
const publishedFixture = "../../dataset/testdata/published_embeddings.csv"

// torchPython returns a python3 that imports torch, or skips.
func torchPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import torch, numpy").Run(); err == nil {
			return py
		}
	}
	t.Skip("python3 with torch not available (Debian: apt-get install python3-torch): converter test skipped")
	return ""
}

// TestConvertPublished turns a state dict saved in the reference FNO
// layout (tools/noble_torch.py's small configuration, complex spectral
// weights, under "model" with DataParallel prefixes, as torch.save writes
// a reference checkpoint) and a table in NOBLE's published format into a
// model file with tools/convert_checkpoint.py, and uses it in synth, the
// HTTP API (its HoF models) and noble eval and noble compare.
func TestConvertPublished(t *testing.T) {
	if testing.Short() {
		t.Skip("converter test (PyTorch) skipped under -short")
	}
	py := torchPython(t)
	root := testutil.RepoRoot(t)
	dir := t.TempDir()

	// A dataset whose models are the fixture's (seed<S>_hof<HH>), so that
	// noble eval runs on the converted model.
	src := &datasettest.Caricature{Name: "published"}
	src.Names = []string{"seed1_hof00", "seed1_hof01", "seed2_hof00", "seed2_hof01"}
	f, err := os.Open(publishedFixture)
	if err != nil {
		t.Fatal(err)
	}
	src.Emb, err = dataset.ReadEmbeddings(f, publishedFixture, src.Names)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	set := &dataset.Settings{Traces: 8, TestSeenTraces: 4, TestHeldTraces: 2, TracesPerShard: 4, TestModels: []int{3},
		Protocol: dataset.Protocol{Dt: 0.5 / 3, Window: 120, Margin: 10, Delay: 15, Dur: 80}}
	g, err := dataset.NewGeneration(src.Cell(), src.Names, src.Emb, set)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if _, err := dataset.Generate(context.Background(), src, g, data, &dataset.Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	win := g.Layout.Window

	mk := `import sys, torch
sys.path.insert(0, sys.argv[1])
import noble_torch as nt
cfg = dict(nt.SMALL_CONFIG)
sd = {}
for k, v in nt.init_params(cfg, 7):
    t = torch.tensor(v)
    if k.endswith("weight.tensor"):
        t = torch.view_as_complex(t.contiguous())
    sd["module." + k] = t
torch.save({"model": sd, "epoch": 296}, sys.argv[2])
`
	ck := filepath.Join(dir, "reference.pth")
	if out, err := exec.Command(py, "-c", mk, filepath.Join(root, "tools"), ck).CombinedOutput(); err != nil {
		t.Fatalf("making the checkpoint: %v\n%s", err, out)
	}
	convert := func(out string, extra ...string) ([]byte, error) {
		args := append([]string{filepath.Join(root, "tools", "convert_checkpoint.py"), "--checkpoint", ck, "--out", out,
			"--dt", fmt.Sprint(win.DtMS), "--length", fmt.Sprint(win.Length),
			"--stim-start", fmt.Sprint(win.StimStartMS), "--stim-end", fmt.Sprint(win.StimEndMS)}, extra...)
		return exec.Command(py, args...).CombinedOutput()
	}
	model := filepath.Join(dir, "converted.safetensors")
	if out, err := convert(model, "--embeddings", publishedFixture, "--test-hof", "21"); err != nil {
		t.Fatalf("convert_checkpoint.py: %v\n%s", err, out)
	}

	// synth: the scaling is the table's min-max, the HoF list its rows
	// with seed 2 hof 1 (model 21) held out.
	sur, err := synth.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	defer sur.Model.Close()
	wantSc := surrogate.Range{Min: 0.0164139153546322, Max: 0.021}
	if sur.Scaling.IThr != wantSc || sur.Scaling.SThr != (surrogate.Range{Min: 756.1691484107162, Max: 812.5}) {
		t.Errorf("scaling %+v, want I_thr %+v, s_thr [756.17, 812.5]", sur.Scaling, wantSc)
	}
	var names []string
	for i, h := range sur.HoF {
		names = append(names, h.Name+":"+h.Split)
		if h.IThr != src.Emb[i].IThr || h.SThr != src.Emb[i].SThr {
			t.Errorf("HoF %s: embedding (%g, %g), want %+v", h.Name, h.IThr, h.SThr, src.Emb[i])
		}
	}
	wantNames := []string{"seed1_hof00.json:train", "seed1_hof01.json:train", "seed2_hof00.json:train", "seed2_hof01.json:test"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("HoF %v, want %v", names, wantNames)
	}
	if _, err := sur.Synthesize(context.Background(), []surrogate.Stimulus{{AmpNA: 0.1, IThr: 0.018, SThr: 790}}, 1, nil); err != nil {
		t.Fatal(err)
	}

	// serve: the explorer's /api/model lists the HoF models.
	m, meta, err := fno.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(m, meta, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/model", nil))
	var info struct {
		HoF  []surrogate.HoF `json:"hof"`
		Hull []json.RawMessage
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &info); rec.Code != http.StatusOK || err != nil || len(info.HoF) != 4 || len(info.Hull) < 3 {
		t.Errorf("/api/model: status %d, %d HoF models, hull %d vertices (%v), want 200, 4, ≥ 3:\n%s", rec.Code, len(info.HoF), len(info.Hull), err, rec.Body.String())
	}

	// noble eval and noble compare run on it.
	var o, e bytes.Buffer
	if err := cmdEvalIO(&o, &e).Execute(context.Background(), []string{"--model", model, "--data", data, "--out", filepath.Join(dir, "eval"),
		"--fi-points", "3", "--pop-size", "5", "--speed-batch", "2", "--speed-reps", "1", "--quiet"}, &e); err != nil {
		t.Fatalf("noble eval: %v\n%s", err, e.String())
	}
	if err := cmdCompareIO(&o, &e).Execute(context.Background(), []string{"--model", model, "--experiment", "../../eval/testdata/experiment.csv",
		"--spec-id", "318331342", "--amp", "0.1", "--out", filepath.Join(dir, "cmp"), "--quiet"}, &e); err != nil {
		t.Fatalf("noble compare: %v\n%s", err, e.String())
	}
	if !strings.Contains(o.String(), "surrogate, at the 3 training HoF embeddings") {
		t.Errorf("noble compare: stdout\n%s", o.String())
	}

	// --feature-order intercept,slope swaps the embedding blocks of the
	// first lifting weight's input channels (19-20 ↔ 21-22).
	swapped := filepath.Join(dir, "swapped.safetensors")
	if out, err := convert(swapped, "--embeddings", publishedFixture, "--feature-order", "intercept,slope"); err != nil {
		t.Fatalf("convert_checkpoint.py --feature-order: %v\n%s", err, out)
	}
	lift := func(path string) ([]float32, []int) {
		t.Helper()
		ts, _, err := safetensors.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ts {
			if x.Name == "lifting.fcs.0.weight" {
				return x.Data, x.Shape
			}
		}
		t.Fatalf("%s: no lifting.fcs.0.weight", path)
		return nil, nil
	}
	a, shape := lift(model)
	b, _ := lift(swapped)
	in := shape[1]
	perm := map[int]int{19: 21, 20: 22, 21: 19, 22: 20}
	for o := range shape[0] {
		for c := range in {
			src := c
			if p, ok := perm[c]; ok {
				src = p
			}
			if b[o*in+c] != a[o*in+src] {
				t.Fatalf("swapped lifting weight [%d, %d] = %g, want the original's [%d, %d] = %g", o, c, b[o*in+c], o, src, a[o*in+src])
			}
		}
	}

	// Errors name the file and line.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(",cell_type,cell_id,seed,hof,slope,intercept\n0,PVALB,1,1,0,x,0.1\n"), 0o644)
	if out, err := convert(filepath.Join(dir, "no.safetensors"), "--embeddings", bad); err == nil || !strings.Contains(string(out), "bad.csv:2: slope 'x': not a number") {
		t.Errorf("bad table: %v\n%s", err, out)
	}
	if out, err := convert(filepath.Join(dir, "no.safetensors"), "--embeddings", publishedFixture, "--test-hof", "99"); err == nil || !strings.Contains(string(out), "--test-hof '99': no such model") {
		t.Errorf("unknown test model: %v\n%s", err, out)
	}
}
