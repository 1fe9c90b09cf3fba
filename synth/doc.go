// Package synth implements batched synthesis with a trained NOBLE surrogate
// (Ghafourpour et al., "NOBLE", NeurIPS 2025, arXiv 2506.04536): somatic
// voltage traces of neuron models given by their F-I embedding (I_thr nA,
// s_thr Hz/nA) under a step current, many at once; ensembles around an
// embedding or inside the convex hull of the training hall-of-fame (HoF)
// embeddings (the paper's 50- and 200-sample synthetic populations); and the
// feature statistics of such populations (package features).
//
// # Stimulus lists
//
// Grid combines lists of I_thr, s_thr and amplitudes into stimuli. Product
// is the cartesian product, I_thr outermost and amplitude innermost (so
// --ithr a,b --sthr c --amp x,y gives (a,c,x), (a,c,y), (b,c,x), (b,c,y)).
// Zip pairs the i-th elements; every list has the same length or length 1,
// which is repeated.
//
// # Ranges
//
// The operator has seen I_thr and s_thr only inside the ranges its min-max
// scaling was fitted on (surrogate.Scaling: every HoF model of the cell), and
// amplitudes only inside its training range: the model file's "amp_range"
// metadata, else the default support [min I_thr − 0.125, max I_thr + 0.26]
// nA (surrogate.ReadMeta, the one reader of the model file's metadata).
// Surrogate.Check lists every value outside. Surrogate.Admit applies the
// one range policy of noble synth, noble demo and the HTTP API (package
// server): a value outside is refused with the same message everywhere
// unless the caller opts in to extrapolation (Policy.Extrapolate), and
// never served beyond Policy.Limit range widths (0.5) past either end.
//
// # Ensembles
//
// Neighbourhood draws n embeddings uniformly from the ellipse centred on an
// embedding whose semi-axes are radius times the training range widths of
// I_thr and s_thr; sample k uses its own generator PCG(seed, k), so the first
// samples do not depend on n (package server's ensembles are these).
// Hull draws n embeddings uniformly from the convex hull of the HoF embeddings
// (Andrew's monotone chain, A. M. Andrew, Inf. Proc. Letters 9, 1979): the hull
// is fanned into triangles from its first vertex, a triangle is chosen with
// probability proportional to its area and a point drawn uniformly inside it
// by the reflected barycentric rule (u, v uniform; if u+v > 1 take 1−u, 1−v),
// again with PCG(seed, k) per sample.
//
// # Feature statistics
//
// Stats summarises the first value of each feature over a population: the
// number of samples where it is defined, mean, sample standard deviation
// (n−1), minimum, maximum and the 5, 25, 50, 75 and 95 % quantiles (linear
// interpolation between order statistics, numpy's default). Sums are float64.
package synth
