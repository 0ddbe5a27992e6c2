// Ensembles: several trained models scored as one, whose next-character distribution is the mean of
// theirs, p(y | x) = (1/M) Σ_m p_m(y | x). Its loss is the mean over targets of −log p(y | x): no
// parameters, no training, only the members' eval-mode probabilities of each target.
import type { CountBigram } from "../models/bigram.js";
import type { Model } from "../models/model.js";
import { sequenceLengths, writeBatch, type Examples, type TrainingData } from "./trainer.js";

/** Each counted target of a split (targets −1 are skipped) and its probability under one model. */
export interface TargetProbabilities {
  targets: Int32Array;
  probs: Float64Array;
}

/** The model's probability of every counted target of `data`, in example order (eval mode). */
export function targetProbabilities(model: Model, data: TrainingData): TargetProbabilities {
  const lengths = sequenceLengths(model, data);
  const indices = new Int32Array(model.maxBatch);
  const targets: number[] = [];
  const probs: number[] = [];
  for (let start = 0; start < data.count; start += model.maxBatch) {
    const B = Math.min(model.maxBatch, data.count - start);
    for (let b = 0; b < B; b++) indices[b] = start + b;
    writeBatch(model, data, indices.subarray(0, B), lengths);
    model.loss(B, false);
    const V = model.vocabSize;
    const i32 = model.arena.i32;
    const f32 = model.arena.f32;
    const t0 = model.targets.ptr >> 2;
    const p0 = model.lastProbs.ptr >> 2;
    for (let r = 0; r < B * model.rowsPerExample; r++) {
      const t = i32[t0 + r];
      if (t < 0) continue;
      targets.push(t);
      probs.push(f32[p0 + r * V + t]);
    }
  }
  if (lengths) model.setSequenceLength(model.maxSequenceLength);
  return { targets: Int32Array.from(targets), probs: Float64Array.from(probs) };
}

/** The same for a count bigram over next-character examples (context 1). */
export function bigramTargetProbabilities(bigram: CountBigram, data: Examples): TargetProbabilities {
  const V = bigram.vocabSize;
  return { targets: data.Y.slice(), probs: Float64Array.from(data.Y, (y, i) => bigram.probs[data.X[i] * V + y]) };
}

/**
 * Mean −log of the members' averaged target probabilities. The members must have scored the same
 * targets in the same order (a RangeError otherwise: e.g. text models with different block sizes).
 */
export function ensembleLoss(members: TargetProbabilities[]): number {
  const [first] = members;
  if (!first) throw new RangeError("an ensemble needs at least one member");
  for (const m of members)
    if (m.targets.length !== first.targets.length || m.targets.some((t, i) => t !== first.targets[i]))
      throw new RangeError("the models score different examples (different data, split or block size)");
  const n = first.targets.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let p = 0;
    for (const m of members) p += m.probs[i];
    sum -= Math.log(p / members.length);
  }
  return sum / n;
}
