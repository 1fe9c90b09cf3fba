package kernels

// AdamCoef are the float32 constants of one torch.optim.Adam step
// (fno.Adam.Update): Step = lr/(1−β1^t), BC2Sqrt = sqrt(1−β2^t), W1 = 1−β1,
// B2 = β2, W2 = 1−β2, Eps, and WD the coupled L2 weight decay.
type AdamCoef struct {
	Step, BC2Sqrt, W1, B2, W2, Eps, WD float32
}

// AdamWCoef are the float32 constants of one step of neuralop's AdamW
// (fno.Adam.Update): B1 = β1, W1 = 1−β1, B2 = β2, W2 = 1−β2, Eps,
// Step = lr·sqrt(1−β2^t)/(1−β1^t), and with WD the decoupled decay
// p ← p + Decay·p, Decay = −lr·wd.
type AdamWCoef struct {
	B1, W1, B2, W2, Eps, Step, Decay float32
	WD                               bool
}
