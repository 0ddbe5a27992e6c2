// Embedding kernels in plain TypeScript: the reference twins of assembly/embedding.ts.
// An index outside [0, V) is counted and adds nothing (forward) or is skipped (backward).
import type { Arena } from "../../memory/arena.js";
import type { KernelOps } from "../types.js";

type EmbeddingOps = Pick<KernelOps, "embeddingForward" | "embeddingBackward" | "embeddingSumForward" | "embeddingSumBackward">;

export function createEmbeddingJs(arena: Arena): EmbeddingOps {
  // table[n·V,C], idx[R·n] -> out[R,C] = Σ_j table[j·V + idx[r·n + j]]; returns the count of idx outside [0, V)
  const embeddingSumForward: EmbeddingOps["embeddingSumForward"] = (out, table, idx, R, n, C, V) => {
    const f = arena.f32;
    const ints = arena.i32;
    const [oo, to, io] = [out >> 2, table >> 2, idx >> 2];
    let bad = 0;
    for (let r = 0; r < R; r++) {
      const dst = oo + r * C;
      f.fill(0, dst, dst + C);
      for (let j = 0; j < n; j++) {
        const ix = ints[io + r * n + j];
        if (ix < 0 || ix >= V) {
          bad++;
          continue;
        }
        const src = to + (j * V + ix) * C;
        for (let c = 0; c < C; c++) f[dst + c] += f[src + c];
      }
    }
    return bad;
  };
  // dout[R,C], idx[R·n] -> dtable[n·V,C] (+=); returns the count of idx outside [0, V)
  const embeddingSumBackward: EmbeddingOps["embeddingSumBackward"] = (dtable, dout, idx, R, n, C, V) => {
    const f = arena.f32;
    const ints = arena.i32;
    const [to, go, io] = [dtable >> 2, dout >> 2, idx >> 2];
    let bad = 0;
    for (let r = 0; r < R; r++)
      for (let j = 0; j < n; j++) {
        const ix = ints[io + r * n + j];
        if (ix < 0 || ix >= V) {
          bad++;
          continue;
        }
        const dst = to + (j * V + ix) * C;
        for (let c = 0; c < C; c++) f[dst + c] += f[go + r * C + c];
      }
    return bad;
  };
  return {
    embeddingSumForward,
    embeddingSumBackward,
    // the single lookup is the summed one with n = 1
    embeddingForward: (out, table, idx, n, C, V) => embeddingSumForward(out, table, idx, n, 1, C, V),
    embeddingBackward: (dtable, dout, idx, n, C, V) => embeddingSumBackward(dtable, dout, idx, n, 1, C, V),
  };
}
