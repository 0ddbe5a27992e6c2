// float64 reference forward of the GPT layers (src/nn/gpt.ts, src/nn/attention.ts, src/models/gpt.ts),
// written directly from the definitions (explicit scores, masked softmax, weighted sum); shares no
// code with the kernels. Called from forward64 for these layer kinds.
import type { Layer } from "../nn/layer.js";
import type { CausalSelfAttention } from "../nn/attention.js";
import type { Block, TokenPositionEmbedding } from "../nn/gpt.js";
import type { GPT, GptTransformer } from "../models/gpt.js";
import { forward64, type Values64 } from "./forward64.js";
import { dropoutMask } from "../kernels/js/dropout.js";

export const GPT_KINDS = ["TokenPositionEmbedding", "CausalSelfAttention", "Block", "GptTransformer", "GPT"];

/** wte[idx[b,t]] + wpe[t] : (B,T) → (B,T,C) */
function tokenPosition64(idx: Float64Array, B: number, T: number, C: number, wte: Float64Array, wpe: Float64Array): Float64Array {
  const out = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++) out[(b * T + t) * C + c] = wte[idx[b * T + t] * C + c] + wpe[t * C + c];
  return out;
}

/**
 * causal dropout(softmax(q·kᵀ/√hs))·v per head over qkv (B,T,3C) → (B,T,C); `mask` gives the
 * dropout factor of att's element ((b·NH + h)·T + t)·T + t2 (none: no dropout)
 */
export function attention64(
  qkv: Float64Array, B: number, T: number, C: number, NH: number, mask?: (i: number) => number,
): Float64Array {
  const hs = C / NH;
  const out = new Float64Array(B * T * C);
  const p = new Float64Array(T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < NH; h++)
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * 3 * C + h * hs;
        let max = -Infinity;
        for (let t2 = 0; t2 <= t; t2++) {
          const k = (b * T + t2) * 3 * C + C + h * hs;
          let s = 0;
          for (let i = 0; i < hs; i++) s += qkv[q + i] * qkv[k + i];
          p[t2] = s / Math.sqrt(hs);
          max = Math.max(max, p[t2]);
        }
        let z = 0;
        for (let t2 = 0; t2 <= t; t2++) z += p[t2] = Math.exp(p[t2] - max);
        if (mask) for (let t2 = 0; t2 <= t; t2++) p[t2] *= mask(((b * NH + h) * T + t) * T + t2);
        for (let i = 0; i < hs; i++) {
          let s = 0;
          for (let t2 = 0; t2 <= t; t2++) s += p[t2] * qkv[(b * T + t2) * 3 * C + 2 * C + h * hs + i];
          out[(b * T + t) * C + h * hs + i] = s / z;
        }
      }
  return out;
}

/** x · Wᵀ over rows of C: (R,C) → (R,V) for W [V,C] */
function linearNoBias64(x: Float64Array, W: Float64Array, C: number, V: number): Float64Array {
  const R = x.length / C;
  const out = new Float64Array(R * V);
  for (let r = 0; r < R; r++)
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += x[r * C + c] * W[v * C + c];
      out[r * V + v] = s;
    }
  return out;
}

export function gptForward64(layer: Layer, x: Float64Array, B: number, training: boolean, values: Values64): Float64Array {
  const f = (l: Layer, input: Float64Array) => forward64(l, input, B, training, values);
  switch (layer.kind) {
    case "TokenPositionEmbedding": {
      const e = layer as TokenPositionEmbedding;
      return tokenPosition64(x, B, e.inShape[0], e.nEmbd, values(layer, "wte.weight"), values(layer, "wpe.weight"));
    }
    case "CausalSelfAttention": {
      const a = layer as CausalSelfAttention;
      const { p, seed } = a.attentionDropout;
      const mask = training && p > 0 ? (i: number) => dropoutMask(p)(seed, i) : undefined;
      const y = attention64(f(a.cAttn, x), B, a.inShape[0], a.nEmbd, a.nHead, mask);
      return f(a.residDropout, f(a.cProj, y));
    }
    case "Block": {
      const blk = layer as Block;
      const a = f(blk.attn, f(blk.ln1, x));
      const x1 = x.map((v, i) => v + a[i]);
      const m = f(blk.mlp, f(blk.ln2, x1));
      return x1.map((v, i) => v + m[i]);
    }
    case "GptTransformer": {
      const tr = layer as GptTransformer;
      const emb = tokenPosition64(x, B, tr.inShape[0], tr.config.nEmbd, values(layer, "wte.weight"), values(layer, "wpe.weight"));
      return f(tr.lnF, f(tr.h, f(tr.drop, emb)));
    }
    case "GPT": {
      const g = layer as GPT;
      const h = f(g.transformer, x);
      if (!g.config.tied) return f(g.lmHead, h);
      return linearNoBias64(h, values(g.transformer, "wte.weight"), g.config.nEmbd, g.config.vocabSize);
    }
    default:
      throw new Error(`gptForward64: not a GPT layer: ${layer.kind}`);
  }
}
