// The training loop, free of I/O so Node, the CLI and a browser worker drive it alike:
// sample a minibatch (seedrandom), forward + loss, backward, optional clipping, optimiser update.
import seedrandom from "seedrandom";
import type { Model } from "../models/model.js";
import { Optimizer, type OptimizerOptions } from "../optim/optimizers.js";
import { learningRate, type Schedule } from "../optim/schedule.js";

/** Examples of one split: X is count×contextSize token ids, Y is count×rowsPerExample targets (−1 = ignore). */
export interface Examples {
  X: Int32Array;
  Y: Int32Array;
  count: number;
}

export interface TrainOptions {
  steps: number;
  batchSize: number;
  schedule: Schedule;
  optimizer: OptimizerOptions;
  /** clip the global gradient norm to this value (0 = off) */
  gradClip: number;
  seed: number;
}

export class Trainer {
  readonly optimizer: Optimizer;
  step = 0;
  private rng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;
  private readonly contextSize: number;

  constructor(
    readonly model: Model,
    readonly train: Examples,
    readonly options: TrainOptions,
  ) {
    if (train.count < 1) throw new RangeError("the training split is empty");
    if (options.batchSize > model.gradBatch) throw new RangeError(`batch size ${options.batchSize} > the model's planned ${model.gradBatch}`);
    this.optimizer = new Optimizer(model, options.optimizer);
    this.rng = seedrandom(`${options.seed}:batches`, { state: true });
    this.contextSize = train.X.length / train.count;
  }

  get learningRate(): number {
    return learningRate(this.options.schedule, this.step);
  }

  /** One optimisation step on a random minibatch; returns its loss (before the update). */
  trainStep(): number {
    const { model, train } = this;
    const B = this.options.batchSize;
    const T = this.contextSize;
    const R = model.rowsPerExample;
    const mem = model.arena.i32;
    const input = model.input.ptr >> 2;
    const targets = model.targets.ptr >> 2;
    for (let b = 0; b < B; b++) {
      const i = Math.floor(this.rng() * train.count);
      for (let t = 0; t < T; t++) mem[input + b * T + t] = train.X[i * T + t];
      for (let r = 0; r < R; r++) mem[targets + b * R + r] = train.Y[i * R + r];
    }
    model.zeroGrad();
    const loss = model.loss(B, true);
    model.backward();
    if (this.options.gradClip > 0) this.optimizer.clipGradNorm(this.options.gradClip);
    this.optimizer.update(this.learningRate);
    this.step++;
    return loss;
  }

  /** Random-number state for exact resume. */
  get rngState(): seedrandom.State.Arc4 {
    return this.rng.state();
  }
  restore(step: number, rngState: seedrandom.State.Arc4, optimizerStep: number): void {
    this.step = step;
    this.rng = seedrandom("", { state: rngState });
    this.optimizer.step = optimizerStep;
  }
}

/** Mean cross-entropy of the model over a whole split (eval mode), weighted by counted targets. */
export function evaluate(model: Model, data: Examples): number {
  const T = data.X.length / Math.max(1, data.count);
  const R = model.rowsPerExample;
  let sum = 0;
  let rows = 0;
  for (let start = 0; start < data.count; start += model.maxBatch) {
    const B = Math.min(model.maxBatch, data.count - start);
    const mem = model.arena.i32;
    mem.set(data.X.subarray(start * T, (start + B) * T), model.input.ptr >> 2);
    const targets = data.Y.subarray(start * R, (start + B) * R);
    mem.set(targets, model.targets.ptr >> 2);
    let counted = 0;
    for (let i = 0; i < targets.length; i++) if (targets[i] >= 0) counted++;
    if (counted === 0) continue;
    sum += model.loss(B, false) * counted;
    rows += counted;
  }
  return rows > 0 ? sum / rows : NaN;
}
