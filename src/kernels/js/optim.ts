// Optimiser kernels in plain TypeScript: the reference twins of assembly/optim.ts, computed in
// float64 per element and rounded to f32 on store.
import type { Arena } from "../../memory/arena.js";
import type { KernelOps } from "../types.js";

type OptimOps = Pick<KernelOps, "sgdStep" | "adamwStep">;

export function createOptimJs(arena: Arena): OptimOps {
  return {
    // torch.optim.SGD: g = grad + wd·p; v = g (first step) or momentum·v + g; p −= lr·(momentum ≠ 0 ? v : g)
    sgdStep(param, grad, velocity, n, lr, momentum, weightDecay, firstStep) {
      const f = arena.f32;
      const [po, go, vo] = [param >> 2, grad >> 2, velocity >> 2];
      for (let i = 0; i < n; i++) {
        let g = f[go + i] + weightDecay * f[po + i];
        if (momentum !== 0) {
          g = firstStep ? g : momentum * f[vo + i] + g;
          f[vo + i] = g;
        }
        f[po + i] -= lr * g;
      }
    },
    // torch.optim.AdamW at step t: p *= 1 − lr·wd; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
    // p −= lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)
    adamwStep(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step) {
      const f = arena.f32;
      const [po, go, mo, vo] = [param >> 2, grad >> 2, m >> 2, v >> 2];
      const stepSize = lr / (1 - beta1 ** step);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
      for (let i = 0; i < n; i++) {
        const g = f[go + i];
        const mi = beta1 * f[mo + i] + (1 - beta1) * g;
        const vi = beta2 * f[vo + i] + (1 - beta2) * g * g;
        const p = f[po + i] * (1 - lr * weightDecay);
        f[po + i] = p - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
        f[mo + i] = mi;
        f[vo + i] = vi;
      }
    },
  };
}
