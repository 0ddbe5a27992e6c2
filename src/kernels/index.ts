// Backend factory: the same KernelOps over one arena, computed by plain TypeScript ("js") or by the
// AssemblyScript module compiled with SIMD ("wasm") or without ("wasm-scalar"). Every call is
// checked (dimensions, buffer bounds) before it reaches either implementation.
import type { Arena } from "../memory/arena.js";
import { Checker, SPECS } from "./checks.js";
import { createJsKernels } from "./js/index.js";
import type { BackendName, KernelOps, Kernels } from "./types.js";
import { createWasmKernels } from "./wasm.js";

export type { BackendName, Kernels, KernelOps, Ptr, Flag } from "./types.js";
export const BACKENDS: readonly BackendName[] = ["wasm", "js", "wasm-scalar"];

type N = number;
type Fn = (a: N, b: N, c: N, d: N, e: N, f: N, g: N, h: N, i: N, j: N, k: N, l: N, m: N) => N | void;

export function createKernels(backend: BackendName, arena: Arena): Kernels {
  const ops: KernelOps =
    backend === "js" ? createJsKernels(arena) : createWasmKernels(arena, backend === "wasm" ? "simd" : "scalar");
  const checked = { backend } as Kernels & Record<string, unknown>;
  const ck = new Checker(arena);
  for (const name of Object.keys(SPECS) as (keyof KernelOps)[]) {
    const fn = ops[name] as unknown as Fn;
    if (typeof fn !== "function") throw new Error(`backend ${backend} lacks kernel ${name}`);
    const check = SPECS[name];
    // fixed arity (13 covers every kernel): no rest-argument array on the hot path; extra
    // arguments are undefined and ignored by both backends
    checked[name] = ((a: N, b: N, c: N, d: N, e: N, f: N, g: N, h: N, i: N, j: N, k: N, l: N, m: N) => {
      ck.kernel = name;
      check(ck, a, b, c, d, e, f, g, h, i, j, k, l, m);
      return fn(a, b, c, d, e, f, g, h, i, j, k, l, m);
    }) as never;
  }
  return checked;
}
