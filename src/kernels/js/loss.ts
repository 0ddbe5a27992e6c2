// Fused softmax + cross-entropy in plain TypeScript: the reference twin of assembly/loss.ts.
import type { Arena } from "../../memory/arena.js";
import type { KernelOps } from "../types.js";

type LossOps = Pick<KernelOps, "softmaxCrossEntropyForward" | "softmaxCrossEntropyBackward">;

export function createLossJs(arena: Arena): LossOps {
  return {
    // logits[R,V], targets[R] (−1 = ignore) -> probs[R,V]; returns the mean NLL over counted rows.
    // NLL of a row = log Σexp(l − max) − (l[target] − max): finite however large the logits.
    softmaxCrossEntropyForward(probs, logits, targets, R, V) {
      const f = arena.f32;
      const t = arena.i32;
      const po = probs >> 2;
      const lo = logits >> 2;
      let lossSum = 0;
      let count = 0;
      for (let r = 0; r < R; r++) {
        const row = r * V;
        const target = t[(targets >> 2) + r];
        const targetLogit = target >= 0 ? f[lo + row + target] : 0; // read first: probs may alias logits
        let max = -Infinity;
        for (let v = 0; v < V; v++) max = Math.max(max, f[lo + row + v]);
        let sum = 0;
        for (let v = 0; v < V; v++) {
          const e = Math.exp(f[lo + row + v] - max);
          f[po + row + v] = e;
          sum += e;
        }
        for (let v = 0; v < V; v++) f[po + row + v] /= sum;
        if (target >= 0) {
          lossSum += Math.log(sum) - (targetLogit - max);
          count++;
        }
      }
      return count > 0 ? lossSum / count : 0;
    },

    // dlogits[R,V] += (probs − onehot(target)) / count; rows with target < 0 get nothing
    softmaxCrossEntropyBackward(dlogits, probs, targets, R, V) {
      const f = arena.f32;
      const t = arena.i32;
      const to = targets >> 2;
      let count = 0;
      for (let r = 0; r < R; r++) if (t[to + r] >= 0) count++;
      if (count === 0) return;
      const dlo = dlogits >> 2;
      const po = probs >> 2;
      for (let r = 0; r < R; r++) {
        const target = t[to + r];
        if (target < 0) continue;
        const row = r * V;
        for (let v = 0; v < V; v++) f[dlo + row + v] += (f[po + row + v] - (v === target ? 1 : 0)) / count;
      }
    },
  };
}
