//go:build (!cgo || purego) && amd64

// AVX2 loops of Sum64, Dot64, Axpb, Fold, Unfold, Mix, MixBack, Adam,
// AdamW, AdamWComplex and Add (purego.go) over whole vectors of 8 values; kernels_amd64.go does the
// tails. Each performs the scalar Go code's operations in its order, with
// no fused multiply-add where that code rounds twice, so both give the
// same bits.

#include "textflag.h"

// REV is the permutation reversing the eight floats of a vector.
DATA rev<>+0(SB)/4, $7
DATA rev<>+4(SB)/4, $6
DATA rev<>+8(SB)/4, $5
DATA rev<>+12(SB)/4, $4
DATA rev<>+16(SB)/4, $3
DATA rev<>+20(SB)/4, $2
DATA rev<>+24(SB)/4, $1
DATA rev<>+28(SB)/4, $0
GLOBL rev<>(SB), RODATA|NOPTR, $32

// func sum64AVX2(x *float32, n int, s *[8]float64)
//
// s[j] += x[i+j] in float64 for i = 0, 8, …, n−8.
TEXT ·sum64AVX2(SB), NOSPLIT, $0-24
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    s+16(FP), DI
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	SHRQ    $3, CX
	JZ      sum_done

sum_loop:
	VCVTPS2PD (SI), Y2
	VCVTPS2PD 16(SI), Y3
	VADDPD    Y2, Y0, Y0
	VADDPD    Y3, Y1, Y1
	ADDQ      $32, SI
	DECQ      CX
	JNZ       sum_loop

sum_done:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VZEROUPPER
	RET

// func dot64AVX2(a, b *float32, n int, s *[8]float64)
//
// s[j] += a[i+j]·b[i+j] in float64 for i = 0, 8, …, n−8 (the product of
// two float32 values is exact in float64, so fusing the add changes
// nothing).
TEXT ·dot64AVX2(SB), NOSPLIT, $0-32
	MOVQ    a+0(FP), SI
	MOVQ    b+8(FP), DX
	MOVQ    n+16(FP), CX
	MOVQ    s+24(FP), DI
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	SHRQ    $3, CX
	JZ      dot_done

dot_loop:
	VCVTPS2PD   (SI), Y2
	VCVTPS2PD   16(SI), Y3
	VCVTPS2PD   (DX), Y4
	VCVTPS2PD   16(DX), Y5
	VFMADD231PD Y4, Y2, Y0
	VFMADD231PD Y5, Y3, Y1
	ADDQ        $32, SI
	ADDQ        $32, DX
	DECQ        CX
	JNZ         dot_loop

dot_done:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VZEROUPPER
	RET

