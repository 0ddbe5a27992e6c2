// An independent float64 forward pass of any network built from src/nn layers, reading the model's
// parameters from float64 copies. It shares no code with the kernels but the float64 erf (a math
// primitive, accurate to 1e-14): gradcheck differentiates it numerically (central differences) to
// check the hand-written float32 backward passes.
import type { Layer } from "../nn/layer.js";
import { erf } from "../kernels/js/elementwise.js";
import { size } from "../nn/layer.js";
import type { Embedding } from "../nn/embedding.js";
import type { Linear } from "../nn/linear.js";
import type { BatchNorm1d } from "../nn/batchnorm.js";
import type { LayerNorm } from "../nn/layernorm.js";
import type { GELU, Dropout } from "../nn/activations.js";
import type { Residual, Sequential } from "../nn/structure.js";
import { GPT_KINDS, gptForward64 } from "./forward64-gpt.js";

/** float64 copies of every parameter and state buffer, keyed by layer and local name */
export type Values64 = (layer: Layer, name: string) => Float64Array;

export function gelu64(x: number, approximate: boolean): number {
  if (approximate) return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** Forward B examples in float64. `x` holds token ids for an Embedding, else activations. */
export function forward64(layer: Layer, x: Float64Array, B: number, training: boolean, values: Values64): Float64Array {
  const n = B * size(layer.inShape);
  if (GPT_KINDS.includes(layer.kind)) return gptForward64(layer, x, B, training, values);
  switch (layer.kind) {
    case "Sequential":
      for (const l of (layer as Sequential).layers) x = forward64(l, x, B, training, values);
      return x;
    case "Residual": {
      const h = forward64((layer as Residual).block, x, B, training, values);
      return x.map((v, i) => v + h[i]);
    }
    case "FlattenConsecutive":
      return x;
    case "Embedding": {
      const e = layer as Embedding;
      const W = values(layer, "weight");
      const C = e.embeddingDim;
      const out = new Float64Array(n * C);
      for (let i = 0; i < n; i++) out.set(W.subarray(x[i] * C, (x[i] + 1) * C), i * C);
      return out;
    }
    case "Linear": {
      const l = layer as Linear;
      const W = values(l.owner, "weight");
      const bias = l.bias ? values(l.owner, "bias") : null;
      const [I, O] = [l.inFeatures, l.outFeatures];
      const R = n / I;
      const out = new Float64Array(R * O);
      for (let r = 0; r < R; r++)
        for (let o = 0; o < O; o++) {
          let s = bias ? bias[o] : 0;
          for (let i = 0; i < I; i++) s += x[r * I + i] * W[o * I + i];
          out[r * O + o] = s;
        }
      return out;
    }
    case "BatchNorm1d": {
      const bn = layer as BatchNorm1d;
      const C = bn.numFeatures;
      const R = n / C;
      const [g, b] = [values(layer, "weight"), values(layer, "bias")];
      const mean = training ? new Float64Array(C) : values(layer, "running_mean");
      const variance = training ? new Float64Array(C) : values(layer, "running_var");
      if (training) {
        for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c] / R;
        for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) variance[c] += (x[r * C + c] - mean[c]) ** 2 / R;
      }
      return x.map((v, i) => {
        const c = i % C;
        return (g[c] * (v - mean[c])) / Math.sqrt(variance[c] + bn.eps) + b[c];
      });
    }
    case "LayerNorm": {
      const ln = layer as LayerNorm;
      const C = ln.normalizedShape;
      const [w, b] = [values(layer, "weight"), values(layer, "bias")];
      const out = new Float64Array(n);
      for (let r = 0; r < n / C; r++) {
        const row = x.subarray(r * C, (r + 1) * C);
        const mean = row.reduce((s, v) => s + v, 0) / C;
        const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / C;
        for (let c = 0; c < C; c++) out[r * C + c] = (w[c] * (row[c] - mean)) / Math.sqrt(variance + ln.eps) + b[c];
      }
      return out;
    }
    case "Tanh":
      return x.map(Math.tanh);
    case "GELU":
      return x.map((v) => gelu64(v, (layer as GELU).approximate === "tanh"));
    case "Dropout": {
      const d = layer as Dropout;
      if (!training || !d.active) return x;
      const mask = d.mask.data;
      return x.map((v, i) => v * mask[i]);
    }
    default:
      throw new Error(`forward64: no float64 reference for layer ${layer.kind}`);
  }
}

/** Mean cross-entropy of logits (R,V) against targets (−1 ignored), float64. */
export function crossEntropy64(logits: Float64Array, targets: Int32Array, V: number): number {
  let sum = 0;
  let count = 0;
  for (let r = 0; r < targets.length; r++) {
    if (targets[r] < 0) continue;
    const row = logits.subarray(r * V, (r + 1) * V);
    const max = Math.max(...row);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(row[v] - max);
    sum += Math.log(z) + max - row[targets[r]];
    count++;
  }
  return count > 0 ? sum / count : 0;
}
