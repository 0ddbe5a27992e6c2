// The plain-TypeScript backend: the reference twin of every WASM kernel, over the same memory.
import type { Arena } from "../../memory/arena.js";
import type { KernelOps } from "../types.js";
import { createMatmulJs } from "./matmul.js";
import { createEmbeddingJs } from "./embedding.js";
import { createElementwiseJs } from "./elementwise.js";
import { createDropoutJs } from "./dropout.js";
import { createNormJs } from "./norm.js";
import { createLossJs } from "./loss.js";
import { createOptimJs } from "./optim.js";
import { createAttentionJs } from "./attention.js";

export function createJsKernels(arena: Arena): KernelOps {
  return {
    ...createMatmulJs(arena),
    ...createEmbeddingJs(arena),
    ...createElementwiseJs(arena),
    ...createDropoutJs(arena),
    ...createNormJs(arena),
    ...createLossJs(arena),
    ...createOptimJs(arena),
    ...createAttentionJs(arena),
  };
}
