// exp(x) for x ≤ 0 (softmax arguments after max subtraction), shared by the loss and attention
// kernels: 2^n · e^r with r = x − n·ln2, |r| ≤ ln2/2, and a degree-5 polynomial for e^r (Cephes
// expf, relative error ~1e-7). The SIMD and scalar versions give identical results. Not exported
// from the module (index.ts).

// The Cephes expf constants, also used by the full-range exp in elementwise.ts.
export const LOG2E: f32 = 1.44269504;
export const LN2_HI: f32 = 0.693359375; // ln2 split so n·LN2_HI is exact for |n| ≤ 128
export const LN2_LO: f32 = -2.12194440e-4;
const EXP_MIN: f32 = -87.3365448; // ln(FLT_MIN): below this exp underflows, flushed to 0
export const P0: f32 = 1.9875691500e-4;
export const P1: f32 = 1.3981999507e-3;
export const P2: f32 = 8.3334519073e-3;
export const P3: f32 = 4.1665795894e-2;
export const P4: f32 = 1.6666665459e-1;
export const P5: f32 = 5.0000001201e-1;

// @ts-ignore: decorator
@inline export function expNeg(x: f32): f32 {
  if (x < EXP_MIN) return 0;
  const n = nearest<f32>(x * LOG2E);
  const r = x - n * LN2_HI - n * LN2_LO;
  const p = (((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5) * r * r + r + 1;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

// expNeg4 reads its constants from this table with v128.load32_splat (one broadcast load from a
// constant address) rather than f32x4.splat, which V8 re-materialises on every loop iteration (see the
// note above TANH_TABLE in elementwise.ts). X_… are byte offsets.
const EXPF_TABLE = memory.data<f32>([EXP_MIN, LOG2E, 12582912.0, LN2_HI, LN2_LO, P0, P1, P2, P3, P4, P5, 1.0]);
const X_EXP_MIN: usize = 0;
const X_LOG2E: usize = 4;
const X_ROUND_MAGIC: usize = 8; // 1.5·2²³
const X_LN2_HI: usize = 12;
const X_LN2_LO: usize = 16;
const X_P0: usize = 20;
const X_P1: usize = 24;
const X_P2: usize = 28;
const X_P3: usize = 32;
const X_P4: usize = 36;
const X_P5: usize = 40;
const X_ONE: usize = 44;

/** EXPF_TABLE[offset] in all 4 lanes. */
// @ts-ignore: decorator
@inline function expfConst(offset: usize): v128 {
  return v128.load32_splat(EXPF_TABLE + offset);
}

// @ts-ignore: decorator
@inline export function expNeg4(x: v128): v128 {
  const underflow = f32x4.lt(x, expfConst(X_EXP_MIN));
  // n = nearest(x·log2e) by the 1.5·2²³ trick: k = x·log2e + 1.5·2²³ rounds to an integer (ties to
  // even, as nearest) for |x·log2e| < 2²², and k's low mantissa bits hold n, so k << 23 = n << 23
  const k = f32x4.add(f32x4.mul(x, expfConst(X_LOG2E)), expfConst(X_ROUND_MAGIC));
  const n = f32x4.sub(k, expfConst(X_ROUND_MAGIC));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, expfConst(X_LN2_HI))), f32x4.mul(n, expfConst(X_LN2_LO)));
  let p = f32x4.add(f32x4.mul(expfConst(X_P0), r), expfConst(X_P1));
  p = f32x4.add(f32x4.mul(p, r), expfConst(X_P2));
  p = f32x4.add(f32x4.mul(p, r), expfConst(X_P3));
  p = f32x4.add(f32x4.mul(p, r), expfConst(X_P4));
  p = f32x4.add(f32x4.mul(p, r), expfConst(X_P5));
  const one = expfConst(X_ONE);
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), one);
  // 2^n = bits (n + 127) << 23 = (n << 23) + bits(1.0); lanes that underflow (x·log2e below −126, or
  // beyond the trick's range) would get a garbage exponent and are zeroed
  const scale = i32x4.add(i32x4.shl(k, 23), one);
  return v128.andnot(f32x4.mul(p, scale), underflow);
}
