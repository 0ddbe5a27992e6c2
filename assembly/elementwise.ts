// Elementwise kernels: activations (tanh, GELU), residual adds, scaling, zero/copy, squared norm.
// Each kernel runs f32x4 over the first n & ~3 elements and a scalar tail. The scalar helpers below
// perform the same f32 operations in the same order as their f32x4 twins, so the SIMD and scalar
// builds give bit-identical results (sumSquares aside: its float64 summation order differs).

// ---- exp(x), Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, e^r by a degree-7 polynomial, 2^n via the
// exponent bits. x is clamped to [-87, 88] so 2^n stays a normal float (e^-87 ≈ 1.6e-38 stands in for
// underflow, e^88 ≈ 1.65e38 for overflow). Measured max relative error vs Math.exp: 8.0e-8 (1.3 ulp).
const EXP_LO: f32 = -87.0;
const EXP_HI: f32 = 88.0;
import { LOG2E, LN2_HI, LN2_LO, P0 as EXP_P0, P1 as EXP_P1, P2 as EXP_P2, P3 as EXP_P3, P4 as EXP_P4, P5 as EXP_P5 } from "./expf";

// @ts-ignore: decorator
@inline function expS(x: f32): f32 {
  x = min(max(x, EXP_LO), EXP_HI);
  const n = nearest<f32>(x * LOG2E);
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  let p = EXP_P0;
  p = p * r + EXP_P1;
  p = p * r + EXP_P2;
  p = p * r + EXP_P3;
  p = p * r + EXP_P4;
  p = p * r + EXP_P5;
  p = p * (r * r) + r + 1.0;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

/** e^x of 4 lanes (the f32x4 twin of expS), constants from MATH_TABLE. */
// @ts-ignore: decorator
@inline function expV(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, mathConst(M_EXP_LO)), mathConst(M_EXP_HI));
  // n = nearest(x·log2e) by the 1.5·2²³ trick: k = x·log2e + 1.5·2²³ rounds to an integer (ties to
  // even, as nearest) since |x·log2e| < 2²²; k's low mantissa bits hold n, so k << 23 = n << 23
  const k = f32x4.add(f32x4.mul(x, mathConst(M_LOG2E)), mathConst(M_ROUND_MAGIC));
  const n = f32x4.sub(k, mathConst(M_ROUND_MAGIC));
  let r = f32x4.sub(x, f32x4.mul(n, mathConst(M_LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, mathConst(M_LN2_LO)));
  let p = mathConst(M_EXP_P0);
  p = f32x4.add(f32x4.mul(p, r), mathConst(M_EXP_P1));
  p = f32x4.add(f32x4.mul(p, r), mathConst(M_EXP_P2));
  p = f32x4.add(f32x4.mul(p, r), mathConst(M_EXP_P3));
  p = f32x4.add(f32x4.mul(p, r), mathConst(M_EXP_P4));
  p = f32x4.add(f32x4.mul(p, r), mathConst(M_EXP_P5));
  const one = mathConst(M_ONE);
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), one);
  // 2^n = bits (n + 127) << 23 = (n << 23) + bits(1.0)
  const twoN = i32x4.add(i32x4.shl(k, 23), one);
  return f32x4.mul(p, twoN);
}

// ---- tanh(x), Eigen's rational approximation (odd degree-13 numerator / even degree-6 denominator),
// x clamped to ±7.90531 where it reaches ±1. Measured over [-20, 20] in steps of 1e-5 (f32
// arithmetic): max abs error 3.95e-7 vs Math.tanh (at |x| ≈ 5.77), max relative error 3.95e-7;
// large |x| gives exactly ±1. Tiny x needs no branch of its own: p/q → x·A1/B0 = x·(1 − 1.3e-7)
// (measured ≤ 1.8e-7 relative for |x| < 2e-5; a tanh(x) = x branch cost 12% of the SIMD kernel).
const TANH_CLAMP: f32 = 7.90531110763549805;
const TANH_A1: f32 = 4.89352455891786e-3;
const TANH_A3: f32 = 6.37261928875436e-4;
const TANH_A5: f32 = 1.48572235717979e-5;
const TANH_A7: f32 = 5.12229709037114e-8;
const TANH_A9: f32 = -8.60467152213735e-11;
const TANH_A11: f32 = 2.00018790482477e-13;
const TANH_A13: f32 = -2.76076847742355e-16;
const TANH_B0: f32 = 4.89352518554385e-3;
const TANH_B2: f32 = 2.26843463243900e-3;
const TANH_B4: f32 = 1.18534705686654e-4;
const TANH_B6: f32 = 1.19825839466702e-6;

