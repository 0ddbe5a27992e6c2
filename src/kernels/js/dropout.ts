// Dropout kernels in plain TypeScript: the reference twins of assembly/dropout.ts, producing
// bit-identical masks. Element i is kept when u = (murmur3_32(i, seed) >>> 8)·2⁻²⁴ ≥ p (compared in
// f32, p rounded to f32 as the WASM export receives it) and kept elements are scaled by the f32
// value of 1/(1 − p).
import type { Arena } from "../../memory/arena.js";
import type { KernelOps } from "../types.js";

type DropoutOps = Pick<KernelOps, "dropoutForward">;

/** MurmurHash3_x86_32 of the 4-byte little-endian key i with the given seed, as an unsigned 32-bit integer. */
export function murmur3(seed: number, i: number): number {
  let k = Math.imul(i, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  let h = (seed ^ k) | 0;
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The mask of probability p: (seed, i) → 1/(1 − p) in f32 when u(seed, i) ≥ p (p in f32), else 0. */
export function dropoutMask(p: number): (seed: number, i: number) => number {
  const p32 = Math.fround(p);
  const keepScale = p32 < 1 ? Math.fround(1 / Math.fround(1 - p32)) : 0;
  return (seed, i) => ((murmur3(seed, i) >>> 8) * 2 ** -24 >= p32 ? keepScale : 0);
}

export function createDropoutJs(arena: Arena): DropoutOps {
  return {
    // x[n] -> y[n], mask[n] ∈ {0, 1/(1 − p)}
    dropoutForward(y, mask, x, n, p, seed) {
      const f = arena.f32;
      const [yo, mo, xo] = [y >> 2, mask >> 2, x >> 2];
      const maskOf = dropoutMask(p);
      for (let i = 0; i < n; i++) {
        const m = maskOf(seed, i);
        f[mo + i] = m;
        f[yo + i] = f[xo + i] * m;
      }
    },
  };
}
