// Small f32x4 helpers shared by the kernels: partial loads/stores of the first n (1..4) floats at p
// (for row tails that are not a multiple of 4), and the horizontal sum of four lanes.
// Not exported from the module (index.ts).

// @ts-ignore: decorator
@inline export function loadN(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  if (n == 1) return v128.load32_zero(p);
  const lo = v128.load64_zero(p);
  return n == 2 ? lo : v128.load32_lane(p, lo, 2, 8);
}

// @ts-ignore: decorator
@inline export function storeN(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
  } else if (n == 1) {
    v128.store32_lane(p, v, 0);
  } else {
    v128.store64_lane(p, v, 0);
    if (n == 3) v128.store32_lane(p, v, 2, 8);
  }
}

/** (v0 + v1) + (v2 + v3) */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
