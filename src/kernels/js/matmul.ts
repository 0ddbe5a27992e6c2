// Matmul family, plain TypeScript: the reference twin of assembly/matmul.ts.
// Loop orders keep the innermost loop contiguous in memory: A·B and Aᵀ·B sweep a row of B into a
// row of C (C[i,:] += A[i,k]·B[k,:]); A·Bᵀ is a dot product of two rows.
import type { Arena } from "../../memory/arena.js";
import type { Flag, KernelOps, Ptr } from "../types.js";

type MatmulOps = Pick<KernelOps, "matmul" | "matmulTN" | "matmulNT" | "addBias" | "biasBackward">;

export function createMatmulJs(arena: Arena): MatmulOps {
  /** C[M,N] (+)= Σ_k A[i,k]·B[k,:] with A[i,k] at element a + i·strideI + k·strideK. */
  function rowsTimesB(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, strideI: number, strideK: number, accumulate: Flag): void {
    const f = arena.f32;
    const c0 = c >> 2, a0 = a >> 2, b0 = b >> 2;
    for (let i = 0; i < M; i++) {
      const ci = c0 + i * N;
      if (!accumulate) f.fill(0, ci, ci + N);
      for (let k = 0; k < K; k++) {
        const aik = f[a0 + i * strideI + k * strideK];
        const bk = b0 + k * N;
        for (let j = 0; j < N; j++) f[ci + j] += aik * f[bk + j];
      }
    }
  }

  return {
    // C[M,N] (+)= A[M,K] · B[K,N]
    matmul(c, a, b, M, K, N, accumulate) {
      rowsTimesB(c, a, b, M, K, N, K, 1, accumulate);
    },

    // C[M,N] (+)= Aᵀ · B, A stored [K,M]
    matmulTN(c, a, b, M, K, N, accumulate) {
      rowsTimesB(c, a, b, M, K, N, 1, M, accumulate);
    },

    // C[M,N] (+)= A · Bᵀ, B stored [N,K]: C[i,j] = Σ_k A[i,k]·B[j,k]
    matmulNT(c, a, b, M, K, N, accumulate) {
      const f = arena.f32;
      const c0 = c >> 2, a0 = a >> 2, b0 = b >> 2;
      for (let i = 0; i < M; i++) {
        const ai = a0 + i * K;
        for (let j = 0; j < N; j++) {
          const bj = b0 + j * K;
          let sum = 0;
          for (let k = 0; k < K; k++) sum += f[ai + k] * f[bj + k];
          const cij = c0 + i * N + j;
          f[cij] = accumulate ? f[cij] + sum : sum;
        }
      }
    },

    // y[M,N] += bias[N]
    addBias(y, bias, M, N) {
      const f = arena.f32;
      const y0 = y >> 2, b0 = bias >> 2;
      for (let i = 0; i < M; i++) {
        const yi = y0 + i * N;
        for (let j = 0; j < N; j++) f[yi + j] += f[b0 + j];
      }
    },

    // dbias[N] += Σ_m dy[m,n]
    biasBackward(dbias, dy, M, N) {
      const f = arena.f32;
      const d0 = dbias >> 2, dy0 = dy >> 2;
      for (let j = 0; j < N; j++) {
        let sum = 0;
        for (let i = 0; i < M; i++) sum += f[dy0 + i * N + j];
        f[d0 + j] += sum;
      }
    },
  };
}
