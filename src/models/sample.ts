// Sampling names from a next-character model: start from an all-'.' context, draw the next
// character from softmax(logits / temperature) (optionally restricted to the top k), slide the
// context, stop at '.' (index 0) or at maxLength. Samples are drawn in parallel, one per batch row.
import seedrandom from "seedrandom";
import type { Model } from "./model.js";
import type { CountBigram } from "./bigram.js";

export interface SampleOptions {
  count: number;
  temperature?: number;
  topK?: number;
  seed?: number;
  /** most tokens to generate per sample (names stop earlier, at '.') */
  maxLength?: number;
  /** sequence models: token ids to start from (default: the '.' start token) */
  prompt?: number[];
  /** sequence models: stop a sample when it draws the '.' token (names); false for text */
  stopAtBoundary?: boolean;
}

/** Draw an index from unnormalised log-probabilities `logits` (length V). */
export function drawFromLogits(logits: ArrayLike<number>, temperature: number, topK: number, u: number): number {
  const V = logits.length;
  let cutoff = -Infinity;
  if (topK > 0 && topK < V) cutoff = Array.from(logits).sort((a, b) => b - a)[topK - 1];
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i] >= cutoff) max = Math.max(max, logits[i]);
  const weights = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) {
    weights[i] = logits[i] >= cutoff ? Math.exp((logits[i] - max) / temperature) : 0;
    total += weights[i];
  }
  let r = u * total;
  for (let i = 0; i < V; i++) {
    r -= weights[i];
    if (r < 0 && weights[i] > 0) return i;
  }
  for (let i = V - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return 0;
}

function checkSampleOptions(o: SampleOptions): Required<SampleOptions> {
  const temperature = o.temperature ?? 1;
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be > 0, got ${o.temperature}`);
  if (!Number.isInteger(o.count) || o.count < 1) throw new RangeError(`count must be a positive integer, got ${o.count}`);
  const topK = o.topK ?? 0;
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`top-k must be an integer ≥ 0, got ${o.topK}`);
  return {
    count: o.count, temperature, topK, seed: o.seed ?? 42, maxLength: o.maxLength ?? 64, prompt: o.prompt ?? [0], stopAtBoundary: o.stopAtBoundary ?? true,
  };
}

/** Sample `count` sequences of token ids (without the terminating '.'). */
export function sampleTokens(model: Model, options: SampleOptions): number[][] {
  const o = checkSampleOptions(options);
  if (model.maxSequenceLength > 0) return sampleSequences(model, o);
  const rng = seedrandom(`${o.seed}:sample`);
  const T = model.input.length / model.maxBatch;
  const V = model.vocabSize;
  const results: number[][] = [];
  for (let start = 0; start < o.count; start += model.maxBatch) {
    const B = Math.min(model.maxBatch, o.count - start);
    const contexts = Array.from({ length: B }, () => new Array<number>(T).fill(0));
    const outs: number[][] = Array.from({ length: B }, () => []);
    const done = new Array<boolean>(B).fill(false);
    for (let len = 0; len < o.maxLength && done.includes(false); len++) {
      const mem = model.arena.i32;
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) mem[(model.input.ptr >> 2) + b * T + t] = contexts[b][t];
      const logits = model.forward(B, false).data;
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        const next = drawFromLogits(logits.subarray(b * V, (b + 1) * V), o.temperature, o.topK, rng());
        if (next === 0) done[b] = true;
        else {
          outs[b].push(next);
          contexts[b].shift();
          contexts[b].push(next);
        }
      }
    }
    results.push(...outs);
  }
  return results;
}

/** Sample from a count bigram table. */
export function sampleBigram(bigram: CountBigram, options: SampleOptions): number[][] {
  const o = checkSampleOptions(options);
  const rng = seedrandom(`${o.seed}:sample`);
  const V = bigram.vocabSize;
  const results: number[][] = [];
  for (let s = 0; s < o.count; s++) {
    const out: number[] = [];
    let prev = 0;
    while (out.length < o.maxLength) {
      const logits = Array.from(bigram.probs.subarray(prev * V, (prev + 1) * V), Math.log);
      prev = drawFromLogits(logits, o.temperature, o.topK, rng());
      if (prev === 0) break;
      out.push(prev);
    }
    results.push(out);
  }
  return results;
}

/**
 * A sequence model (GPT) predicts every position and attention is causal, so each step runs the
 * model over the context so far (its last T tokens once it is longer than the model's T).
 */
function sampleSequences(model: Model, o: Required<SampleOptions>): number[][] {
  const rng = seedrandom(`${o.seed}:sample`);
  const V = model.vocabSize;
  if (o.prompt.length === 0) throw new RangeError("the prompt is empty");
  const results: number[][] = [];
  for (let start = 0; start < o.count; start += model.maxBatch) {
    const B = Math.min(model.maxBatch, o.count - start);
    const seqs = Array.from({ length: B }, () => [...o.prompt]);
    const done = new Array<boolean>(B).fill(false);
    for (let len = 0; len < o.maxLength && done.includes(false); len++) {
      // every sequence of the batch has the same length: run just its positions (the last T at most)
      const T = Math.min(o.prompt.length + len, model.maxSequenceLength);
      model.setSequenceLength(T);
      const mem = model.arena.i32;
      const input = model.input.ptr >> 2;
      mem.fill(0, input, input + B * T);
      for (let b = 0; b < B; b++) mem.set(seqs[b].slice(-T), input + b * T);
      const logits = model.forward(B, false).data;
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        const at = b * T + Math.min(seqs[b].length, T) - 1;
        const next = drawFromLogits(logits.subarray(at * V, (at + 1) * V), o.temperature, o.topK, rng());
        if (o.stopAtBoundary && next === 0) done[b] = true;
        else seqs[b].push(next);
      }
    }
    results.push(...seqs.map((s) => s.slice(o.prompt.length)));
  }
  return results;
}
