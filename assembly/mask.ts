// The dropout mask shared by every kernel that drops: element i of a mask is kept when
// u(seed, i) ≥ p, where u = (murmur3_32(i, seed) >>> 8) · 2⁻²⁴ ∈ [0, 1) is exact in f32, and kept
// elements are scaled by 1/(1 − p). murmur3_32 here is MurmurHash3_x86_32 of the 4-byte
// little-endian key i with the given seed; src/kernels/js/dropout.ts computes the same bits with
// Math.imul, so masks are identical in every backend.

const C1: u32 = 0xcc9e2d51;
const C2: u32 = 0x1b873593;
export const U24: f32 = 5.9604644775390625e-8; // 2⁻²⁴

// @ts-ignore: decorator
@inline export function hashS(seed: u32, i: u32): u32 {
  let k = rotl<u32>(i * C1, 15) * C2;
  let h = rotl<u32>(seed ^ k, 13) * 5 + 0xe6546b64;
  h ^= 4;
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

// The SIMD path reads its constants from this table with v128.load32_splat (one broadcast load) rather
// than i32x4.splat, which V8 re-materialises on every loop iteration (see the note above TANH_TABLE in
// elementwise.ts). D_… are byte offsets; 2⁻²⁴ is stored as its f32 bits.
const DROPOUT_TABLE = memory.data<u32>([C1, C2, 5, 0xe6546b64, 4, 0x85ebca6b, 0xc2b2ae35, 0x33800000, 8]);
const D_C1: usize = 0;
const D_C2: usize = 4;
const D_FIVE: usize = 8;
const D_MIX: usize = 12;
export const D_FOUR: usize = 16; // murmur3's key length, and the lane offset of the second vector
const D_FMIX1: usize = 20;
const D_FMIX2: usize = 24;
const D_U24: usize = 28;
export const D_STEP: usize = 32;

/** DROPOUT_TABLE[offset] in all 4 lanes. */
// @ts-ignore: decorator
@inline export function dropoutConst(offset: usize): v128 {
  return v128.load32_splat(DROPOUT_TABLE + offset);
}

// @ts-ignore: decorator
@inline function rotlV(x: v128, r: i32): v128 {
  return v128.or(i32x4.shl(x, r), i32x4.shr_u(x, 32 - r));
}

// @ts-ignore: decorator
@inline function hashV(seed: v128, i: v128): v128 {
  const k = i32x4.mul(rotlV(i32x4.mul(i, dropoutConst(D_C1)), 15), dropoutConst(D_C2));
  let h = i32x4.add(i32x4.mul(rotlV(v128.xor(seed, k), 13), dropoutConst(D_FIVE)), dropoutConst(D_MIX));
  h = v128.xor(h, dropoutConst(D_FOUR));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, dropoutConst(D_FMIX1));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, dropoutConst(D_FMIX2));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

/** 4 lanes of the mask: (u ≥ p) · keepScale, u = (hash >>> 8) · 2⁻²⁴ (< 2²⁴, so the signed convert is exact) */
// @ts-ignore: decorator
@inline export function maskV(seed: v128, lane: v128, p: v128, keepScale: v128): v128 {
  const u = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(hashV(seed, lane), 8)), dropoutConst(D_U24));
  return v128.and(f32x4.ge(u, p), keepScale);
}

/** The mask of element i: keepScale if u(seed, i) ≥ p, else 0. */
// @ts-ignore: decorator
@inline export function maskS(seed: u32, i: u32, p: f32, keepScale: f32): f32 {
  return <f32>(hashS(seed, i) >>> 8) * U24 >= p ? keepScale : 0;
}

/** 1/(1 − p) in f32, the scale of kept elements (0 when p ≥ 1: everything is dropped). */
// @ts-ignore: decorator
@inline export function keepScaleOf(p: f32): f32 {
  return p < 1 ? <f32>1.0 / (<f32>1.0 - p) : 0;
}
