// Inverted dropout with the counter-based mask of mask.ts: element i is kept when u(seed, i) ≥ p and
// kept elements are scaled by 1/(1 − p). p = 0 keeps everything with scale 1 (identity); p ≥ 1 drops
// everything.
import { D_FOUR, D_STEP, dropoutConst, keepScaleOf, maskS, maskV } from "./mask";

/** mask[n] = (u(seed, i) ≥ p) / (1 − p); y[n] = x[n] · mask[n] */
export function dropoutForward(y: usize, mask: usize, x: usize, n: i32, p: f32, seed: u32): void {
  const keepScale = keepScaleOf(p);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const seedV = i32x4.splat(<i32>seed);
    const pV = f32x4.splat(p);
    const scaleV = f32x4.splat(keepScale);
    let lane = i32x4(0, 1, 2, 3);
    // two vectors per iteration (lanes i.. and i + 4..); the scalar loop does the last n % 8
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      const m0 = maskV(seedV, lane, pV, scaleV);
      const m1 = maskV(seedV, i32x4.add(lane, dropoutConst(D_FOUR)), pV, scaleV);
      v128.store(mask + o, m0);
      v128.store(mask + o, m1, 16);
      v128.store(y + o, f32x4.mul(v128.load(x + o), m0));
      v128.store(y + o, f32x4.mul(v128.load(x + o, 16), m1), 16);
      lane = i32x4.add(lane, dropoutConst(D_STEP));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const m = maskS(seed, <u32>i, p, keepScale);
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}
