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
type Fn = (...args: N[]) => N | void;
type Check = (ck: Checker, ...args: N[]) => void;

export function createKernels(backend: BackendName, arena: Arena): Kernels {
  const ops: KernelOps =
    backend === "js" ? createJsKernels(arena) : createWasmKernels(arena, backend === "wasm" ? "simd" : "scalar");
  const checked = { backend } as Kernels & Record<string, unknown>;
  const ck = new Checker(arena);
  for (const name of Object.keys(SPECS) as (keyof KernelOps)[]) {
    const fn = ops[name] as unknown as Fn;
    if (typeof fn !== "function") throw new Error(`backend ${backend} lacks kernel ${name}`);
    // a WASM export's length is its parameter count; a JS twin may declare fewer than it is passed
    checked[name] = checkedCall(name, fn, SPECS[name] as Check, ck, backend === "js" ? 13 : fn.length) as never;
  }
  return checked;
}

/**
 * fn behind its argument check, called with exactly `arity` arguments and no rest-argument array:
 * V8 inlines a call into a WASM export only when the argument count matches its signature (padding
 * every call to 13 arguments measured ~1.3 µs slower per MLP step, about 1%).
 */
function checkedCall(name: string, fn: Fn, check: Check, ck: Checker, arity: number): Fn {
  type A = N;
  // prettier-ignore
  switch (arity) {
    case 2: return (a: A, b: A) => (ck.kernel = name, check(ck, a, b), fn(a, b));
    case 3: return (a: A, b: A, c: A) => (ck.kernel = name, check(ck, a, b, c), fn(a, b, c));
    case 4: return (a: A, b: A, c: A, d: A) => (ck.kernel = name, check(ck, a, b, c, d), fn(a, b, c, d));
    case 5: return (a: A, b: A, c: A, d: A, e: A) => (ck.kernel = name, check(ck, a, b, c, d, e), fn(a, b, c, d, e));
    case 6: return (a: A, b: A, c: A, d: A, e: A, f: A) => (ck.kernel = name, check(ck, a, b, c, d, e, f), fn(a, b, c, d, e, f));
    case 7: return (a: A, b: A, c: A, d: A, e: A, f: A, g: A) => (ck.kernel = name, check(ck, a, b, c, d, e, f, g), fn(a, b, c, d, e, f, g));
    case 8: return (a: A, b: A, c: A, d: A, e: A, f: A, g: A, h: A) =>
      (ck.kernel = name, check(ck, a, b, c, d, e, f, g, h), fn(a, b, c, d, e, f, g, h));
    case 9: return (a: A, b: A, c: A, d: A, e: A, f: A, g: A, h: A, i: A) =>
      (ck.kernel = name, check(ck, a, b, c, d, e, f, g, h, i), fn(a, b, c, d, e, f, g, h, i));
    case 10: return (a: A, b: A, c: A, d: A, e: A, f: A, g: A, h: A, i: A, j: A) =>
      (ck.kernel = name, check(ck, a, b, c, d, e, f, g, h, i, j), fn(a, b, c, d, e, f, g, h, i, j));
    case 11: return (a: A, b: A, c: A, d: A, e: A, f: A, g: A, h: A, i: A, j: A, k: A) =>
      (ck.kernel = name, check(ck, a, b, c, d, e, f, g, h, i, j, k), fn(a, b, c, d, e, f, g, h, i, j, k));
    case 12: return (a: A, b: A, c: A, d: A, e: A, f: A, g: A, h: A, i: A, j: A, k: A, l: A) =>
      (ck.kernel = name, check(ck, a, b, c, d, e, f, g, h, i, j, k, l), fn(a, b, c, d, e, f, g, h, i, j, k, l));
    case 13: return (a: A, b: A, c: A, d: A, e: A, f: A, g: A, h: A, i: A, j: A, k: A, l: A, m: A) =>
      (ck.kernel = name, check(ck, a, b, c, d, e, f, g, h, i, j, k, l, m), fn(a, b, c, d, e, f, g, h, i, j, k, l, m));
    default: throw new Error(`kernel ${name}: ${arity} arguments, not 2..13`);
  }
}
