//go:build (!cgo || purego) && amd64

// AVX2 + FMA and AVX-512 loops of the GELU kernels (doc.go, purego.go),
// 8 or 16 values at a time, n a multiple of 8 (16); kernels_amd64.go
// passes the tails through a buffer.

#include "textflag.h"

// The constants of purego.go's expf and phi (Abramowitz & Stegun 7.1.26,
// Cephes expf) as float32 bits (math.Float32bits of the float32 values),
// each repeated over a 32-byte vector.
#define SQRTHALF gc<>+0(SB)
DATA gc<>+0(SB)/4, $0x3f3504f3
DATA gc<>+4(SB)/4, $0x3f3504f3
DATA gc<>+8(SB)/4, $0x3f3504f3
DATA gc<>+12(SB)/4, $0x3f3504f3
DATA gc<>+16(SB)/4, $0x3f3504f3
DATA gc<>+20(SB)/4, $0x3f3504f3
DATA gc<>+24(SB)/4, $0x3f3504f3
DATA gc<>+28(SB)/4, $0x3f3504f3
#define ABSMASK gc<>+32(SB)
DATA gc<>+32(SB)/4, $0x7fffffff
DATA gc<>+36(SB)/4, $0x7fffffff
DATA gc<>+40(SB)/4, $0x7fffffff
DATA gc<>+44(SB)/4, $0x7fffffff
DATA gc<>+48(SB)/4, $0x7fffffff
DATA gc<>+52(SB)/4, $0x7fffffff
DATA gc<>+56(SB)/4, $0x7fffffff
DATA gc<>+60(SB)/4, $0x7fffffff
#define SIGN gc<>+64(SB)
DATA gc<>+64(SB)/4, $0x80000000
DATA gc<>+68(SB)/4, $0x80000000
DATA gc<>+72(SB)/4, $0x80000000
DATA gc<>+76(SB)/4, $0x80000000
DATA gc<>+80(SB)/4, $0x80000000
DATA gc<>+84(SB)/4, $0x80000000
DATA gc<>+88(SB)/4, $0x80000000
DATA gc<>+92(SB)/4, $0x80000000
#define ONE gc<>+96(SB)
DATA gc<>+96(SB)/4, $0x3f800000
DATA gc<>+100(SB)/4, $0x3f800000
DATA gc<>+104(SB)/4, $0x3f800000
DATA gc<>+108(SB)/4, $0x3f800000
DATA gc<>+112(SB)/4, $0x3f800000
DATA gc<>+116(SB)/4, $0x3f800000
DATA gc<>+120(SB)/4, $0x3f800000
DATA gc<>+124(SB)/4, $0x3f800000
#define P gc<>+128(SB)
DATA gc<>+128(SB)/4, $0x3ea7ba05
DATA gc<>+132(SB)/4, $0x3ea7ba05
DATA gc<>+136(SB)/4, $0x3ea7ba05
DATA gc<>+140(SB)/4, $0x3ea7ba05
DATA gc<>+144(SB)/4, $0x3ea7ba05
DATA gc<>+148(SB)/4, $0x3ea7ba05
DATA gc<>+152(SB)/4, $0x3ea7ba05
DATA gc<>+156(SB)/4, $0x3ea7ba05
#define A5 gc<>+160(SB)
DATA gc<>+160(SB)/4, $0x3f87dc22
DATA gc<>+164(SB)/4, $0x3f87dc22
DATA gc<>+168(SB)/4, $0x3f87dc22
DATA gc<>+172(SB)/4, $0x3f87dc22
DATA gc<>+176(SB)/4, $0x3f87dc22
DATA gc<>+180(SB)/4, $0x3f87dc22
DATA gc<>+184(SB)/4, $0x3f87dc22
DATA gc<>+188(SB)/4, $0x3f87dc22
#define A4 gc<>+192(SB)
DATA gc<>+192(SB)/4, $0xbfba00e3
DATA gc<>+196(SB)/4, $0xbfba00e3
DATA gc<>+200(SB)/4, $0xbfba00e3
DATA gc<>+204(SB)/4, $0xbfba00e3
DATA gc<>+208(SB)/4, $0xbfba00e3
DATA gc<>+212(SB)/4, $0xbfba00e3
DATA gc<>+216(SB)/4, $0xbfba00e3
DATA gc<>+220(SB)/4, $0xbfba00e3
#define A3 gc<>+224(SB)
DATA gc<>+224(SB)/4, $0x3fb5f0e3
DATA gc<>+228(SB)/4, $0x3fb5f0e3
DATA gc<>+232(SB)/4, $0x3fb5f0e3
DATA gc<>+236(SB)/4, $0x3fb5f0e3
DATA gc<>+240(SB)/4, $0x3fb5f0e3
DATA gc<>+244(SB)/4, $0x3fb5f0e3
DATA gc<>+248(SB)/4, $0x3fb5f0e3
DATA gc<>+252(SB)/4, $0x3fb5f0e3
#define A2 gc<>+256(SB)
DATA gc<>+256(SB)/4, $0xbe91a98e
DATA gc<>+260(SB)/4, $0xbe91a98e
DATA gc<>+264(SB)/4, $0xbe91a98e
DATA gc<>+268(SB)/4, $0xbe91a98e
DATA gc<>+272(SB)/4, $0xbe91a98e
DATA gc<>+276(SB)/4, $0xbe91a98e
DATA gc<>+280(SB)/4, $0xbe91a98e
DATA gc<>+284(SB)/4, $0xbe91a98e
#define A1 gc<>+288(SB)
DATA gc<>+288(SB)/4, $0x3e827906
DATA gc<>+292(SB)/4, $0x3e827906
DATA gc<>+296(SB)/4, $0x3e827906
DATA gc<>+300(SB)/4, $0x3e827906
DATA gc<>+304(SB)/4, $0x3e827906
DATA gc<>+308(SB)/4, $0x3e827906
DATA gc<>+312(SB)/4, $0x3e827906
DATA gc<>+316(SB)/4, $0x3e827906
#define M87 gc<>+320(SB)
DATA gc<>+320(SB)/4, $0xc2ae0000
DATA gc<>+324(SB)/4, $0xc2ae0000
DATA gc<>+328(SB)/4, $0xc2ae0000
DATA gc<>+332(SB)/4, $0xc2ae0000
DATA gc<>+336(SB)/4, $0xc2ae0000
DATA gc<>+340(SB)/4, $0xc2ae0000
DATA gc<>+344(SB)/4, $0xc2ae0000
DATA gc<>+348(SB)/4, $0xc2ae0000
#define LOG2E gc<>+352(SB)
DATA gc<>+352(SB)/4, $0x3fb8aa3b
DATA gc<>+356(SB)/4, $0x3fb8aa3b
DATA gc<>+360(SB)/4, $0x3fb8aa3b
DATA gc<>+364(SB)/4, $0x3fb8aa3b
DATA gc<>+368(SB)/4, $0x3fb8aa3b
DATA gc<>+372(SB)/4, $0x3fb8aa3b
DATA gc<>+376(SB)/4, $0x3fb8aa3b
DATA gc<>+380(SB)/4, $0x3fb8aa3b
#define LN2HI gc<>+384(SB)
DATA gc<>+384(SB)/4, $0x3f318000
DATA gc<>+388(SB)/4, $0x3f318000
DATA gc<>+392(SB)/4, $0x3f318000
DATA gc<>+396(SB)/4, $0x3f318000
DATA gc<>+400(SB)/4, $0x3f318000
DATA gc<>+404(SB)/4, $0x3f318000
DATA gc<>+408(SB)/4, $0x3f318000
DATA gc<>+412(SB)/4, $0x3f318000
#define LN2LO gc<>+416(SB)
DATA gc<>+416(SB)/4, $0x395e8083
DATA gc<>+420(SB)/4, $0x395e8083
DATA gc<>+424(SB)/4, $0x395e8083
DATA gc<>+428(SB)/4, $0x395e8083
DATA gc<>+432(SB)/4, $0x395e8083
DATA gc<>+436(SB)/4, $0x395e8083
DATA gc<>+440(SB)/4, $0x395e8083
DATA gc<>+444(SB)/4, $0x395e8083
#define C0 gc<>+448(SB)
DATA gc<>+448(SB)/4, $0x39506967
DATA gc<>+452(SB)/4, $0x39506967
DATA gc<>+456(SB)/4, $0x39506967
DATA gc<>+460(SB)/4, $0x39506967
DATA gc<>+464(SB)/4, $0x39506967
DATA gc<>+468(SB)/4, $0x39506967
DATA gc<>+472(SB)/4, $0x39506967
DATA gc<>+476(SB)/4, $0x39506967
#define C1 gc<>+480(SB)
DATA gc<>+480(SB)/4, $0x3ab743ce
DATA gc<>+484(SB)/4, $0x3ab743ce
DATA gc<>+488(SB)/4, $0x3ab743ce
DATA gc<>+492(SB)/4, $0x3ab743ce
DATA gc<>+496(SB)/4, $0x3ab743ce
DATA gc<>+500(SB)/4, $0x3ab743ce
DATA gc<>+504(SB)/4, $0x3ab743ce
DATA gc<>+508(SB)/4, $0x3ab743ce
#define C2 gc<>+512(SB)
DATA gc<>+512(SB)/4, $0x3c088908
DATA gc<>+516(SB)/4, $0x3c088908
DATA gc<>+520(SB)/4, $0x3c088908
DATA gc<>+524(SB)/4, $0x3c088908
DATA gc<>+528(SB)/4, $0x3c088908
DATA gc<>+532(SB)/4, $0x3c088908
DATA gc<>+536(SB)/4, $0x3c088908
DATA gc<>+540(SB)/4, $0x3c088908
#define C3 gc<>+544(SB)
DATA gc<>+544(SB)/4, $0x3d2aa9c1
DATA gc<>+548(SB)/4, $0x3d2aa9c1
DATA gc<>+552(SB)/4, $0x3d2aa9c1
DATA gc<>+556(SB)/4, $0x3d2aa9c1
DATA gc<>+560(SB)/4, $0x3d2aa9c1
DATA gc<>+564(SB)/4, $0x3d2aa9c1
DATA gc<>+568(SB)/4, $0x3d2aa9c1
DATA gc<>+572(SB)/4, $0x3d2aa9c1
#define C4 gc<>+576(SB)
DATA gc<>+576(SB)/4, $0x3e2aaaaa
DATA gc<>+580(SB)/4, $0x3e2aaaaa
DATA gc<>+584(SB)/4, $0x3e2aaaaa
DATA gc<>+588(SB)/4, $0x3e2aaaaa
DATA gc<>+592(SB)/4, $0x3e2aaaaa
DATA gc<>+596(SB)/4, $0x3e2aaaaa
DATA gc<>+600(SB)/4, $0x3e2aaaaa
DATA gc<>+604(SB)/4, $0x3e2aaaaa
#define C5 gc<>+608(SB)
DATA gc<>+608(SB)/4, $0x3f000000
DATA gc<>+612(SB)/4, $0x3f000000
DATA gc<>+616(SB)/4, $0x3f000000
DATA gc<>+620(SB)/4, $0x3f000000
DATA gc<>+624(SB)/4, $0x3f000000
DATA gc<>+628(SB)/4, $0x3f000000
DATA gc<>+632(SB)/4, $0x3f000000
DATA gc<>+636(SB)/4, $0x3f000000
#define HALF gc<>+640(SB)
DATA gc<>+640(SB)/4, $0x3f000000
DATA gc<>+644(SB)/4, $0x3f000000
DATA gc<>+648(SB)/4, $0x3f000000
DATA gc<>+652(SB)/4, $0x3f000000
DATA gc<>+656(SB)/4, $0x3f000000
DATA gc<>+660(SB)/4, $0x3f000000
DATA gc<>+664(SB)/4, $0x3f000000
DATA gc<>+668(SB)/4, $0x3f000000
#define INVSQRT2PI gc<>+672(SB)
DATA gc<>+672(SB)/4, $0x3ecc422a
DATA gc<>+676(SB)/4, $0x3ecc422a
DATA gc<>+680(SB)/4, $0x3ecc422a
DATA gc<>+684(SB)/4, $0x3ecc422a
DATA gc<>+688(SB)/4, $0x3ecc422a
DATA gc<>+692(SB)/4, $0x3ecc422a
DATA gc<>+696(SB)/4, $0x3ecc422a
DATA gc<>+700(SB)/4, $0x3ecc422a
#define BIAS127 gc<>+704(SB)
DATA gc<>+704(SB)/4, $0x0000007f
DATA gc<>+708(SB)/4, $0x0000007f
DATA gc<>+712(SB)/4, $0x0000007f
DATA gc<>+716(SB)/4, $0x0000007f
DATA gc<>+720(SB)/4, $0x0000007f
DATA gc<>+724(SB)/4, $0x0000007f
DATA gc<>+728(SB)/4, $0x0000007f
DATA gc<>+732(SB)/4, $0x0000007f
GLOBL gc<>(SB), RODATA|NOPTR, $736