// @ts-ignore: decorator
@inline function tanhS(x: f32): f32 {
  const c = min(max(x, -TANH_CLAMP), TANH_CLAMP);
  const c2 = c * c;
  let p = TANH_A13;
  p = p * c2 + TANH_A11;
  p = p * c2 + TANH_A9;
  p = p * c2 + TANH_A7;
  p = p * c2 + TANH_A5;
  p = p * c2 + TANH_A3;
  p = p * c2 + TANH_A1;
  p = p * c;
  let q = TANH_B6;
  q = q * c2 + TANH_B4;
  q = q * c2 + TANH_B2;
  q = q * c2 + TANH_B0;
  return p / q;
}

// ---- erf(x), Norbert Juffa's single-precision erff: erf(x) = x + x·P(x²) for |x| ≤ 0.9277, else
// sign(x)·(1 − exp(Q(|x|))) with Q a degree-7 polynomial. Evaluated with separate mul/add (no FMA),
// measured over [-6, 6] in steps of 1e-5 against a float64 erf: max abs error 6.6e-8, max relative
// error 9.4e-8.
const ERF_SPLIT: f32 = 0.927734375;
const ERF_S0: f32 = -5.96761703e-4;
const ERF_S1: f32 = 4.99119423e-3;
const ERF_S2: f32 = -2.67681349e-2;
const ERF_S3: f32 = 1.12819925e-1;
const ERF_S4: f32 = -3.76125336e-1;
const ERF_S5: f32 = 1.28379166e-1;
const ERF_L0: f32 = -1.72853470e-5;
const ERF_L1: f32 = 3.83197126e-4;
const ERF_L2: f32 = -3.88396438e-3;
const ERF_L3: f32 = 2.42546219e-2;
const ERF_L4: f32 = -1.06777877e-1;
const ERF_L5: f32 = -6.34846687e-1;
const ERF_L6: f32 = -1.28717512e-1;

// @ts-ignore: decorator
@inline function erfS(a: f32): f32 {
  const t = abs(a);
  const s = a * a;
  if (t > ERF_SPLIT) {
    let r = ERF_L0 * t + ERF_L1;
    const u = ERF_L2 * t + ERF_L3;
    r = r * s + u;
    r = r * t + ERF_L4;
    r = r * t + ERF_L5;
    r = r * t + ERF_L6;
    r = r * t - t;
    return copysign<f32>(1.0 - expS(r), a);
  }
  let r = ERF_S0;
  r = r * s + ERF_S1;
  r = r * s + ERF_S2;
  r = r * s + ERF_S3;
  r = r * s + ERF_S4;
  r = r * s + ERF_S5;
  return r * a + a;
}

/** erf of 4 lanes (the f32x4 twin of erfS: both branches, then a select), constants from MATH_TABLE at t. */
// @ts-ignore: decorator
@inline function erfV(a: v128): v128 {
  const at = v128.andnot(a, mathConst(M_NEG_ZERO)); // |a|
  const s = f32x4.mul(a, a);
  let r = f32x4.add(f32x4.mul(mathConst(M_ERF_L0), at), mathConst(M_ERF_L1));
  const u = f32x4.add(f32x4.mul(mathConst(M_ERF_L2), at), mathConst(M_ERF_L3));
  r = f32x4.add(f32x4.mul(r, s), u);
  r = f32x4.add(f32x4.mul(r, at), mathConst(M_ERF_L4));
  r = f32x4.add(f32x4.mul(r, at), mathConst(M_ERF_L5));
  r = f32x4.add(f32x4.mul(r, at), mathConst(M_ERF_L6));
  r = f32x4.sub(f32x4.mul(r, at), at);
  const signBit = v128.and(a, mathConst(M_NEG_ZERO));
  const large = v128.or(f32x4.sub(mathConst(M_ONE), expV(r)), signBit);
  let q = mathConst(M_ERF_S0);
  q = f32x4.add(f32x4.mul(q, s), mathConst(M_ERF_S1));
  q = f32x4.add(f32x4.mul(q, s), mathConst(M_ERF_S2));
  q = f32x4.add(f32x4.mul(q, s), mathConst(M_ERF_S3));
  q = f32x4.add(f32x4.mul(q, s), mathConst(M_ERF_S4));
  q = f32x4.add(f32x4.mul(q, s), mathConst(M_ERF_S5));
  const small = f32x4.add(f32x4.mul(q, a), a);
  return v128.bitselect(large, small, f32x4.gt(at, mathConst(M_ERF_SPLIT)));
}

