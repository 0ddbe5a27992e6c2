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

/**
 * Windows over one token stream (character-level text): example i is tokens[i·stride, i·stride + T)
 * with targets shifted by one. Training uses stride 1 (every offset); evaluation uses stride T, so
 * each token is predicted once.
 */
export interface TextWindows {
  tokens: Int32Array;
  T: number;
  stride: number;
  count: number;
}

export type TrainingData = Examples | TextWindows;

export function textWindows(tokens: Int32Array, T: number, stride: number): TextWindows {
  return { tokens, T, stride, count: Math.max(0, Math.floor((tokens.length - 1 - T) / stride) + 1) };
}


/**
 * Write examples `indices` of `data` into the model's input and target buffers. A sequence model
 * over padded examples (names) is trimmed to the batch's longest example (see setSequenceLength).
 */
export function writeBatch(model: Model, data: TrainingData, indices: ArrayLike<number>, lengths = sequenceLengths(model, data)): void {
  let T = contextOf(data);
  if (lengths) {
    T = 1;
    for (let b = 0; b < indices.length; b++) T = Math.max(T, lengths[indices[b]]);
    model.setSequenceLength(T);
  }
  // the first T input ids and R targets of each example (a trimmed sequence model writes T of each)
  const R = model.rowsPerExample;
  const mem = model.arena.i32;
  const input = model.input.ptr >> 2;
  const targets = model.targets.ptr >> 2;
  if ("tokens" in data) {
    for (let b = 0; b < indices.length; b++) {
      const start = indices[b] * data.stride;
      for (let t = 0; t < T; t++) mem[input + b * T + t] = data.tokens[start + t];
      for (let t = 0; t < T; t++) mem[targets + b * R + t] = data.tokens[start + t + 1];
    }
    return;
  }
  const xStride = contextOf(data);
  const yStride = data.Y.length / Math.max(1, data.count);
  for (let b = 0; b < indices.length; b++) {
    const x = indices[b] * xStride;
    const y = indices[b] * yStride;
    for (let t = 0; t < T; t++) mem[input + b * T + t] = data.X[x + t];
    for (let r = 0; r < R; r++) mem[targets + b * R + r] = data.Y[y + r];
  }
}

/** For a sequence model over padded examples, paddedLengths; null for other models and for text windows. */
export function sequenceLengths(model: Model, data: TrainingData): Int32Array | null {
  return model.maxSequenceLength === 0 || "tokens" in data ? null : paddedLengths(data);
}

/** Each example's length up to its last counted target (targets −1 are padding). */
export function paddedLengths(data: Examples): Int32Array {
  const R = data.Y.length / Math.max(1, data.count);
  const lengths = new Int32Array(data.count);
  for (let i = 0; i < data.count; i++) {
    let n = R;
    while (n > 1 && data.Y[i * R + n - 1] < 0) n--;
    lengths[i] = n;
  }
  return lengths;
}

const contextOf = (data: TrainingData) => ("tokens" in data ? data.T : data.X.length / Math.max(1, data.count));

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
  private rng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;
  private readonly indices: Int32Array;
  private readonly lengths: Int32Array | null;

  constructor(
    readonly model: Model,
    readonly train: TrainingData,
    readonly options: TrainOptions,
  ) {
    if (train.count < 1) throw new RangeError("the training split is empty");
    if (options.batchSize > model.gradBatch) throw new RangeError(`batch size ${options.batchSize} > the model's planned ${model.gradBatch}`);
    this.optimizer = new Optimizer(model, options.optimizer);
    // Alea: seedrandom's fast generator (ARC4, the default, costs ~0.4 µs a draw)
    this.rng = seedrandom.alea(`${options.seed}:batches`, { state: true });
    this.indices = new Int32Array(options.batchSize);
    this.lengths = sequenceLengths(model, train);
  }

  get learningRate(): number {
    return learningRate(this.options.schedule, this.step);
  }

  /** One optimisation step on a random minibatch; returns its loss (before the update). */
  trainStep(): number {
    const { model, train, indices } = this;
    const B = this.options.batchSize;
    for (let b = 0; b < B; b++) indices[b] = Math.floor(this.rng() * train.count);
    writeBatch(model, train, indices, this.lengths);
    model.zeroGrad();
    const loss = model.loss(B, true);
    model.backward();
    if (this.options.gradClip > 0) this.optimizer.clipGradNorm(this.options.gradClip);
    this.optimizer.update(this.learningRate);
    if (this.lengths) model.setSequenceLength(model.maxSequenceLength); // callers see the model's full length
    this.step++;
    return loss;
  }

  /** Random-number state for exact resume. */
  get rngState(): seedrandom.State.Alea {
    return this.rng.state();
  }
  restore(step: number, rngState: seedrandom.State.Alea, optimizerStep: number): void {
    this.step = step;
    this.rng = seedrandom.alea("", { state: rngState });
    this.optimizer.step = optimizerStep;
  }
}

/** One evaluated batch: its counted targets (−1 skipped), their probabilities, and their summed NLL. */
export interface ScoredBatch {
  targets: Int32Array;
  probs: Float64Array;
  /** Σ −log p(target) over the batch's counted targets, as the loss kernel computes it */
  nll: number;
}

/**
 * The model's scores of a whole split (eval mode), a batch of model.maxBatch examples at a time in
 * example order; batches without a counted target are skipped.
 */
export function* scoreBatches(model: Model, data: TrainingData): Generator<ScoredBatch> {
  const lengths = sequenceLengths(model, data);
  const indices = new Int32Array(model.maxBatch);
  try {
    for (let start = 0; start < data.count; start += model.maxBatch) {
      const B = Math.min(model.maxBatch, data.count - start);
      for (let b = 0; b < B; b++) indices[b] = start + b;
      writeBatch(model, data, indices.subarray(0, B), lengths);
      const rows = B * model.rowsPerExample;
      const t0 = model.targets.ptr >> 2;
      let counted = 0;
      for (let r = 0; r < rows; r++) if (model.arena.i32[t0 + r] >= 0) counted++;
      if (counted === 0) continue;
      const nll = model.loss(B, false) * counted;
      const V = model.vocabSize;
      const i32 = model.arena.i32;
      const f32 = model.arena.f32;
      const p0 = model.lastProbs.ptr >> 2;
      const batch = { targets: new Int32Array(counted), probs: new Float64Array(counted), nll };
      for (let r = 0, i = 0; r < rows; r++) {
        const t = i32[t0 + r];
        if (t < 0) continue;
        batch.targets[i] = t;
        batch.probs[i++] = f32[p0 + r * V + t];
      }
      yield batch;
    }
  } finally {
    if (lengths) model.setSequenceLength(model.maxSequenceLength);
  }
}

/** Mean cross-entropy of the model over a whole split (eval mode), weighted by counted targets. */
export function evaluate(model: Model, data: TrainingData): number {
  let sum = 0;
  let rows = 0;
  for (const batch of scoreBatches(model, data)) {
    sum += batch.nll;
    rows += batch.targets.length;
  }
  return rows > 0 ? sum / rows : NaN;
}
