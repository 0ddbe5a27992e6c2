// Embedding kernels in plain TypeScript: the reference twins of assembly/embedding.ts.
// An index outside [0, V) is counted and its row zeroed (forward) or skipped (backward).
import type { Arena } from "../../memory/arena.js";
import type { KernelOps } from "../types.js";

type EmbeddingOps = Pick<KernelOps, "embeddingForward" | "embeddingBackward" | "embeddingSumForward" | "embeddingSumBackward">;

export function createEmbeddingJs(arena: Arena): EmbeddingOps {
  return {
    // table[V,C], idx[n] -> out[n,C]; returns the count of idx outside [0, V)
    embeddingForward(out, table, idx, n, C, V) {
      const f = arena.f32;
      const ints = arena.i32;
      const [oo, to, io] = [out >> 2, table >> 2, idx >> 2];
      let bad = 0;
      for (let r = 0; r < n; r++) {
        const ix = ints[io + r];
        const dst = oo + r * C;
        if (ix >= 0 && ix < V) f.copyWithin(dst, to + ix * C, to + ix * C + C);
        else {
          f.fill(0, dst, dst + C);
          bad++;
        }
      }
      return bad;
    },
    // dout[n,C], idx[n] -> dtable[V,C] (+=); returns the count of idx outside [0, V)
    embeddingBackward(dtable, dout, idx, n, C, V) {
      const f = arena.f32;
      const ints = arena.i32;
      const [to, go, io] = [dtable >> 2, dout >> 2, idx >> 2];
      let bad = 0;
      for (let r = 0; r < n; r++) {
        const ix = ints[io + r];
        if (ix < 0 || ix >= V) {
          bad++;
          continue;
        }
        for (let c = 0; c < C; c++) f[to + ix * C + c] += f[go + r * C + c];
      }
      return bad;
    },
    // table[n·V,C], idx[R·n] -> out[R,C] = Σ_j table[j·V + idx[r·n + j]]; returns the count of idx outside [0, V)
    embeddingSumForward(out, table, idx, R, n, C, V) {
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
    },
    // dout[R,C], idx[R·n] -> dtable[n·V,C] (+=); returns the count of idx outside [0, V)
    embeddingSumBackward(dtable, dout, idx, R, n, C, V) {
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
    },
  };
}