// ---- GELU constants (PyTorch's names): exact form uses Φ(x) = ½(1 + erf(x/√2)) and
// φ(x) = e^(−x²/2)/√(2π); the tanh form 0.5·x·(1 + tanh(u)), u = √(2/π)(x + κx³), is computed as
// x·σ(2u) with σ(z) = 1/(1 + e^(−z)), the same function without tanh's cancellation for u ≪ 0.
const SQRT1_2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;
const GELU_BETA: f32 = 0.7978845608028654; // √(2/π)
const GELU_KAPPA: f32 = 0.044715;
// Beyond ±GELU_TAIL the GELU slope terms are below 1e-20 (and σ below 1e-37 on the negative side):
// they are evaluated at the clamped x so x³ and x² cannot overflow into inf·0 = NaN, and the tanh
// form's σ is exactly 0 below −GELU_TAIL, so GELU(x) = −0 there as in PyTorch.
const GELU_TAIL: f32 = 10.0;

// Constants of expV, erfV and the GELU kernels' SIMD paths, read with v128.load32_splat(MATH_TABLE,
// M_…) rather than f32x4.splat (see the note above TANH_TABLE); M_… are byte offsets.
const MATH_TABLE = memory.data<f32>([
  EXP_LO, EXP_HI, LOG2E, LN2_HI, LN2_LO, EXP_P0, EXP_P1, EXP_P2, EXP_P3, EXP_P4, EXP_P5, 1.0, -0.0,
  ERF_SPLIT, ERF_S0, ERF_S1, ERF_S2, ERF_S3, ERF_S4, ERF_S5,
  ERF_L0, ERF_L1, ERF_L2, ERF_L3, ERF_L4, ERF_L5, ERF_L6,
  SQRT1_2, INV_SQRT_2PI, GELU_BETA, GELU_KAPPA, 3.0 * GELU_KAPPA, GELU_TAIL, -GELU_TAIL, 0.5, -0.5, -2.0,
  12582912.0,
]);
const M_EXP_LO: usize = 0;
const M_EXP_HI: usize = 4;
const M_LOG2E: usize = 8;
const M_LN2_HI: usize = 12;
const M_LN2_LO: usize = 16;
const M_EXP_P0: usize = 20;
const M_EXP_P1: usize = 24;
const M_EXP_P2: usize = 28;
const M_EXP_P3: usize = 32;
const M_EXP_P4: usize = 36;
const M_EXP_P5: usize = 40;
const M_ONE: usize = 44;
const M_NEG_ZERO: usize = 48;
const M_ERF_SPLIT: usize = 52;
const M_ERF_S0: usize = 56;
const M_ERF_S1: usize = 60;
const M_ERF_S2: usize = 64;
const M_ERF_S3: usize = 68;
const M_ERF_S4: usize = 72;
const M_ERF_S5: usize = 76;
const M_ERF_L0: usize = 80;
const M_ERF_L1: usize = 84;
const M_ERF_L2: usize = 88;
const M_ERF_L3: usize = 92;
const M_ERF_L4: usize = 96;
const M_ERF_L5: usize = 100;
const M_ERF_L6: usize = 104;
const M_SQRT1_2: usize = 108;
const M_INV_SQRT_2PI: usize = 112;
const M_BETA: usize = 116;
const M_KAPPA: usize = 120;
const M_KAPPA3: usize = 124;
const M_TAIL: usize = 128;
const M_NEG_TAIL: usize = 132;
const M_HALF: usize = 136;
const M_NEG_HALF: usize = 140;
const M_NEG_TWO: usize = 144;
const M_ROUND_MAGIC: usize = 148; // 1.5·2²³

