// Backend factory: the same KernelOps over one arena, computed by plain TypeScript ("js") or by the
// AssemblyScript module compiled with SIMD ("wasm") or without ("wasm-scalar"). Every call is
// checked (dimensions, buffer bounds) before it reaches either implementation.
import type { Arena } from "../memory/arena.js";
import { checkCall, SPECS } from "./checks.js";
import { createJsKernels } from "./js/index.js";
import type { BackendName, KernelOps, Kernels } from "./types.js";
import { createWasmKernels } from "./wasm.js";

export type { BackendName, Kernels, KernelOps, Ptr, Flag } from "./types.js";
export const BACKENDS: readonly BackendName[] = ["wasm", "js", "wasm-scalar"];

export function createKernels(backend: BackendName, arena: Arena): Kernels {
  const ops: KernelOps =
    backend === "js" ? createJsKernels(arena) : createWasmKernels(arena, backend === "wasm" ? "simd" : "scalar");
  const checked = { backend } as Kernels & Record<string, unknown>;
  for (const name of Object.keys(SPECS) as (keyof KernelOps)[]) {
    const fn = ops[name] as (...args: number[]) => number | void;
    if (typeof fn !== "function") throw new Error(`backend ${backend} lacks kernel ${name}`);
    checked[name] = ((...args: number[]) => {
      checkCall(arena, name, args);
      return fn(...args);
    }) as never;
  }
  return checked;
}
