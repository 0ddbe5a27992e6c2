// The SIMD ceiling of this machine, for the kernel benchmark's "% of ceiling" column: the matmul
// tile's inner loop (8 f32x4 accumulators, 4 broadcasts × 2 vectors of mul + add per step) with
// every operand already in registers or L1, so nothing but the arithmetic limits it.
// Not a kernel: the interface (src/kernels/types.ts) does not include it.

/** n steps of 64 FLOP each over the 16 floats at p; returns a lane so the work is not dropped. */
export function simdPeak(n: i32, p: usize): f32 {
  if (ASC_FEATURE_SIMD) {
    const b0 = v128.load(p, 32);
    const b1 = v128.load(p, 48);
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    for (let i = 0; i < n; i++) {
      let s = v128.load32_splat(p);
      c00 = f32x4.add(c00, f32x4.mul(s, b0));
      c01 = f32x4.add(c01, f32x4.mul(s, b1));
      s = v128.load32_splat(p, 4);
      c10 = f32x4.add(c10, f32x4.mul(s, b0));
      c11 = f32x4.add(c11, f32x4.mul(s, b1));
      s = v128.load32_splat(p, 8);
      c20 = f32x4.add(c20, f32x4.mul(s, b0));
      c21 = f32x4.add(c21, f32x4.mul(s, b1));
      s = v128.load32_splat(p, 12);
      c30 = f32x4.add(c30, f32x4.mul(s, b0));
      c31 = f32x4.add(c31, f32x4.mul(s, b1));
    }
    const r = f32x4.add(f32x4.add(f32x4.add(c00, c01), f32x4.add(c10, c11)), f32x4.add(f32x4.add(c20, c21), f32x4.add(c30, c31)));
    return f32x4.extract_lane(r, 0);
  }
  return 0; // the scalar build has no SIMD ceiling to measure
}