/** MATH_TABLE[offset] in all 4 lanes (one broadcast load from a constant address). */
// @ts-ignore: decorator
@inline function mathConst(offset: usize): v128 {
  return v128.load32_splat(MATH_TABLE + offset);
}

// ---- tanh ------------------------------------------------------------------------------------------

// V8 does not hoist constants out of loops: every f32x4.splat(constant) in a loop body costs three
// instructions per iteration, and f32x4.min/max (NaN-propagating) about eight each. tanhTable4 reads
// its constants from this table (one broadcast load each) and clamps with pmin/pmax (single
// minps/maxps; a NaN x still gives NaN). It performs the same f32 operations in the same order as
// tanhS. Four vectors per loop iteration overlap their long polynomial/division chains (measured
// 12% faster than two at n = 6,400; an Estrin-form polynomial was slower at four).
const TANH_TABLE = memory.data<f32>([
  TANH_A13, TANH_A11, TANH_A9, TANH_A7, TANH_A5, TANH_A3, TANH_A1,
  TANH_B6, TANH_B4, TANH_B2, TANH_B0, TANH_CLAMP, 1.0,
]);

/** tanh of 4 lanes (the f32x4 twin of tanhS), constants read from TANH_TABLE at t. */
// @ts-ignore: decorator
@inline function tanhTable4(xv: v128, t: usize): v128 {
  const hi = v128.load32_splat(t + 44);
  const c = f32x4.pmax(f32x4.pmin(xv, hi), f32x4.neg(hi));
  const c2 = f32x4.mul(c, c);
  let p = f32x4.add(f32x4.mul(v128.load32_splat(t), c2), v128.load32_splat(t + 4));
  p = f32x4.add(f32x4.mul(p, c2), v128.load32_splat(t + 8));
  p = f32x4.add(f32x4.mul(p, c2), v128.load32_splat(t + 12));
  p = f32x4.add(f32x4.mul(p, c2), v128.load32_splat(t + 16));
  p = f32x4.add(f32x4.mul(p, c2), v128.load32_splat(t + 20));
  p = f32x4.add(f32x4.mul(p, c2), v128.load32_splat(t + 24));
  p = f32x4.mul(p, c);
  let q = f32x4.add(f32x4.mul(v128.load32_splat(t + 28), c2), v128.load32_splat(t + 32));
  q = f32x4.add(f32x4.mul(q, c2), v128.load32_splat(t + 36));
  q = f32x4.add(f32x4.mul(q, c2), v128.load32_splat(t + 40));
  return f32x4.div(p, q);
}

/** y[n] = tanh(x[n]) */
export function tanhForward(y: usize, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const t = TANH_TABLE;
    for (; i + 16 <= n; i += 16) {
      const o = <usize>i << 2;
      const y0 = tanhTable4(v128.load(x + o), t);
      const y1 = tanhTable4(v128.load(x + o, 16), t);
      const y2 = tanhTable4(v128.load(x + o, 32), t);
      const y3 = tanhTable4(v128.load(x + o, 48), t);
      v128.store(y + o, y0);
      v128.store(y + o, y1, 16);
      v128.store(y + o, y2, 32);
      v128.store(y + o, y3, 48);
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, tanhTable4(v128.load(x + o), t));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, tanhS(load<f32>(x + o)));
  }
}

/** dx[n] += dy[n] · (1 − y[n]²) */
export function tanhBackward(dx: usize, dy: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = v128.load32_splat(TANH_TABLE + 48); // from the table: hoisted out of the loop
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const yv = v128.load(y + o);
      const local = f32x4.sub(one, f32x4.mul(yv, yv));
      v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(v128.load(dy + o), local)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const yv = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * (1.0 - yv * yv));
  }
}

// ---- GELU ------------------------------------------------------------------------------------------

// The forward pass computes GELU'(x) too when a backward may follow (withSlope), sharing the
// erf/exp work; the backward is then dx += dy·GELU'(x) (multiplyAccumulate), with nothing
// transcendental left to evaluate.