// PHI sets Y5 = Φ(x) = ½(1 + erf(x/√2)) and Y3 = exp(−x²/2) for the x in
// Y0, using Y1–Y7: z = x/√2 (Y1); t = 1/(1 + p|z|) (Y4); the polynomial
// in t times t (Y5); exp(−z²) as Cephes expf (clamped at −87, n =
// round(w·log2 e), r = w − n·ln 2 in two parts, 1 + r + r²·P(r), times
// 2ⁿ); erf = ±(1 − P·exp(−z²)) with the sign of z; Φ = ½erf + ½.
#define PHI \
	VMULPS SQRTHALF, Y0, Y1 \
	VANDPS ABSMASK, Y1, Y2 \
	VMOVUPS P, Y4 \
	VFMADD213PS ONE, Y2, Y4 \
	VMOVUPS ONE, Y3 \
	VDIVPS Y4, Y3, Y4 \
	VMOVUPS A5, Y5 \
	VFMADD213PS A4, Y4, Y5 \
	VFMADD213PS A3, Y4, Y5 \
	VFMADD213PS A2, Y4, Y5 \
	VFMADD213PS A1, Y4, Y5 \
	VMULPS Y4, Y5, Y5 \
	VMULPS Y1, Y1, Y6 \
	VXORPS SIGN, Y6, Y6 \
	VMAXPS M87, Y6, Y6 \
	VMULPS LOG2E, Y6, Y7 \
	VROUNDPS $0, Y7, Y7 \
	VFNMADD231PS LN2HI, Y7, Y6 \
	VFMADD231PS LN2LO, Y7, Y6 \
	VMOVUPS C0, Y3 \
	VFMADD213PS C1, Y6, Y3 \
	VFMADD213PS C2, Y6, Y3 \
	VFMADD213PS C3, Y6, Y3 \
	VFMADD213PS C4, Y6, Y3 \
	VFMADD213PS C5, Y6, Y3 \
	VMULPS Y6, Y3, Y3 \
	VFMADD213PS Y6, Y6, Y3 \
	VADDPS ONE, Y3, Y3 \
	VCVTPS2DQ Y7, Y7 \
	VPADDD BIAS127, Y7, Y7 \
	VPSLLD $23, Y7, Y7 \
	VMULPS Y7, Y3, Y3 \
	VFNMADD213PS ONE, Y3, Y5 \
	VANDPS SIGN, Y1, Y7 \
	VXORPS Y7, Y5, Y5 \
	VMOVUPS HALF, Y7 \
	VFMADD213PS Y7, Y7, Y5

