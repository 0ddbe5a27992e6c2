// The WASM backend: the AssemblyScript kernels (assembly/) instantiated over the arena's memory.
// Its exports have exactly the KernelOps signatures (byte offsets, element counts, 0|1 flags).
import { RESERVED_BYTES, type Arena } from "../memory/arena.js";
import * as binaries from "./wasm-binaries.generated.js";
import type { KernelOps } from "./types.js";

export type WasmVariant = "simd" | "scalar";
const modules = new Map<WasmVariant, WebAssembly.Module>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function compiled(variant: WasmVariant): WebAssembly.Module {
  let module = modules.get(variant);
  if (!module) {
    module = new WebAssembly.Module(decode(binaries[variant]));
    modules.set(variant, module);
  }
  return module;
}

export function createWasmKernels(arena: Arena, variant: WasmVariant): KernelOps {
  const instance = new WebAssembly.Instance(compiled(variant), {
    env: {
      memory: arena.memory,
      abort: () => {
        throw new Error(`wasm ${variant}: kernel aborted`);
      },
    },
  });
  const exports = instance.exports as unknown as KernelOps & { heapBase(): number };
  if (exports.heapBase() > RESERVED_BYTES)
    throw new Error(`wasm ${variant}: static data ends at ${exports.heapBase()}, above the reserved ${RESERVED_BYTES} bytes`);
  return exports;
}
