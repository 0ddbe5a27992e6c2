// exp(x) for x ≤ 0 (softmax arguments after max subtraction), shared by the loss and attention
// kernels: 2^n · e^r with r = x − n·ln2, |r| ≤ ln2/2, and a degree-5 polynomial for e^r (Cephes
// expf, relative error ~1e-7). The SIMD and scalar versions give identical results. Not exported
// from the module (index.ts).

const LOG2E: f32 = 1.44269504;
const LN2_HI: f32 = 0.693359375; // ln2 split so n·LN2_HI is exact for |n| ≤ 128
const LN2_LO: f32 = -2.12194440e-4;
const EXP_MIN: f32 = -87.3365448; // ln(FLT_MIN): below this exp underflows, flushed to 0
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

// @ts-ignore: decorator
@inline export function expNeg(x: f32): f32 {
  if (x < EXP_MIN) return 0;
  const n = nearest<f32>(x * LOG2E);
  const r = x - n * LN2_HI - n * LN2_LO;
  const p = (((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5) * r * r + r + 1;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

// @ts-ignore: decorator
@inline export function expNeg4(x: v128): v128 {
  const underflow = f32x4.lt(x, f32x4.splat(EXP_MIN));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  // 2^n built in the exponent bits; lanes that underflow would get a garbage exponent and are zeroed
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, scale), underflow);
}
