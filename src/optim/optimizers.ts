// Optimisers over a model's parameters, PyTorch semantics (torch.optim.SGD, torch.optim.AdamW).
// State lives in the arena beside the parameters, one slot per parameter element.
import type { Model } from "../models/model.js";
import type { Region } from "../memory/arena.js";

export interface SgdOptions {
  type: "sgd";
  momentum: number;
  weightDecay: number;
}
export interface AdamWOptions {
  type: "adamw";
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}
export type OptimizerOptions = SgdOptions | AdamWOptions;

export class Optimizer {
  /** steps taken so far (AdamW bias correction uses step + 1) */
  step = 0;
  /** SGD: velocity; AdamW: first moment m */
  readonly state1: Region;
  /** AdamW: second moment v (unused by SGD) */
  readonly state2: Region;
  private readonly spans: { offset: number; n: number; wd: number }[] = [];

  constructor(
    readonly model: Model,
    readonly options: OptimizerOptions,
  ) {
    this.state1 = model.arena.alloc(model.paramBlock.length, "optimizer.state1");
    this.state2 = model.arena.alloc(options.type === "adamw" ? model.paramBlock.length : 0, "optimizer.state2");
    // runs of consecutive parameters with the same weight decay, one kernel call each (byte offsets
    // into the blocks); a run covers the alignment padding between its slices: zero values,
    // gradients and state, which every update leaves at zero
    for (const p of model.params) {
      const offset = p.value.ptr - model.paramBlock.ptr;
      const wd = p.decay ? options.weightDecay : 0;
      const last = this.spans[this.spans.length - 1];
      if (last && last.wd === wd) last.n = (offset - last.offset) / 4 + p.value.length;
      else this.spans.push({ offset, n: p.value.length, wd });
    }
  }

  /** Apply one update with learning rate lr from the gradients in the model's gradient block. */
  update(lr: number): void {
    const { k, paramBlock, gradBlock } = this.model;
    const o = this.options;
    for (const { offset, n, wd } of this.spans) {
      const value = paramBlock.ptr + offset;
      const grad = gradBlock.ptr + offset;
      if (o.type === "sgd") k.sgdStep(value, grad, this.state1.ptr + offset, n, lr, o.momentum, wd, this.step === 0 ? 1 : 0);
      else k.adamwStep(value, grad, this.state1.ptr + offset, this.state2.ptr + offset, n, lr, o.beta1, o.beta2, o.eps, wd, this.step + 1);
    }
    this.step++;
  }

  /** Scale all gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
  clipGradNorm(maxNorm: number): number {
    const { k, gradBlock } = this.model;
    const norm = Math.sqrt(k.sumSquares(gradBlock.ptr, gradBlock.length));
    if (norm > maxNorm) k.scale(gradBlock.ptr, gradBlock.ptr, gradBlock.length, maxNorm / (norm + 1e-6));
    return norm;
  }
}
