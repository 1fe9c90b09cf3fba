package synth

import "github.com/noble-neuro/noble/features"

type featuresValues = map[string][]float64

func toValues(v []featuresValues) []features.Values {
	out := make([]features.Values, len(v))
	for i := range v {
		out[i] = v[i]
	}
	return out
}
