// Package fno implements the NOBLE neural operator: a 1-D Fourier neural
// operator in the layout of the neuraloperator library's FNO
// (github.com/neuraloperator/neuraloperator, neuralop/models/fno.py,
// layers/fno_block.py, spectral_convolution.py, channel_mlp.py,
// skip_connections.py, embeddings.py), as used by Ghafourpour et al.,
// "NOBLE", NeurIPS 2025 (arXiv 2506.04536), with forward and backward
// passes, the relative Lp loss, Adam, ReduceLROnPlateau and gradient
// clipping, on float32 activations for CPUs.
//
// (Work in progress: see the sections below as they are filled in.)
package fno
