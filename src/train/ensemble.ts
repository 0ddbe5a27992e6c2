// Ensembles: several trained models scored as one, whose next-character distribution is the mean of
// theirs, p(y | x) = (1/M) Σ_m p_m(y | x). Its loss is the mean over targets of −log p(y | x): no
// parameters, no training, only the members' eval-mode probabilities of each target. They stream
// batch by batch, so a split of any size (a text's 64M training targets) needs no more memory than
// a batch per member.
import type { CountBigram } from "../models/bigram.js";
import type { Model } from "../models/model.js";
import { sequenceLengths, writeBatch, type Examples, type TrainingData } from "./trainer.js";

/** Counted targets of a split (targets −1 are skipped) and their probabilities under one model. */
export interface TargetProbabilities {
  targets: Int32Array;
  probs: Float64Array;
}

/** The model's probability of every counted target of `data`, a batch at a time in example order (eval mode). */
export function* targetProbabilities(model: Model, data: TrainingData): Generator<TargetProbabilities> {
  const lengths = sequenceLengths(model, data);
  const indices = new Int32Array(model.maxBatch);
  try {
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
      const rows = B * model.rowsPerExample;
      let n = 0;
      for (let r = 0; r < rows; r++) if (i32[t0 + r] >= 0) n++;
      const chunk = { targets: new Int32Array(n), probs: new Float64Array(n) };
      for (let r = 0, i = 0; r < rows; r++) {
        const t = i32[t0 + r];
        if (t < 0) continue;
        chunk.targets[i] = t;
        chunk.probs[i++] = f32[p0 + r * V + t];
      }
      yield chunk;
    }
  } finally {
    if (lengths) model.setSequenceLength(model.maxSequenceLength);
  }
}

/** The same for a count bigram over next-character examples (context 1). */
export function* bigramTargetProbabilities(bigram: CountBigram, data: Examples, chunk = 4096): Generator<TargetProbabilities> {
  const V = bigram.vocabSize;
  for (let start = 0; start < data.count; start += chunk) {
    const targets = data.Y.slice(start, Math.min(data.count, start + chunk));
    yield { targets, probs: Float64Array.from(targets, (y, i) => bigram.probs[data.X[start + i] * V + y]) };
  }
}

/**
 * Mean −log of the members' averaged target probabilities, consuming their streams in step. The
 * members must score the same targets in the same order (a RangeError otherwise: e.g. text models
 * with different block sizes).
 */
export function ensembleLoss(members: Iterable<TargetProbabilities>[]): number {
  if (members.length === 0) throw new RangeError("an ensemble needs at least one member");
  const mismatch = () => new RangeError("the models score different examples (different data, split or block size)");
  const streams = members.map((m) => ({ it: m[Symbol.iterator](), chunk: null as TargetProbabilities | null, at: 0, done: false }));
  let sum = 0;
  let n = 0;
  try {
    for (;;) {
      // every stream at a chunk with targets left, or all of them finished together
      for (const s of streams)
        while (!s.done && (s.chunk === null || s.at === s.chunk.targets.length)) {
          const next = s.it.next();
          if (next.done) s.done = true;
          else [s.chunk, s.at] = [next.value, 0];
        }
      const finished = streams.filter((s) => s.done).length;
      if (finished === streams.length) break;
      if (finished > 0) throw mismatch();
      const run = Math.min(...streams.map((s) => s.chunk!.targets.length - s.at));
      const [first] = streams;
      for (let i = 0; i < run; i++) {
        let p = 0;
        for (const s of streams) {
          if (s.chunk!.targets[s.at + i] !== first.chunk!.targets[first.at + i]) throw mismatch();
          p += s.chunk!.probs[s.at + i];
        }
        sum -= Math.log(p / streams.length);
      }
      for (const s of streams) s.at += run;
      n += run;
    }
  } finally {
    for (const s of streams) s.it.return?.(); // a stopped stream restores its model
  }
  return n > 0 ? sum / n : NaN;
}
