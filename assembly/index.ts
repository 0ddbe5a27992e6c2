// The WASM kernel module. Every export takes byte offsets into the imported memory, element counts
// and 0|1 flags, matching src/kernels/types.ts exactly. Built twice (asconfig.json): with SIMD
// ("simd") and without ("scalar"); kernels branch on ASC_FEATURE_SIMD at compile time.

/** End of this module's static data; the arena starts above it (src/memory/arena.ts). */
export function heapBase(): usize {
  return __heap_base;
}

export * from "./matmul";
export * from "./embedding";
export * from "./elementwise";
export * from "./dropout";
export * from "./norm";
export * from "./loss";
export * from "./optim";
export * from "./attention";
export * from "./peak";