// DERIV sets Y7 = GELU'(x) = Φ(x) + x·exp(−x²/2)/√(2π) after PHI.
#define DERIV \
	VMULPS Y3, Y0, Y7 \
	VMULPS INVSQRT2PI, Y7, Y7 \
	VADDPS Y5, Y7, Y7

// func geluAVX2(dst, x *float32, n int)
TEXT ·geluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   gelu_done

gelu_loop:
	VMOVUPS (SI), Y0
	PHI
	VMULPS  Y5, Y0, Y5
	VMOVUPS Y5, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     gelu_loop

gelu_done:
	VZEROUPPER
	RET

// func geluBackAVX2(d, x *float32, n int)
TEXT ·geluBackAVX2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   back_done

back_loop:
	VMOVUPS (SI), Y0
	PHI
	DERIV
	VMULPS  (DI), Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     back_loop

back_done:
	VZEROUPPER
	RET

// func geluBothAVX2(gl, x *float32, n int)
TEXT ·geluBothAVX2(SB), NOSPLIT, $0-24
	MOVQ gl+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   both_done

both_loop:
	VMOVUPS (SI), Y0
	PHI
	VMULPS  Y5, Y0, Y6
	VMOVUPS Y6, (DI)
	DERIV
	VMOVUPS Y7, (SI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     both_loop

both_done:
	VZEROUPPER
	RET

// func geluBiasAVX2(dst, x *float32, b float32, n int)
TEXT ·geluBiasAVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS b+16(FP), Y8
	MOVQ         n+24(FP), CX
	SHRQ         $3, CX
	JZ           bias_done

bias_loop:
	VADDPS  (SI), Y8, Y0
	VMOVUPS Y0, (SI)
	PHI
	VMULPS  Y5, Y0, Y5
	VMOVUPS Y5, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     bias_loop

bias_done:
	VZEROUPPER
	RET

// PHI512 is PHI on 16 values (AVX-512F), Z0 to Z5, Z3, using Z1–Z7, with
// the same operations, so the same bits; constants are broadcast from the
// first float of their vector.
#define PHI512 \
	VMULPS.BCST SQRTHALF, Z0, Z1 \
	VPANDD.BCST ABSMASK, Z1, Z2 \
	VBROADCASTSS P, Z4 \
	VFMADD213PS.BCST ONE, Z2, Z4 \
	VBROADCASTSS ONE, Z3 \
	VDIVPS Z4, Z3, Z4 \
	VBROADCASTSS A5, Z5 \
	VFMADD213PS.BCST A4, Z4, Z5 \
	VFMADD213PS.BCST A3, Z4, Z5 \
	VFMADD213PS.BCST A2, Z4, Z5 \
	VFMADD213PS.BCST A1, Z4, Z5 \
	VMULPS Z4, Z5, Z5 \
	VMULPS Z1, Z1, Z6 \
	VPXORD.BCST SIGN, Z6, Z6 \
	VMAXPS.BCST M87, Z6, Z6 \
	VMULPS.BCST LOG2E, Z6, Z7 \
	VRNDSCALEPS $0, Z7, Z7 \
	VFNMADD231PS.BCST LN2HI, Z7, Z6 \
	VFMADD231PS.BCST LN2LO, Z7, Z6 \
	VBROADCASTSS C0, Z3 \
	VFMADD213PS.BCST C1, Z6, Z3 \
	VFMADD213PS.BCST C2, Z6, Z3 \
	VFMADD213PS.BCST C3, Z6, Z3 \
	VFMADD213PS.BCST C4, Z6, Z3 \
	VFMADD213PS.BCST C5, Z6, Z3 \
	VMULPS Z6, Z3, Z3 \
	VFMADD213PS Z6, Z6, Z3 \
	VADDPS.BCST ONE, Z3, Z3 \
	VCVTPS2DQ Z7, Z7 \
	VPADDD.BCST BIAS127, Z7, Z7 \
	VPSLLD $23, Z7, Z7 \
	VMULPS Z7, Z3, Z3 \
	VFNMADD213PS.BCST ONE, Z3, Z5 \
	VPANDD.BCST SIGN, Z1, Z7 \
	VPXORD Z7, Z5, Z5 \
	VBROADCASTSS HALF, Z7 \
	VFMADD213PS Z7, Z7, Z5


// DERIV512 is DERIV on Z registers.
#define DERIV512 \
	VMULPS      Z3, Z0, Z7 \
	VMULPS.BCST INVSQRT2PI, Z7, Z7 \
	VADDPS      Z5, Z7, Z7

// func gelu512(dst, x *float32, n int)
TEXT ·gelu512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JZ   gelu512_done

gelu512_loop:
	VMOVUPS (SI), Z0
	PHI512
	VMULPS  Z5, Z0, Z5
	VMOVUPS Z5, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     gelu512_loop

gelu512_done:
	VZEROUPPER
	RET

// func geluBack512(d, x *float32, n int)
TEXT ·geluBack512(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JZ   back512_done

back512_loop:
	VMOVUPS (SI), Z0
	PHI512
	DERIV512
	VMULPS  (DI), Z7, Z7
	VMOVUPS Z7, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     back512_loop

back512_done:
	VZEROUPPER
	RET

// func geluBoth512(gl, x *float32, n int)
TEXT ·geluBoth512(SB), NOSPLIT, $0-24
	MOVQ gl+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JZ   both512_done

both512_loop:
	VMOVUPS (SI), Z0
	PHI512
	VMULPS  Z5, Z0, Z6
	VMOVUPS Z6, (DI)
	DERIV512
	VMOVUPS Z7, (SI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     both512_loop

both512_done:
	VZEROUPPER
	RET

// func geluBias512(dst, x *float32, b float32, n int)
TEXT ·geluBias512(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS b+16(FP), Z8
	MOVQ         n+24(FP), CX
	SHRQ         $4, CX
	JZ           bias512_done

bias512_loop:
	VADDPS  (SI), Z8, Z0
	VMOVUPS Z0, (SI)
	PHI512
	VMULPS  Z5, Z0, Z5
	VMOVUPS Z5, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     bias512_loop

bias512_done:
	VZEROUPPER
	RET
