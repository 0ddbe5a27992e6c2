// Ensembles: several trained models scored as one, whose next-character distribution is the mean of
// theirs, p(y | x) = (1/M) Σ_m p_m(y | x). Its loss is the mean over targets of −log p(y | x): no
// parameters, no training, only the members' eval-mode probabilities of each target (scoreBatches
// in trainer.ts). They stream batch by batch, so a split of any size needs no more memory than a
// batch per member, and one pass gives every member's own loss too.
import type { CountBigram } from "../models/bigram.js";
import type { Examples, ScoredBatch } from "./trainer.js";

/** A count bigram's scores of next-character examples (context 1), as one batch. */
export function* bigramScores(bigram: CountBigram, data: Examples): Generator<ScoredBatch> {
  const V = bigram.vocabSize;
  const probs = Float64Array.from(data.Y, (y, i) => bigram.probs[data.X[i] * V + y]);
  let nll = 0;
  for (const p of probs) nll -= Math.log(p); // CountBigram.nll's sum, in its order
  yield { targets: data.Y.slice(), probs, nll };
}

/**
 * The ensemble's mean −log of the members' averaged target probabilities, and each member's own
 * mean NLL (its batches' sums: what `evaluate` returns), consuming the members' streams in step. The
 * members must score the same targets in the same order (a RangeError otherwise: e.g. text models
 * with different block sizes).
 */
export function ensembleLoss(members: Iterable<ScoredBatch>[]): { ensemble: number; members: number[] } {
  if (members.length === 0) throw new RangeError("an ensemble needs at least one member");
  const mismatch = () => new RangeError("the models score different examples (different data, split or block size)");
  const streams = members.map((m) => ({ it: m[Symbol.iterator](), batch: null as ScoredBatch | null, at: 0, done: false, nll: 0 }));
  let sum = 0;
  let n = 0;
  try {
    for (;;) {
      // every stream at a batch with targets left, or all of them finished together
      for (const s of streams)
        while (!s.done && (s.batch === null || s.at === s.batch.targets.length)) {
          const next = s.it.next();
          if (next.done) s.done = true;
          else [s.batch, s.at, s.nll] = [next.value, 0, s.nll + next.value.nll];
        }
      const finished = streams.filter((s) => s.done).length;
      if (finished === streams.length) break;
      if (finished > 0) throw mismatch();
      const run = Math.min(...streams.map((s) => s.batch!.targets.length - s.at));
      const [first] = streams;
      for (let i = 0; i < run; i++) {
        let p = 0;
        for (const s of streams) {
          if (s.batch!.targets[s.at + i] !== first.batch!.targets[first.at + i]) throw mismatch();
          p += s.batch!.probs[s.at + i];
        }
        sum -= Math.log(p / streams.length);
      }
      for (const s of streams) s.at += run;
      n += run;
    }
  } finally {
    for (const s of streams) s.it.return?.(); // a stopped stream restores its model
  }
  return n > 0 ? { ensemble: sum / n, members: streams.map((s) => s.nll / n) } : { ensemble: NaN, members: streams.map(() => NaN) };
}
