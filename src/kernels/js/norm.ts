// Normalisation kernels in plain TypeScript: the reference twins of assembly/norm.ts.
// Statistics are two-pass (mean, then mean of squared deviations) and accumulate in float64.
import type { Arena } from "../../memory/arena.js";
import type { KernelOps } from "../types.js";

type NormOps = Pick<KernelOps, "batchnormForward" | "batchnormBackward" | "layernormForward" | "layernormBackward">;

export function createNormJs(arena: Arena): NormOps {
  return {
    // x[R,C] -> y[R,C], xhat[R,C], invstd[C]; training updates runningMean/runningVar[C].
    // Running var takes the unbiased var·R/(R−1) as PyTorch does; with R == 1 the var itself.
    batchnormForward(y, xhat, invstd, x, gamma, beta, runningMean, runningVar, R, C, momentum, eps, training) {
      const f = arena.f32;
      const [yo, ho, io, xo, go, bo, mo, vo] = [y, xhat, invstd, x, gamma, beta, runningMean, runningVar].map((p) => p >> 2);
      for (let c = 0; c < C; c++) {
        let mean: number;
        let variance: number;
        if (training) {
          let sum = 0;
          for (let r = 0; r < R; r++) sum += f[xo + r * C + c];
          mean = sum / R;
          let sq = 0;
          for (let r = 0; r < R; r++) {
            const d = f[xo + r * C + c] - mean;
            sq += d * d;
          }
          variance = sq / R;
          const unbiased = R > 1 ? (variance * R) / (R - 1) : variance;
          f[mo + c] = (1 - momentum) * f[mo + c] + momentum * mean;
          f[vo + c] = (1 - momentum) * f[vo + c] + momentum * unbiased;
        } else {
          mean = f[mo + c];
          variance = f[vo + c];
        }
        const inv = 1 / Math.sqrt(variance + eps);
        f[io + c] = inv;
        const g = f[go + c];
        const b = f[bo + c];
        for (let r = 0; r < R; r++) {
          const i = r * C + c;
          const xh = (f[xo + i] - mean) * inv;
          f[ho + i] = xh;
          f[yo + i] = g * xh + b;
        }
      }
    },

    // dx[R,C] += γ·invstd/R · (R·dy − Σdy − xhat·Σ(dy·xhat)); dgamma += Σ dy·xhat; dbeta += Σ dy
    // eval mode (training 0) normalised with constants: dx = γ·invstd·dy, without the batch terms
    batchnormBackward(dx, dgamma, dbeta, dy, xhat, invstd, gamma, R, C, training) {
      const f = arena.f32;
      const [dxo, dgo, dbo, dyo, ho, io, go] = [dx, dgamma, dbeta, dy, xhat, invstd, gamma].map((p) => p >> 2);
      for (let c = 0; c < C; c++) {
        let sumDy = 0;
        let sumDyXhat = 0;
        for (let r = 0; r < R; r++) {
          const d = f[dyo + r * C + c];
          sumDy += d;
          sumDyXhat += d * f[ho + r * C + c];
        }
        f[dbo + c] += sumDy;
        f[dgo + c] += sumDyXhat;
        const k = (f[go + c] * f[io + c]) / R;
        for (let r = 0; r < R; r++) {
          const i = r * C + c;
          f[dxo + i] += k * (R * f[dyo + i] - training * (sumDy + f[ho + i] * sumDyXhat));
        }
      }
    },

    // x[R,C] -> y[R,C], mean[R], rstd[R];  y = w·(x − mean)·rstd + b over each row
    layernormForward(y, mean, rstd, x, w, b, R, C, eps) {
      const f = arena.f32;
      const [yo, mo, so, xo, wo, bo] = [y, mean, rstd, x, w, b].map((p) => p >> 2);
      for (let r = 0; r < R; r++) {
        const row = r * C;
        let sum = 0;
        for (let c = 0; c < C; c++) sum += f[xo + row + c];
        const m = sum / C;
        let sq = 0;
        for (let c = 0; c < C; c++) {
          const d = f[xo + row + c] - m;
          sq += d * d;
        }
        const s = 1 / Math.sqrt(sq / C + eps);
        f[mo + r] = m;
        f[so + r] = s;
        for (let c = 0; c < C; c++) f[yo + row + c] = f[wo + c] * ((f[xo + row + c] - m) * s) + f[bo + c];
      }
    },

    // dx[R,C] += rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)), dxhat = dy·w; dw += Σ dy·xhat; db += Σ dy
    layernormBackward(dx, dw, db, dy, x, mean, rstd, w, R, C) {
      const f = arena.f32;
      const [dxo, dwo, dbo, dyo, xo, mo, so, wo] = [dx, dw, db, dy, x, mean, rstd, w].map((p) => p >> 2);
      for (let r = 0; r < R; r++) {
        const row = r * C;
        const m = f[mo + r];
        const s = f[so + r];
        let sumDxhat = 0;
        let sumDxhatXhat = 0;
        for (let c = 0; c < C; c++) {
          const d = f[dyo + row + c];
          const xh = (f[xo + row + c] - m) * s;
          const dxh = d * f[wo + c];
          sumDxhat += dxh;
          sumDxhatXhat += dxh * xh;
          f[dwo + c] += d * xh;
          f[dbo + c] += d;
        }
        const m1 = sumDxhat / C;
        const m2 = sumDxhatXhat / C;
        for (let c = 0; c < C; c++) {
          const xh = (f[xo + row + c] - m) * s;
          const dxh = f[dyo + row + c] * f[wo + c];
          f[dxo + row + c] += s * (dxh - m1 - xh * m2);
        }
      }
    },
  };
}
