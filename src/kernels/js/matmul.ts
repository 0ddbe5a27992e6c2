// Matmul family, plain TypeScript: the reference twin of assembly/matmul.ts.
// Loop orders keep the innermost loop contiguous in memory: A·B and Aᵀ·B sweep rows of B into a row
// of C (C[i,:] += A[i,k]·B[k,:]), four k at a time so each C element is loaded and stored once per
// four rows of B; A·Bᵀ computes four dot products of a row of A with four rows of B at once
// (independent sums, one pass over the row of A). Plain JS reaches a few GFLOP/s this way.
import type { Arena } from "../../memory/arena.js";
import type { Flag, KernelOps, Ptr } from "../types.js";

type MatmulOps = Pick<KernelOps, "matmul" | "matmulTN" | "matmulNT" | "transpose" | "addBias" | "biasBackward">;

export function createMatmulJs(arena: Arena): MatmulOps {
  /** One row out[o .. o+N) (+)= Σ_k A[i,k]·B[k,:], A[i,k] at element ai + k·strideK. */
  function rowTimesB(out: Float32Array, o: number, ai: number, b0: number, K: number, N: number, strideK: number): void {
    const f = arena.f32;
    const K4 = K - (K % 4);
    let k = 0;
    for (; k < K4; k += 4) {
      const x0 = f[ai + k * strideK], x1 = f[ai + (k + 1) * strideK];
      const x2 = f[ai + (k + 2) * strideK], x3 = f[ai + (k + 3) * strideK];
      const r0 = b0 + k * N, r1 = r0 + N, r2 = r1 + N, r3 = r2 + N;
      for (let j = 0; j < N; j++) out[o + j] += x0 * f[r0 + j] + x1 * f[r1 + j] + x2 * f[r2 + j] + x3 * f[r3 + j];
    }
    for (; k < K; k++) {
      const x = f[ai + k * strideK];
      const r = b0 + k * N;
      for (let j = 0; j < N; j++) out[o + j] += x * f[r + j];
    }
  }

  /** C[M,N] (+)= Σ_k A[i,k]·B[k,:] with A[i,k] at element a + i·strideI + k·strideK. */
  function rowsTimesB(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, strideI: number, strideK: number, accumulate: Flag): void {
    const f = arena.f32;
    const c0 = c >> 2, a0 = a >> 2, b0 = b >> 2;
    for (let i = 0; i < M; i++) {
      const ci = c0 + i * N;
      if (!accumulate) f.fill(0, ci, ci + N);
      rowTimesB(f, ci, a0 + i * strideI, b0, K, N, strideK);
    }
  }

  /** one row of A·B (grown to the widest N seen, so calls allocate nothing) */
  let scratchRow = new Float32Array(0);
  /**
   * C[M,N] (+)= (A·B) ⊙ (1 − Y²): each row of A·B computed as into a zeroed buffer, then applied as
   * tanhBackward applies its dy (the same values as those two kernels).
   */
  function timesBTanhSlope(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, accumulate: Flag, tanhOut: Ptr): void {
    const f = arena.f32;
    const c0 = c >> 2, a0 = a >> 2, b0 = b >> 2, y0 = tanhOut >> 2;
    if (scratchRow.length < N) scratchRow = new Float32Array(N);
    const row = scratchRow;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      rowTimesB(row, 0, a0 + i * K, b0, K, N, 1);
      const ci = c0 + i * N;
      for (let j = 0; j < N; j++) {
        const t = f[y0 + i * N + j];
        const v = row[j] * (1 - t * t);
        f[ci + j] = accumulate ? f[ci + j] + v : v;
      }
    }
  }

  /**
   * C[i, j..j+n) (+)= A[i,:]·B[j..j+n, :]ᵀ for n = 4 (or fewer at the edge): dot products over K;
   * then + bias[j..j+n) unless bias (an element index) is −1.
   */
  function dotRow(f: Float32Array, cij: number, ai: number, bj: number, K: number, n: number, accumulate: Flag, bias: number): void {
    const b1 = n > 1 ? bj + K : bj, b2 = n > 2 ? b1 + K : b1, b3 = n > 3 ? b2 + K : b2;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = 0; k < K; k++) {
      const x = f[ai + k];
      s0 += x * f[bj + k];
      s1 += x * f[b1 + k];
      s2 += x * f[b2 + k];
      s3 += x * f[b3 + k];
    }
    const sums = [s0, s1, s2, s3];
    for (let t = 0; t < n; t++) f[cij + t] = accumulate ? f[cij + t] + sums[t] : sums[t];
    if (bias >= 0) for (let t = 0; t < n; t++) f[cij + t] += f[bias + t];
  }

  return {
    // C[M,N] (+)= A[M,K] · B[K,N], the product first ⊙ (1 − Y²) when tanhOut (Y) is not 0
    matmul(c, a, b, M, K, N, accumulate, tanhOut) {
      if (tanhOut !== 0) timesBTanhSlope(c, a, b, M, K, N, accumulate, tanhOut);
      else rowsTimesB(c, a, b, M, K, N, K, 1, accumulate);
    },

    // C[M,N] (+)= Aᵀ · B, A stored [K,M]
    matmulTN(c, a, b, M, K, N, accumulate) {
      rowsTimesB(c, a, b, M, K, N, 1, M, accumulate);
    },

    // C[M,N] (+)= A · Bᵀ, B stored [N,K]: C[i,j] = Σ_k A[i,k]·B[j,k]; then + bias[j] unless bias is 0
    matmulNT(c, a, b, M, K, N, accumulate, bias) {
      const f = arena.f32;
      const c0 = c >> 2, a0 = a >> 2, b0 = b >> 2;
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j += 4)
          dotRow(f, c0 + i * N + j, a0 + i * K, b0 + j * K, K, Math.min(4, N - j), accumulate, bias === 0 ? -1 : (bias >> 2) + j);
    },

    // dst[C,R] (+)= src[R,C]ᵀ
    transpose(dst, src, R, C, accumulate) {
      const f = arena.f32;
      const d0 = dst >> 2, s0 = src >> 2;
      for (let r = 0; r < R; r++)
        for (let c = 0; c < C; c++) f[d0 + c * R + r] = (accumulate ? f[d0 + c * R + r] : 0) + f[s0 + r * C + c];
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