// func axpbAVX2(y, x *float32, a, b float32, n int)
//
// y[i] = a·x[i] + b, rounded twice.
TEXT ·axpbAVX2(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS a+16(FP), Y14
	VBROADCASTSS b+20(FP), Y15
	MOVQ         n+24(FP), CX
	SHRQ         $3, CX
	JZ           axpb_done

axpb_loop:
	VMULPS  (SI), Y14, Y0
	VADDPS  Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     axpb_loop

axpb_done:
	VZEROUPPER
	RET

// func foldAVX2(e, o, xf, xb *float32, n int)
//
// e[q] = xf[q] + xb[7−q], o[q] = xf[q] − xb[7−q] for q < n, xb stepping
// back by 8 per vector: xf = &x[1], xb = &x[l−8] give the folded parts of
// t = 1 … n from x[t] and x[l−t].
TEXT ·foldAVX2(SB), NOSPLIT, $0-40
	MOVQ    e+0(FP), DI
	MOVQ    o+8(FP), R8
	MOVQ    xf+16(FP), SI
	MOVQ    xb+24(FP), DX
	MOVQ    n+32(FP), CX
	VMOVDQU rev<>(SB), Y15
	SHRQ    $3, CX
	JZ      fold_done

fold_loop:
	VMOVUPS (SI), Y0
	VPERMPS (DX), Y15, Y1
	VADDPS  Y1, Y0, Y2
	VSUBPS  Y1, Y0, Y3
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, (R8)
	ADDQ    $32, SI
	SUBQ    $32, DX
	ADDQ    $32, DI
	ADDQ    $32, R8
	DECQ    CX
	JNZ     fold_loop

fold_done:
	VZEROUPPER
	RET

// func unfoldAVX2(yf, yb, e, o *float32, b float32, n, add int)
//
// For q < n, with u = (e[q] + o[q]) + b and v = (e[q] − o[q]) + b:
// yf[q] += u and the reversed yb[7−q] += v (yb stepping back by 8 per
// vector), or without add yf[q] = 0 + u, yb[7−q] = 0 + v (the scalar
// code's clear, then add).
TEXT ·unfoldAVX2(SB), NOSPLIT, $0-56
	MOVQ         yf+0(FP), DI
	MOVQ         yb+8(FP), DX
	MOVQ         e+16(FP), SI
	MOVQ         o+24(FP), R8
	VBROADCASTSS b+32(FP), Y14
	MOVQ         n+40(FP), CX
	MOVQ         add+48(FP), R9
	VMOVDQU      rev<>(SB), Y15
	VXORPS       Y13, Y13, Y13
	SHRQ         $3, CX
	JZ           unfold_done

unfold_loop:
	VMOVUPS (SI), Y0
	VMOVUPS (R8), Y1
	VADDPS  Y1, Y0, Y2
	VSUBPS  Y1, Y0, Y3
	VADDPS  Y14, Y2, Y2
	VADDPS  Y14, Y3, Y3
	VPERMPS Y3, Y15, Y3
	TESTQ   R9, R9
	JZ      unfold_set
	VADDPS  (DI), Y2, Y2
	VADDPS  (DX), Y3, Y3
	JMP     unfold_store

unfold_set:
	VADDPS Y13, Y2, Y2
	VADDPS Y13, Y3, Y3

unfold_store:
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, (DX)
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, DI
	SUBQ    $32, DX
	DECQ    CX
	JNZ     unfold_loop

unfold_done:
	VZEROUPPER
	RET

// func mixAVX2(yr, yi, xr, xi, wr, wi *float32, n int)
//
// yr[k] += a·p − c·q and yi[k] += a·q + c·p for k < n, with a = xr[k],
// c = xi[k], p = wr[k], q = wi[k].
TEXT ·mixAVX2(SB), NOSPLIT, $0-56
	MOVQ yr+0(FP), DI
	MOVQ yi+8(FP), R8
	MOVQ xr+16(FP), SI
	MOVQ xi+24(FP), R9
	MOVQ wr+32(FP), R10
	MOVQ wi+40(FP), R11
	MOVQ n+48(FP), CX
	SHRQ $3, CX
	JZ   mix_done

mix_loop:
	VMOVUPS (SI), Y0
	VMOVUPS (R9), Y1
	VMOVUPS (R10), Y2
	VMOVUPS (R11), Y3
	VMULPS  Y2, Y0, Y4
	VMULPS  Y3, Y1, Y5
	VSUBPS  Y5, Y4, Y4
	VADDPS  (DI), Y4, Y4
	VMOVUPS Y4, (DI)
	VMULPS  Y3, Y0, Y6
	VMULPS  Y2, Y1, Y7
	VADDPS  Y7, Y6, Y6
	VADDPS  (R8), Y6, Y6
	VMOVUPS Y6, (R8)
	ADDQ    $32, SI
	ADDQ    $32, R9
	ADDQ    $32, R10
	ADDQ    $32, R11
	ADDQ    $32, DI
	ADDQ    $32, R8
	DECQ    CX
	JNZ     mix_loop

mix_done:
	VZEROUPPER
	RET

// func mixBackAVX2(dxr, dxi, dyr, dyi, wr, wi *float32, n int)
//
// dxr[k] += dyr[k]·p + dyi[k]·q and dxi[k] += dyi[k]·p − dyr[k]·q for
// k < n, with p = wr[k], q = wi[k].
TEXT ·mixBackAVX2(SB), NOSPLIT, $0-56
	MOVQ dxr+0(FP), DI
	MOVQ dxi+8(FP), R8
	MOVQ dyr+16(FP), SI
	MOVQ dyi+24(FP), R9
	MOVQ wr+32(FP), R10
	MOVQ wi+40(FP), R11
	MOVQ n+48(FP), CX
	SHRQ $3, CX
	JZ   mixb_done

mixb_loop:
	VMOVUPS (SI), Y0
	VMOVUPS (R9), Y1
	VMOVUPS (R10), Y2
	VMOVUPS (R11), Y3
	VMULPS  Y2, Y0, Y4
	VMULPS  Y3, Y1, Y5
	VADDPS  Y5, Y4, Y4
	VADDPS  (DI), Y4, Y4
	VMOVUPS Y4, (DI)
	VMULPS  Y2, Y1, Y6
	VMULPS  Y3, Y0, Y7
	VSUBPS  Y7, Y6, Y6
	VADDPS  (R8), Y6, Y6
	VMOVUPS Y6, (R8)
	ADDQ    $32, SI
	ADDQ    $32, R9
	ADDQ    $32, R10
	ADDQ    $32, R11
	ADDQ    $32, DI
	ADDQ    $32, R8
	DECQ    CX
	JNZ     mixb_loop

mixb_done:
	VZEROUPPER
	RET

// func mixGradAVX2(dw, xr, xi, dyr, dyi *float32, n int)
//
// dw[2k] += dyr[k]·xr[k] + dyi[k]·xi[k] and dw[2k+1] += dyi[k]·xr[k] −
// dyr[k]·xi[k] for k < n (dw interleaved: real, imaginary).
TEXT ·mixGradAVX2(SB), NOSPLIT, $0-48
	MOVQ dw+0(FP), DI
	MOVQ xr+8(FP), SI
	MOVQ xi+16(FP), R9
	MOVQ dyr+24(FP), R10
	MOVQ dyi+32(FP), R11
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ   grad_done

grad_loop:
	VMOVUPS    (SI), Y0
	VMOVUPS    (R9), Y1
	VMOVUPS    (R10), Y2
	VMOVUPS    (R11), Y3
	VMULPS     Y0, Y2, Y4
	VMULPS     Y1, Y3, Y5
	VADDPS     Y5, Y4, Y4
	VMULPS     Y0, Y3, Y6
	VMULPS     Y1, Y2, Y7
	VSUBPS     Y7, Y6, Y6
	VUNPCKLPS  Y6, Y4, Y8
	VUNPCKHPS  Y6, Y4, Y9
	VPERM2F128 $0x20, Y9, Y8, Y10
	VPERM2F128 $0x31, Y9, Y8, Y11
	VADDPS     (DI), Y10, Y10
	VADDPS     32(DI), Y11, Y11
	VMOVUPS    Y10, (DI)
	VMOVUPS    Y11, 32(DI)
	ADDQ       $32, SI
	ADDQ       $32, R9
	ADDQ       $32, R10
	ADDQ       $32, R11
	ADDQ       $64, DI
	DECQ       CX
	JNZ        grad_loop

grad_done:
	VZEROUPPER
	RET

// func adamAVX2(p, grad, m, v *float32, n int, step, bc2sqrt, w1, b2, w2, eps, wd float32, decay int)
//
// Adam (purego.go) for i < n: with decay, g' = g + wd·x, else g' = g;
// m += w1·(g' − m), v = v·b2 + (w2·g')·g', p = x − step·(m/(sqrt(v)/bc2sqrt + eps)),
// every operation rounded (no FMA), as the scalar loop and adam.c.
TEXT ·adamAVX2(SB), NOSPLIT, $0-80
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSS step+40(FP), Y8
	VBROADCASTSS bc2sqrt+44(FP), Y9
	VBROADCASTSS w1+48(FP), Y10
	VBROADCASTSS b2+52(FP), Y11
	VBROADCASTSS w2+56(FP), Y12
	VBROADCASTSS eps+60(FP), Y13
	VBROADCASTSS wd+64(FP), Y14
	MOVQ         decay+72(FP), R10
	SHRQ         $3, CX
	JZ           adam_done

adam_loop:
	VMOVUPS (DI), Y0
	VMOVUPS (SI), Y1
	TESTQ   R10, R10
	JZ      adam_grad
	VMULPS  Y0, Y14, Y2
	VADDPS  Y2, Y1, Y1

adam_grad:
	VMOVUPS (R8), Y2
	VSUBPS  Y2, Y1, Y3
	VMULPS  Y3, Y10, Y3
	VADDPS  Y3, Y2, Y2
	VMOVUPS (R9), Y4
	VMULPS  Y11, Y4, Y4
	VMULPS  Y1, Y12, Y5
	VMULPS  Y1, Y5, Y5
	VADDPS  Y5, Y4, Y4
	VSQRTPS Y4, Y5
	VDIVPS  Y9, Y5, Y5
	VADDPS  Y13, Y5, Y5
	VDIVPS  Y5, Y2, Y6
	VMULPS  Y6, Y8, Y6
	VSUBPS  Y6, Y0, Y0
	VMOVUPS Y2, (R8)
	VMOVUPS Y4, (R9)
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     adam_loop

adam_done:
	VZEROUPPER
	RET

// func adamwAVX2(p, grad, m, v *float32, n int, b1, w1, b2, w2, eps, step, decay float32, wd, pairs int)
//
// AdamW and AdamWComplex (purego.go) for i < n: m = m·b1 + w1·g,
// v = v·b2 + s with s = (w2·g)·g, x = p − step·(m/(sqrt(v) + eps)), and with
// wd p = x + decay·x; every operation rounded (no FMA). With pairs, (re, im)
// pairs share one second moment as in the scalar loop: s is re's term plus
// im's in both lanes (VPERMILPS swaps them; the odd lane's im² + re² is the
// same sum, addition commuting exactly) and v is the pair's first (VMOVSLDUP).
TEXT ·adamwAVX2(SB), NOSPLIT, $0-88
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSS b1+40(FP), Y8
	VBROADCASTSS w1+44(FP), Y9
	VBROADCASTSS b2+48(FP), Y10
	VBROADCASTSS w2+52(FP), Y11
	VBROADCASTSS eps+56(FP), Y12
	VBROADCASTSS step+60(FP), Y13
	VBROADCASTSS decay+64(FP), Y14
	MOVQ         wd+72(FP), R10
	MOVQ         pairs+80(FP), R11
	SHRQ         $3, CX
	JZ           adamw_done

adamw_loop:
	VMOVUPS   (SI), Y1
	VMOVUPS   (R8), Y2
	VMULPS    Y8, Y2, Y2
	VMULPS    Y1, Y9, Y3
	VADDPS    Y3, Y2, Y2
	VMULPS    Y1, Y11, Y3
	VMULPS    Y1, Y3, Y3
	TESTQ     R11, R11
	JZ        adamw_real
	VPERMILPS $0xB1, Y3, Y4
	VADDPS    Y4, Y3, Y3
	VMOVSLDUP (R9), Y4
	JMP       adamw_v

adamw_real:
	VMOVUPS (R9), Y4

adamw_v:
	VMULPS  Y10, Y4, Y4
	VADDPS  Y3, Y4, Y4
	VSQRTPS Y4, Y5
	VADDPS  Y12, Y5, Y5
	VDIVPS  Y5, Y2, Y6
	VMULPS  Y6, Y13, Y6
	VMOVUPS (DI), Y0
	VSUBPS  Y6, Y0, Y0
	TESTQ   R10, R10
	JZ      adamw_store
	VMULPS  Y0, Y14, Y7
	VADDPS  Y7, Y0, Y0

adamw_store:
	VMOVUPS Y2, (R8)
	VMOVUPS Y4, (R9)
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     adamw_loop

adamw_done:
	VZEROUPPER
	RET

// func addAVX2(d, x *float32, n int)
//
// d[i] += x[i] for i < n.
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JZ   add_one

add_loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VADDPS  (SI), Y0, Y0
	VADDPS  32(SI), Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     add_loop

add_one:
	TESTQ   $8, n+16(FP)
	JZ      add_done
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)

add_done:
	VZEROUPPER
	RET
