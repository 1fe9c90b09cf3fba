package featloss

import (
	"math"
	"testing"

	"github.com/noble-neuro/noble/features"
)

func TestMeasureAgreement(t *testing.T) {
	var ws Workspace
	w := NewWindow(realStart, realEnd)
	for _, tr := range realTraces(t) {
		fv, err := features.Compute(tr.v, realDt, &features.Settings{StimStart: realStart * realDt, StimEnd: realEnd * realDt})
		if err != nil {
			t.Fatal(err)
		}
		n, _ := fv.First("Spikecount")
		sag, sok := fv.First("sag_amplitude")
		soft := ws.SpikeCount(nil, tr.v, -20, 0.5)
		soft2 := ws.SpikeCount(nil, tr.v, -20, 1)
		ex := len(Spikes(nil, tr.v, -20))
		ssag := ws.SagAmplitude(nil, tr.v, w, 50)
		wd, thr, _ := ap1Target(tr.v, w, realDt)
		sw := ws.AP1Width(nil, tr.v, thr, 200, realDt)
		w01, _ := fv.First("AP1_width")
		t.Logf("%-50s n %3.0f soft %.4f (k1 %.4f) ex %d | sag %v %.4f soft %.4f | w %.4f (0.1:%.4f) soft %.4f thr %.2f",
			tr.name, n, soft, soft2, ex, sok, sag, ssag, wd, w01, sw, thr)
		_ = math.Abs
	}
}
