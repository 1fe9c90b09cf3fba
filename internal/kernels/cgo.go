//go:build cgo && !purego

package kernels

/*
#cgo CFLAGS: -O3
void noble_gelu(float *dst, const float *x, long n);
void noble_gelu_inplace(float *x, long n);
void noble_gelu_back(float *d, const float *x, long n);
*/
import "C"

import "unsafe"

// Backend names the implementation in use.
const Backend = "c"

// Gelu sets dst[i] = GELU(x[i]); dst may be x itself. It panics if
// len(dst) < len(x).
func Gelu(dst, x []float32) {
	if len(x) == 0 {
		return
	}
	dst = dst[:len(x)]
	if unsafe.SliceData(dst) == unsafe.SliceData(x) {
		C.noble_gelu_inplace((*C.float)(&dst[0]), C.long(len(x)))
		return
	}
	C.noble_gelu((*C.float)(&dst[0]), (*C.float)(&x[0]), C.long(len(x)))
}

// GeluBack sets d[i] *= GELU'(x[i]). It panics if len(d) < len(x).
func GeluBack(d, x []float32) {
	if len(x) == 0 {
		return
	}
	d = d[:len(x)]
	C.noble_gelu_back((*C.float)(&d[0]), (*C.float)(&x[0]), C.long(len(x)))
}