/** Φ(x) = ½(1 + erf(x/√2)) of 4 lanes (GELU, exact form, is x·Φ(x)). */
// @ts-ignore: decorator
@inline function normalCdfV(xv: v128): v128 {
  return f32x4.mul(mathConst(M_HALF), f32x4.add(mathConst(M_ONE), erfV(f32x4.mul(xv, mathConst(M_SQRT1_2)))));
}

/** x clamped to ±GELU_TAIL, where x³ and x² cannot overflow into inf·0 = NaN. */
// @ts-ignore: decorator
@inline function clampTailV(xv: v128): v128 {
  return f32x4.pmin(f32x4.pmax(xv, mathConst(M_NEG_TAIL)), mathConst(M_TAIL));
}

/** GELU'(x) = Φ(x) + x·φ(x) of 4 lanes, given Φ(x); x clamped to ±GELU_TAIL inside x·φ(x). */
// @ts-ignore: decorator
@inline function geluErfSlopeV(xv: v128, cdf: v128): v128 {
  const xc = clampTailV(xv);
  const pdf = f32x4.mul(expV(f32x4.mul(mathConst(M_NEG_HALF), f32x4.mul(xc, xc))), mathConst(M_INV_SQRT_2PI));
  return f32x4.add(cdf, f32x4.mul(xc, pdf));
}

/** e = e^(−2u), u = √(2/π)(x + κx³), of 4 lanes with x clamped to ±GELU_TAIL (tanh form: σ(2u) = 1/(1 + e)). */
// @ts-ignore: decorator
@inline function geluTanhExpV(xc: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(xc, xc), xc);
  const u = f32x4.mul(mathConst(M_BETA), f32x4.add(xc, f32x4.mul(mathConst(M_KAPPA), x3)));
  return expV(f32x4.mul(mathConst(M_NEG_TWO), u));
}

/**
 * Tanh form GELU'(x) = σ + 2x·σ(1−σ)·√(2/π)(1 + 3κx²) of 4 lanes, given σ = σ(2u) and e = e^(−2u):
 * 1 − σ is taken as e·σ (no cancellation as σ → 1).
 */
// @ts-ignore: decorator
@inline function geluTanhSlopeV(xc: v128, sig: v128, e: v128): v128 {
  const du = f32x4.mul(mathConst(M_BETA), f32x4.add(mathConst(M_ONE), f32x4.mul(mathConst(M_KAPPA3), f32x4.mul(xc, xc))));
  return f32x4.add(sig, f32x4.mul(f32x4.mul(f32x4.mul(f32x4.add(xc, xc), sig), f32x4.mul(e, sig)), du));
}

/** Tanh form σ(2u) = 1/(1 + e) of 4 lanes, e = e^(−2u); exactly 0 below −GELU_TAIL (GELU(x) = −0 there, as in PyTorch). */
// @ts-ignore: decorator
@inline function geluTanhSigV(xv: v128, e: v128): v128 {
  const one = mathConst(M_ONE);
  return v128.andnot(f32x4.div(one, f32x4.add(one, e)), f32x4.lt(xv, mathConst(M_NEG_TAIL)));
}

/**
 * GELU (and with slope GELU') over n8 (a multiple of 8) elements, two vectors per iteration: both
 * are loaded and computed before anything is stored, so their long exp/erf chains overlap (a store
 * may alias the next load, which keeps the engine from reordering across it).
 */
// @ts-ignore: decorator
@inline function geluLoop(y: usize, dydx: usize, x: usize, n8: i32, approximate: bool, slope: bool): void {
  for (let i = 0; i < n8; i += 8) {
    const o = <usize>i << 2;
    const x0 = v128.load(x + o);
    const x1 = v128.load(x + o, 16);
    if (approximate) {
      const xc0 = clampTailV(x0);
      const xc1 = clampTailV(x1);
      const e0 = geluTanhExpV(xc0);
      const e1 = geluTanhExpV(xc1);
      const sig0 = geluTanhSigV(x0, e0);
      const sig1 = geluTanhSigV(x1, e1);
      if (slope) {
        const g0 = geluTanhSlopeV(xc0, sig0, e0);
        const g1 = geluTanhSlopeV(xc1, sig1, e1);
        v128.store(dydx + o, g0);
        v128.store(dydx + o, g1, 16);
      }
      v128.store(y + o, f32x4.mul(x0, sig0));
      v128.store(y + o, f32x4.mul(x1, sig1), 16);
    } else {
      const cdf0 = normalCdfV(x0);
      const cdf1 = normalCdfV(x1);
      if (slope) {
        const g0 = geluErfSlopeV(x0, cdf0);
        const g1 = geluErfSlopeV(x1, cdf1);
        v128.store(dydx + o, g0);
        v128.store(dydx + o, g1, 16);
      }
      v128.store(y + o, f32x4.mul(x0, cdf0));
      v128.store(y + o, f32x4.mul(x1, cdf1), 16);
    }
  }
}

