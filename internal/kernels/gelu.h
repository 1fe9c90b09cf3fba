#include <stdint.h>
#include <string.h>

// See doc.go for the formulas and their sources.

static inline float k_exp(float x) {
	// Only called with x ≤ 0; clamped where the result stays a normal float.
	x = x < -87.0f ? -87.0f : x;
	// Round to nearest by adding and subtracting 1.5·2^23 (|x·log2 e| < 2^22).
	float fn = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
	float r = x - fn * 0.693359375f;
	r = r + fn * 2.12194440e-4f;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	float e = p * r * r + r + 1.0f;
	int32_t n = (int32_t)fn;
	int32_t bits = (n + 127) << 23;
	float s;
	memcpy(&s, &bits, sizeof s);
	return e * s;
}

// k_phi returns Φ(x) = ½(1 + erf(x/√2)) and sets *e = exp(−x²/2).
static inline float k_phi(float x, float *e) {
	float z = x * 0.70710678118654752f;
	float az = __builtin_fabsf(z);
	float t = 1.0f / (1.0f + 0.3275911f * az);
	float p = 1.061405429f;
	p = p * t - 1.453152027f;
	p = p * t + 1.421413741f;
	p = p * t - 0.284496736f;
	p = p * t + 0.254829592f;
	p = p * t;
	float ex = k_exp(-z * z);
	*e = ex;
	float erfa = 1.0f - p * ex;
	float erf = __builtin_copysignf(erfa, z);
	return 0.5f + 0.5f * erf;
}
