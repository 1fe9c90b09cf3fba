package fi

import (
	"context"
	"testing"
)

// BenchmarkEmbed measures the overhead of an embedding (feature extraction
// on every trace, the search) with a free simulator that returns precomputed
// traces; a biophysical simulation costs about a second per trace, so this
// should stay below a few milliseconds per embedding.
func BenchmarkEmbed(b *testing.B) {
	calls := 0
	base := linearModel(800, 0.012, &calls)
	cache := map[float64][]float64{}
	sim := func(ctx context.Context, amp float64) ([]float64, error) {
		if v, ok := cache[amp]; ok {
			return v, nil
		}
		v, err := base(ctx, amp)
		cache[amp] = v
		return v, err
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Embed(context.Background(), sim, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/embedding")
}
