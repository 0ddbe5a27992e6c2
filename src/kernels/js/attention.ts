// Causal multi-head self-attention in plain TypeScript: the reference twin of assembly/attention.ts
// (llm.c's attention_forward/backward). qkv (B,T,3C): row (b,t) = q | k | v, head h at columns
// h·hs .. (h+1)·hs with hs = C/NH. With p > 0 the attention probabilities are dropped with the
// dropout kernel's mask over att's element indices (dropped = att ⊙ mask weights the sum).
import type { Arena } from "../../memory/arena.js";
import type { KernelOps } from "../types.js";
import { dropoutMask } from "./dropout.js";

type AttentionOps = Pick<KernelOps, "attentionForward" | "attentionBackward">;

export function createAttentionJs(arena: Arena): AttentionOps {
  return {
    // qkv (B,T,3C) -> att (B,NH,T,T), out (B,T,C) (and with p > 0 dropped (B,NH,T,T))
    // att[t,t2] = softmax_{t2≤t}(q_t·k_t2 / √hs), 0 for t2 > t; out_t = Σ_t2 w[t,t2]·v_t2,
    // w = att, or with p > 0 w = dropped = att ⊙ mask
    attentionForward(out, att, qkv, B, T, C, NH, p, seed, dropped) {
      const f = arena.f32;
      const mask = dropoutMask(p);
      const drop = Math.fround(p) > 0;
      const hs = C / NH;
      const scale = 1 / Math.sqrt(hs);
      const C3 = 3 * C;
      for (let b = 0; b < B; b++)
        for (let h = 0; h < NH; h++) {
          const q0 = (qkv >> 2) + b * T * C3 + h * hs;
          const k0 = q0 + C;
          const v0 = q0 + 2 * C;
          const a0 = (att >> 2) + (b * NH + h) * T * T;
          for (let t = 0; t < T; t++) {
            const arow = a0 + t * T;
            const q = q0 + t * C3;
            let max = -Infinity;
            for (let t2 = 0; t2 <= t; t2++) {
              let s = 0;
              for (let i = 0; i < hs; i++) s += f[q + i] * f[k0 + t2 * C3 + i];
              f[arow + t2] = s * scale;
              max = Math.max(max, f[arow + t2]);
            }
            let sum = 0;
            for (let t2 = 0; t2 <= t; t2++) {
              const e = Math.exp(f[arow + t2] - max);
              f[arow + t2] = e;
              sum += e;
            }
            for (let t2 = 0; t2 <= t; t2++) f[arow + t2] /= sum;
            for (let t2 = t + 1; t2 < T; t2++) f[arow + t2] = 0;
            let w = arow;
            if (drop) {
              w = (dropped >> 2) + arow - (att >> 2);
              for (let t2 = 0; t2 < T; t2++) f[w + t2] = t2 <= t ? f[arow + t2] * mask(seed, arow - (att >> 2) + t2) : 0;
            }
            const o = (out >> 2) + (b * T + t) * C + h * hs;
            for (let i = 0; i < hs; i++) {
              let s = 0;
              for (let t2 = 0; t2 <= t; t2++) s += f[w + t2] * f[v0 + t2 * C3 + i];
              f[o + i] = s;
            }
          }
        }
    },

    // dout (B,T,C), qkv, att (with p > 0 dropped, seed) -> dqkv (B,T,3C) +=; datt: T·T floats of
    // scratch per (b,h). datt[t,t2] = dout_t·v_t2 (⊙ mask with p > 0);
    // dpre = att ⊙ (datt − Σ_t2 att·datt) / √hs (softmax backward);
    // dq_t += Σ_t2 dpre[t,t2]·k_t2; dk_t2 += Σ_t dpre[t,t2]·q_t; dv_t2 += Σ_t w[t,t2]·dout_t
    attentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH, p, seed, dropped) {
      const f = arena.f32;
      const mask = dropoutMask(p);
      const drop = Math.fround(p) > 0;
      const hs = C / NH;
      const scale = 1 / Math.sqrt(hs);
      const C3 = 3 * C;
      const d = datt >> 2;
      for (let b = 0; b < B; b++)
        for (let h = 0; h < NH; h++) {
          const q0 = (qkv >> 2) + b * T * C3 + h * hs;
          const dq0 = (dqkv >> 2) + b * T * C3 + h * hs;
          const do0 = (dout >> 2) + b * T * C + h * hs;
          const a0 = (att >> 2) + (b * NH + h) * T * T;
          const w0 = ((drop ? dropped : att) >> 2) + (b * NH + h) * T * T;
          for (let t = 0; t < T; t++) {
            const arow = a0 + t * T;
            const drow = d + t * T;
            let dot = 0;
            for (let t2 = 0; t2 <= t; t2++) {
              let s = 0;
              for (let i = 0; i < hs; i++) s += f[do0 + t * C + i] * f[q0 + 2 * C + t2 * C3 + i];
              if (drop) s *= mask(seed, arow - (att >> 2) + t2);
              f[drow + t2] = s;
              dot += f[arow + t2] * s;
            }
            for (let t2 = 0; t2 <= t; t2++) f[drow + t2] = f[arow + t2] * (f[drow + t2] - dot) * scale;
          }
          for (let t = 0; t < T; t++)
            for (let t2 = 0; t2 <= t; t2++) {
              const dpre = f[d + t * T + t2];
              const a = f[w0 + t * T + t2];
              const q = q0 + t * C3;
              const k = q0 + C + t2 * C3;
              const dq = dq0 + t * C3;
              const dk = dq0 + C + t2 * C3;
              const dv = dq0 + 2 * C + t2 * C3;
              const dO = do0 + t * C;
              for (let i = 0; i < hs; i++) {
                f[dq + i] += dpre * f[k + i];
                f[dk + i] += dpre * f[q + i];
                f[dv + i] += a * f[dO + i];
              }
            }
        }
    },
  };
}
