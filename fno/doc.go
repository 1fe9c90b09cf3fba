// Package fno implements the NOBLE neural operator: a 1-D Fourier neural
// operator in the layout of the neuraloperator library's FNO
// (github.com/neuraloperator/neuraloperator: neuralop/models/fno.py,
// layers/fno_block.py, spectral_convolution.py, channel_mlp.py,
// skip_connections.py, embeddings.py), as used by Ghafourpour et al.,
// "NOBLE", NeurIPS 2025 (arXiv 2506.04536), with forward and backward
// passes, the relative Lp loss, Adam, ReduceLROnPlateau and gradient
// clipping, on float32 activations for CPUs.
//
// # Architecture
//
// Config describes it; DefaultConfig is the published model (1,803,001
// parameters). Input x is [batch, InChannels, L]; the model appends the
// grid channel torch.linspace(0, 1, L+1)[:-1] (GridEmbeddingND), then
//
//	lifting:     v = W₁·GELU(W₀·x + b₀) + b₁          (1×1 convs 24→48→24)
//	layer i:     h = irfft(W_i ⊙ rfft(v)[:M]) + c_i + S_i·v
//	             a = GELU(h)                              (not on the last layer)
//	             v = U_i·GELU(P_i·a + p_i) + u_i + g_i ⊙ v
//	             v = GELU(v)                              (not on the last layer)
//	projection:  y = Q₁·GELU(Q₀·v + q₀) + q₁               (24→96→1)
//
// which is FNOBlocks.forward_with_postactivation: skips from the layer
// input (linear 1×1 for the spectral branch, soft gating g_i for the
// channel MLP), GELU after the spectral sum and after the MLP sum except in
// the last layer. rfft and irfft use norm="forward" (the forward transform
// divides by L, the inverse does not); M = min(Modes, L/2+1) modes are
// kept, as SpectralConv slices its weight when L is short; W_i[in, out, k]
// is complex ("bix,iox->box"); the imaginary parts of mode 0 and, for even
// L, of mode L/2 do not reach the output, as in torch.fft.irfft; c_i is
// one real bias per output channel. GELU is the exact erf form. Any L ≥ 1
// is computed exactly: nothing is padded.
//
// With Config.GroupNorm (neuraloperator's norm="group_norm"; off in the
// published model) each layer has two GroupNorm(1, Width), N_2i and
// N_2i+1, as FNOBlocks.forward_with_postactivation applies them:
//
//	layer i:     h = N_2i(irfft(W_i ⊙ rfft(v)[:M]) + c_i) + S_i·v
//	             a = GELU(h)                              (not on the last layer)
//	             v = N_2i+1(U_i·GELU(P_i·a + p_i) + u_i + g_i ⊙ v)
//	             v = GELU(v)                              (not on the last layer)
//
// N(x) = γ ⊙ (x − μ)/sqrt(σ² + 1e-5) + β, as torch.nn.GroupNorm with one
// group: μ and the biased variance σ² per trace over all Width·L values
// (float64 sums), γ and β one per channel (initialised to 1 and 0). The
// spectral bias c_i is added before N_2i normalizes it, so its gradient is
// that of the norm's input.
//
// # Parameters and interchange
//
// Model.Params and Model.Grad are flat float32 vectors in state-dict order;
// StateDict, LoadStateDict and GradStateDict exchange them as Tensor values
// named and shaped as the PyTorch state dict (complex weights with a
// trailing dimension 2). The GroupNorm parameters
// fno_blocks.norm.{j}.{weight,bias} follow the soft gates, where
// FNOBlocks registers its norm ModuleList (after channel_mlp_skips), so
// that a state dict loads into the reference FNO by name. New draws the
// published initialisation from a seed. The tests of the interchange files (golden_test.go) compare this
// package with the PyTorch reference at the published size: output
// relative error 2e-7, gradients 6e-7.
//
// # The spectral layer: a folded truncated DFT as matrix products
//
// Only M = 129 of the L/2+1 = 4,292 frequencies of a length-8,583 trace are
// used, and 8,583 = 3 × 2,861 with 2,861 prime, which mixed-radix FFTs
// handle through an O(p²) generic radix. So the transforms are matrix
// products with precomputed cosine and sine tables, halved by the symmetry
// t ↔ L−t: with E_t = x_t + x_{L−t} and O_t = x_t − x_{L−t} (t ≤ (L−1)/2),
// Re X_k = Σ E_t cos(2πkt/L) and Im X_k = −Σ O_t sin(2πkt/L), two products
// [rows × L/2]·[L/2 × M]; the inverse is the transposed pair followed by
// y_t = A_t + B_t, y_{L−t} = A_t − B_t (see type dft). The backward pass
// applies the same two routines with the adjoint scalings. In the default
// build neither E, O nor A, B is ever stored: the fold happens in the
// product's packing of x (internal/gemm SgemmFold, the even and odd
// products alternating their passes so that x is read once) and the
// unfold, with the spectral bias or the addition of the backward pass, in
// the store of the product's tiles (SgemmUnfold), the same sums in the
// same order as the separate passes, which the other builds keep. Measured
// (BenchmarkSpectral: 24 channels × 8 traces, forward and inverse, L =
// 8,583): 22 ms for the folded DFT (float32, OpenBLAS) against 10.1 s for
// gonum's dsp/fourier FFT (float64, full rfft and irfft per row), ≈ 460×.
//
// # Kernels
//
// The pass is dominated by matrix products: the DFT products above (about
// 85 % of the forward pass's 1.6 GFLOP per trace) and the 1×1
// convolutions, one [C_out × C_in]·[C_in × batch·L] product each on
// channel-major activations ([channel][batch][L]). The default build runs
// internal/gemm's own AVX-512 and AVX2 kernels (cgo with gcc), which read
// the DFT tables in place: computed once per (L, M), shared by all
// workspaces, padded to 64-byte rows and stored in both layouts, so that
// analysis and synthesis are both plain products (see table). Built with
// CGO_ENABLED=0 the same kernels run in Go assembly on amd64 (AVX-512 or
// AVX2, about as fast; gonum's pure-Go products elsewhere, about 10×
// slower); with -tags openblas, OpenBLAS's (1.3–2.4× slower than the
// default build on these shapes). The exact GELU and its derivative, the next largest
// cost, are vectorized C in internal/kernels (PyTorch's own erf
// approximation, within 1.5e-7), and Go assembly without cgo. float64 (for the tests) uses gonum's
// Dgemm and math.Erf.
//
// # Fused pointwise passes
//
// The part of a Fourier layer between its spectral convolution and the
// next layer (linear skip, GELU, channel MLP, soft gating, GELU) is a
// chain of small products (24×24, 12×24, 24×12) and elementwise steps over
// the whole [channel][batch·L] activations, each of which, as separate
// passes, streams every buffer through memory once more. Its backward pass
// (pointBack) and, without GroupNorm or a helper, its forward pass
// (pointForward) instead go through the positions in blocks of 512 (all
// channels: about 0.5 MB, in L2), each block through every step: GELU and
// GELU' from one evaluation, the gate, bias and spectral-bias reductions
// (float64, per block, in block order), the products of the block, the
// weight gradients added per block in block order. The post-GELU
// activations and the recomputed layer input never exist beyond a block,
// and in inference neither does the MLP pre-activation. A block's rows are
// L·batch·4 bytes apart, too many short streams for the hardware
// prefetchers, so the block kernels (internal/kernels GateBack, GeluRows,
// …) prefetch the next row as they go; without that, the fused backward
// pass was no faster than the separate passes. Measured on one layer of 8
// traces (BenchmarkPointBack, BenchmarkPointForward, CPU time): backward
// 0.62×, forward 0.82×; a training step at batch 16 0.94× (0.83–0.99 in
// alternating runs), the forward pass at batch 64 within the noise
// (docs/benchmarks.md). The GroupNorm forward pass keeps the
// unfused passes (its norms need whole-trace statistics), as does a lone
// trace with a helper, whose products and GELUs are split in two; the
// backward pass is fused in every case (the norms' passes stay apart), and
// with a helper its pointwise part runs on the worker alone.
//
// # Parallelism and determinism
//
// A call splits the batch into Model.Workers contiguous parts (default
// GOMAXPROCS), each evaluated by a worker with its own workspace and
// private gradients, with single-threaded products; gradients are summed
// in worker order. Results are bitwise reproducible for a given Workers,
// SplitSingle and batch. A batch of one runs on one core by default:
// sharing its products with a second thread, either OpenBLAS's own (161 ms
// against 83 ms) or, with Model.SplitSingle, a helper goroutine taking
// halves of the outputs (50–95 ms against 40–75 ms), was slower on the
// 2-core machine shared with other jobs, where every synchronisation waits
// for a descheduled thread.
//
// # Memory
//
// Forward keeps no activations and evaluates at most Chunk (default 8)
// traces per worker at once: about 11.5 MB of workspace per trace in
// flight at L = 8,583 (the 96-channel projection hidden layer is the
// largest buffer). Training keeps, per layer, the spectrum of the layer
// input, the two width-24 pre-activations and the MLP pre-activation
// (width 12), and recomputes in the backward pass the post-GELU
// activations, including the layer inputs GELU(z), block by block: about 41.5 MB per trace
// in flight, plus 7.2 MB of private gradients per worker. TrainBatch
// evaluates a batch Chunk traces at a time per worker (the relative Lp
// loss is a sum over traces), so a training step at any batch holds at
// most Workers·Chunk traces (≈ 0.7 GB with 2 workers). GroupNorm keeps in
// training, per layer, the normalized x̂ of the first norm (Width·L values:
// 9.9 MB per trace at the published size; BenchmarkTrainStep's workspaces
// go from 41.3 to 51.2 MB per trace) and 1/σ per trace and norm; the
// second norm's x̂ takes the place of its input z (γ·x̂ + β is recomputed
// in the backward pass). Inference normalizes in place and needs only
// 8 bytes per trace and norm more.
//
// # Gradients
//
// The backward pass is hand-written. TestGradient checks every parameter
// gradient of the whole model (lifting, spectral weights and bias, linear
// skip, soft gating, channel MLP, projection, through each GELU and the
// relative L2 and L4 losses) against central differences in float64 on
// small configurations at L = 16, 15, 8 (Nyquist mode kept) and 5 (modes
// clipped), each also with GroupNorm (worst difference 2e-9);
// TestForwardReference compares the forward pass with a direct
// complex-sum implementation of rfft/irfft and of GroupNorm.
// TestGoldenGroupNorm compares a small GroupNorm model with the PyTorch
// reference (F.group_norm): output relative error 1e-7, gradients 3e-6. The engine is generic over
// float32 and float64 for this purpose.
//
// # Training
//
// RelLpLoss (p = 2, 4; sum over the batch of ‖ŷ−y‖_p/‖y‖_p, float64
// accumulation) with its gradient is TrainBatch's loss. TrainBatchLoss
// takes any Loss that is a sum over traces (the workers call it per chunk
// with the traces' batch indices): LpLoss (p = 1, 2, 4) and H1Loss are
// neuraloperator's, relative or absolute, with their gradients. Adam is
// torch.optim.Adam (complex parameters as real pairs, as torch's
// view_as_real) or, with RuleAdamW (NewAdamW), neuralop's AdamW (eps 1e-6
// before the bias correction, decoupled weight decay, one second moment
// |g|² per complex weight, Config.ComplexSpans). Adam, Plateau
// (ReduceLROnPlateau, mode min, relative threshold) and ClipGradNorm
// (clip_grad_norm_) keep their state in exported fields so that training
// can resume.
//
// Measured speeds are in docs/benchmarks.md ("Neural operator").
package fno
