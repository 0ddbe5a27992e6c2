// Gradient check: compares every hand-written gradient with central finite differences of the
// float64 reference forward (forward64.ts) on one batch in training mode. Per parameter tensor it
// reports ‖g − ĝ‖/‖ĝ‖ and the largest elementwise error over the sampled entries.
import seedrandom from "seedrandom";
import type { Model } from "../models/model.js";
import { namedLayers } from "../models/model.js";
import type { Layer } from "../nn/layer.js";
import { crossEntropy64, forward64 } from "./forward64.js";

export interface GradcheckRow {
  name: string;
  shape: number[];
  checked: number;
  relError: number;
  maxAbsError: number;
}

export interface GradcheckOptions {
  /** entries sampled per tensor (all when the tensor is smaller) */
  samples?: number;
  /** finite-difference step */
  h?: number;
  seed?: number;
}

/** Gradcheck the batch already written to model.input/model.targets (B examples). */
export function gradcheck(model: Model, B: number, options: GradcheckOptions = {}): GradcheckRow[] {
  const samples = options.samples ?? 24;
  const h = options.h ?? 1e-5;
  const rng = seedrandom(`${options.seed ?? 0}:gradcheck`);

  model.zeroGrad();
  model.loss(B, true);
  model.backward();

  const owner = new Map<Layer, string>(namedLayers(model.net).map(([prefix, layer]) => [layer, prefix]));
  const values64 = new Map<string, Float64Array>();
  for (const p of model.params) values64.set(p.name, Float64Array.from(p.value.data));
  for (const b of model.buffers) values64.set(b.name, Float64Array.from(b.value.data));
  const lookup = (layer: Layer, local: string) => values64.get(owner.get(layer)! + local)!;

  const perExample = model.maxSequenceLength > 0 ? model.rowsPerExample : model.input.length / model.maxBatch;
  const input = Float64Array.from(model.input.ints.subarray(0, B * perExample));
  const targets = model.targets.ints.slice(0, B * model.rowsPerExample);
  const loss64 = () => crossEntropy64(forward64(model.net, input, B, true, lookup), targets, model.vocabSize);

  return model.params.map((p) => {
    const w = values64.get(p.name)!;
    const grad = p.grad.data;
    const picks = w.length <= samples ? [...w.keys()] : Array.from({ length: samples }, () => Math.floor(rng() * w.length));
    let num = 0;
    let den = 0;
    let maxAbs = 0;
    for (const i of picks) {
      const saved = w[i];
      w[i] = saved + h;
      const plus = loss64();
      w[i] = saved - h;
      const minus = loss64();
      w[i] = saved;
      const numeric = (plus - minus) / (2 * h);
      num += (grad[i] - numeric) ** 2;
      den += numeric ** 2;
      maxAbs = Math.max(maxAbs, Math.abs(grad[i] - numeric));
    }
    return { name: p.name, shape: p.shape, checked: picks.length, relError: Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12), maxAbsError: maxAbs };
  });
}
