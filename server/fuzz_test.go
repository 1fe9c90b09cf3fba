package server

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzDecode feeds arbitrary bodies to the three request decoders (through
// http.MaxBytesReader, as the handlers do). Each must either refuse the body
// with a 400, 413 or 422 error or return a job whose every value is finite,
// within the hard limits and within the size limits. None may panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"i_thr":0.2,"s_thr":200,"amp":0.1}`,
		`{"stimuli":[{"i_thr":0.2,"s_thr":200,"amp":0.1},{"i_thr":0.31,"s_thr":150,"amp":-0.05}],"features":false,"strict":true}`,
		`{"i_thr":0.2,"s_thr":200,"amps":[0,0.1,0.2],"rate":"mean_frequency","embed":true}`,
		`{"i_thr":0.2,"s_thr":200,"amp_min":0,"amp_max":0.5,"points":4}`,
		`{"i_thr":0.2,"s_thr":200,"amp":0.1,"n":3,"radius":0.2,"seed":7,"traces":true}`,
		`{"i_thr":1e308,"s_thr":-1e308,"amp":5e-324}`,
		`{"stimuli":null}`, `[]`, `null`, `{"i_thr":0.2}{}`, "\xff\xfe", `{"n":1e3}`,
	} {
		f.Add([]byte(s))
	}
	srv, _ := newTestServer(f, &Settings{MaxBodyBytes: 512, MaxBatch: 4, MaxFIPoints: 6, MaxEnsemble: 5})
	checkErr := func(t *testing.T, which string, err error) {
		var ae *apiError
		if !errors.As(err, &ae) {
			t.Fatalf("%s: error %v is not an API error", which, err)
		}
		switch ae.Status {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("%s: status %d for a bad body: %s", which, ae.Status, ae.Msg)
		}
		if ae.Msg == "" {
			t.Fatalf("%s: empty error message", which)
		}
	}
	inHard := func(t *testing.T, which string, st Stimulus) {
		for _, c := range []struct {
			v float64
			r RangeInfo
		}{
			{st.IThr, srv.rangeInfo(srv.syn.Scaling.IThr, "")},
			{st.SThr, srv.rangeInfo(srv.syn.Scaling.SThr, "")},
			{st.Amp, srv.rangeInfo(srv.syn.AmpRange, "")},
		} {
			if !finite(c.v) || c.v < c.r.HardMin || c.v > c.r.HardMax {
				t.Fatalf("%s: accepted %+v outside the hard limits", which, st)
			}
		}
	}
	body := func(data []byte) *http.Request {
		return httptest.NewRequest("POST", "/", bytes.NewReader(data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w := httptest.NewRecorder()
		if job, err := srv.parseSynth(srv.body(w, body(data))); err != nil {
			checkErr(t, "synth", err)
		} else {
			if len(job.stims) < 1 || len(job.stims) > 4 || len(job.flags) != len(job.stims) {
				t.Fatalf("synth: %d stimuli", len(job.stims))
			}
			for _, st := range job.stims {
				inHard(t, "synth", st)
			}
		}
		if job, err := srv.parseFI(srv.body(w, body(data))); err != nil {
			checkErr(t, "fi", err)
		} else {
			if len(job.amps) < 1 || len(job.amps) > 6 {
				t.Fatalf("fi: %d amplitudes", len(job.amps))
			}
			for _, a := range job.amps {
				inHard(t, "fi", Stimulus{job.iThr, job.sThr, a})
			}
		}
		if job, err := srv.parseEnsemble(srv.body(w, body(data))); err != nil {
			checkErr(t, "ensemble", err)
		} else {
			if job.n < 1 || job.n > 5 || len(job.samples) != job.n || !(job.radius > 0 && job.radius <= 1) {
				t.Fatalf("ensemble: n %d, %d samples, radius %g", job.n, len(job.samples), job.radius)
			}
			inHard(t, "ensemble", job.center)
			for _, s := range job.samples {
				inHard(t, "ensemble sample", Stimulus{IThr: s.IThr, SThr: s.SThr, Amp: s.AmpNA})
			}
		}
	})
}