/**
 * y[n] = GELU(x[n]) and, when withSlope ≠ 0, dydx[n] = GELU'(x[n]) (the backward is then
 * dx += dy·dydx, multiplyAccumulate). approximate 0: x·Φ(x), Φ(x) = ½(1 + erf(x/√2)),
 * GELU' = Φ(x) + x·φ(x); 1: PyTorch's tanh form x·σ(2u), GELU' = σ + 2x·σ(1−σ)·√(2/π)(1 + 3κx²).
 */
export function geluForward(y: usize, dydx: usize, x: usize, n: i32, approximate: i32, withSlope: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // one loop per (form, slope), the branches compiled away; the scalar loop does the last n % 8
    const n8 = n & ~7;
    if (approximate) {
      if (withSlope) geluLoop(y, dydx, x, n8, true, true);
      else geluLoop(y, dydx, x, n8, true, false);
    } else {
      if (withSlope) geluLoop(y, dydx, x, n8, false, true);
      else geluLoop(y, dydx, x, n8, false, false);
    }
    i = n8;
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const xv = load<f32>(x + o);
    const xc = min(max(xv, -GELU_TAIL), GELU_TAIL);
    let yv: f32;
    let grad: f32;
    if (approximate) {
      const u = GELU_BETA * (xc + GELU_KAPPA * (xc * xc * xc));
      const e = expS(<f32>-2.0 * u);
      const sig = xv < -GELU_TAIL ? <f32>0.0 : <f32>1.0 / (<f32>1.0 + e);
      yv = xv * sig;
      const du = GELU_BETA * (<f32>1.0 + <f32>(3.0 * GELU_KAPPA) * (xc * xc));
      grad = sig + (xc + xc) * sig * (e * sig) * du;
    } else {
      const cdf = <f32>0.5 * (<f32>1.0 + erfS(xv * SQRT1_2));
      yv = xv * cdf;
      grad = cdf + xc * (expS(<f32>-0.5 * (xc * xc)) * INV_SQRT_2PI);
    }
    store<f32>(y + o, yv);
    if (withSlope) store<f32>(dydx + o, grad);
  }
}

/** dx[n] += dy[n] · m[n]: the backward of y = x·m for a saved m (a dropout mask, a GELU slope) */
export function multiplyAccumulate(dx: usize, dy: usize, m: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(v128.load(dy + o), v128.load(m + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * load<f32>(m + o));
  }
}

// ---- adds, scaling, zero, copy ----------------------------------------------------------------------

/** y[n] = a[n] + b[n] */
export function add(y: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** y[n] += x[n] */
export function accumulate(y: usize, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(x + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + load<f32>(x + o));
  }
}

/** y[n] = x[n] · s */
export function scale(y: usize, x: usize, n: i32, s: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = f32x4.splat(s);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.mul(v128.load(x + o), sv));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) * s);
  }
}

/** buf[n] = 0 (bulk-memory memory.fill) */
export function zero(buf: usize, n: i32): void {
  memory.fill(buf, 0, <usize>n << 2);
}

/** dst[n] = src[n] (memory.copy, overlap-safe) */
export function copy(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

/** Σ x[n]², each square and the sum in float64 (exact products, ~1e-16 relative sum error) */
export function sumSquares(x: usize, n: i32): f64 {
  let i = 0;
  let sum: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let accLo = f64x2.splat(0);
    let accHi = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
      accLo = f64x2.add(accLo, f64x2.mul(lo, lo));
      accHi = f64x2.add(accHi, f64x2.mul(hi, hi));
    }
    const acc = f64x2.add(accLo, accHi);
    sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    sum += v * v;
  }
  return sum;
}
