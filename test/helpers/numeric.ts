// Shared test helpers: seeded data, float64 references, relative errors.
import seedrandom from "seedrandom";
import { Arena, type Region } from "../../src/memory/arena.js";
import { createKernels, type BackendName, type Kernels } from "../../src/kernels/index.js";

export type Rng = () => number;
export const rng = (seed: string | number): Rng => seedrandom(String(seed));

/** Uniform in [-scale, scale), never all zeros. */
export function randomArray(n: number, r: Rng, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}

/** ‖a − b‖ / ‖b‖ (with ‖b‖ floored at 1e-30). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

export function maxAbsErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** One arena with kernels of every backend over the same memory. */
export function setup(bytes = 64 << 20): { arena: Arena; k: Record<BackendName, Kernels> } {
  const arena = new Arena({ initialBytes: bytes });
  return {
    arena,
    k: { js: createKernels("js", arena), wasm: createKernels("wasm", arena), "wasm-scalar": createKernels("wasm-scalar", arena) },
  };
}

/** Allocate an f32 region filled with `values`. */
export function f32(arena: Arena, values: ArrayLike<number>, name = "t"): Region {
  const r = arena.alloc(values.length, name);
  r.data.set(values);
  return r;
}

export function i32(arena: Arena, values: ArrayLike<number>, name = "idx"): Region {
  const r = arena.alloc(values.length, name, "i32");
  r.ints.set(values);
  return r;
}

export const BACKENDS: BackendName[] = ["js", "wasm", "wasm-scalar"];
export const SIZES = [1, 3, 5, 7, 31, 33, 127];
