package server_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/server"
	"github.com/noble-neuro/noble/surrogate"
)

// A server for a model file answers the API; ListenAndServe or Serve put
// it on the network. Here a tiny untrained model stands in for a trained
// one and the request goes through an httptest recorder.
func Example() {
	dir, _ := os.MkdirTemp("", "noble-example")
	defer os.RemoveAll(dir)
	cfg := fno.Config{InChannels: 23, Width: 4, Layers: 1, Modes: 4, LiftingChannels: 4, ProjectionChannels: 4, MLPHidden: 2, OutChannels: 1}
	m, _ := fno.New(cfg, 1)
	scaling := surrogate.Scaling{IThr: surrogate.Range{Min: 0.1, Max: 0.3}, SThr: surrogate.Range{Min: 100, Max: 300}, Lo: 0.5, Hi: 3.5}
	path := filepath.Join(dir, "model.safetensors")
	if err := fno.SaveFile(path, m, fno.Metadata{Scaling: &scaling}); err != nil {
		fmt.Println(err)
		return
	}
	m.Close()

	srv, err := server.Open(path, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	// In a program: err = srv.ListenAndServe(ctx, "127.0.0.1:8080", nil)

	// Outside the training range: refused, as noble synth and noble demo
	// refuse it, unless the request opts in to (flagged) extrapolation.
	for _, body := range []string{
		`{"i_thr":0.35,"s_thr":200,"amp":0.2}`,
		`{"i_thr":0.35,"s_thr":200,"amp":0.2,"extrapolate":true}`,
		`{"i_thr":0.9,"s_thr":200,"amp":0.2,"extrapolate":true}`,
	} {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("POST", "/api/synth", strings.NewReader(body)))
		if w.Code == 200 {
			fmt.Println(w.Code, strings.Contains(w.Body.String(), `"in_range":false`))
		} else {
			fmt.Print(w.Code, " ", w.Body.String())
		}
	}
	// Output:
	// 422 {"error":"stimulus 0: i_thr = 0.35 nA is outside the training range [0.1, 0.3] nA; refusing to extrapolate (opt in with extrapolate)"}
	// 200 true
	// 422 {"error":"stimulus 0: i_thr = 0.9 nA is outside the training range [0.1, 0.3] nA by more than 0.5 range widths (bounds [0, 0.4] nA); refused even with extrapolate"}
}
