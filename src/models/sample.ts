// Sampling from a model or an ensemble of models: start from the prompt (default '.'), draw the next
// token from softmax(logits / temperature) (optionally restricted to the top k), append it, stop at
// '.' (index 0) or at maxLength. An ensemble draws from the mean of its members' distributions.
// Samples are drawn in parallel, one per batch row.
import seedrandom from "seedrandom";
import type { Model } from "./model.js";
import { CountBigram } from "./bigram.js";

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

/**
 * What a sampler asks of a model: the next-token logits (up to a constant per row) after each of a
 * batch of token histories, row b at [b·V, (b+1)·V). The result is valid until the next call.
 */
interface Predictor {
  maxBatch: number;
  vocabSize: number;
  next(histories: number[][]): Float32Array | Float64Array;
}

/** A next-character model sees the last T tokens of each history, left-padded with '.' (index 0). */
function contextPredictor(model: Model): Predictor {
  const T = model.input.length / model.maxBatch;
  return {
    maxBatch: model.maxBatch,
    vocabSize: model.vocabSize,
    next(histories) {
      const B = histories.length;
      const mem = model.arena.i32;
      const input = model.input.ptr >> 2;
      mem.fill(0, input, input + B * T);
      for (let b = 0; b < B; b++) {
        const h = histories[b].slice(-T);
        mem.set(h, input + b * T + T - h.length);
      }
      return model.forward(B, false).data.subarray(0, B * model.vocabSize);
    },
  };
}

/**
 * A sequence model (GPT) predicts every position and attention is causal, so it runs over each
 * history (its last T tokens once longer than the model's T) and the last position's logits are
 * the prediction; a shorter history is left-aligned, the padding after it never influencing it.
 */
function sequencePredictor(model: Model): Predictor {
  const V = model.vocabSize;
  const logits = new Float32Array(model.maxBatch * V);
  return {
    maxBatch: model.maxBatch,
    vocabSize: V,
    next(histories) {
      const B = histories.length;
      const T = Math.min(Math.max(...histories.map((h) => h.length)), model.maxSequenceLength);
      model.setSequenceLength(T);
      const mem = model.arena.i32;
      const input = model.input.ptr >> 2;
      mem.fill(0, input, input + B * T);
      for (let b = 0; b < B; b++) mem.set(histories[b].slice(-T), input + b * T);
      const out = model.forward(B, false).data;
      for (let b = 0; b < B; b++) {
        const at = b * T + Math.min(histories[b].length, T) - 1;
        logits.set(out.subarray(at * V, (at + 1) * V), b * V);
      }
      return logits.subarray(0, B * V);
    },
  };
}

/** A count bigram's log-probabilities after each history's last token. */
function bigramPredictor(bigram: CountBigram): Predictor {
  const V = bigram.vocabSize;
  return {
    maxBatch: 512,
    vocabSize: V,
    next(histories) {
      const logits = new Float64Array(histories.length * V);
      histories.forEach((h, b) => {
        const prev = h[h.length - 1];
        for (let v = 0; v < V; v++) logits[b * V + v] = Math.log(bigram.probs[prev * V + v]);
      });
      return logits;
    },
  };
}

const predictorOf = (member: Model | CountBigram): Predictor =>
  member instanceof CountBigram ? bigramPredictor(member) : member.maxSequenceLength > 0 ? sequencePredictor(member) : contextPredictor(member);

/** log of the mean of the members' softmax distributions, row by row (B rows of V). */
function meanLogProbs(logits: (Float32Array | Float64Array)[], B: number, V: number): Float64Array {
  const out = new Float64Array(B * V);
  for (const l of logits)
    for (let b = 0; b < B; b++) {
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, l[b * V + v]);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(l[b * V + v] - max);
      for (let v = 0; v < V; v++) out[b * V + v] += Math.exp(l[b * V + v] - max) / sum / logits.length;
    }
  for (let i = 0; i < out.length; i++) out[i] = Math.log(out[i]);
  return out;
}

/**
 * Sample `count` sequences of token ids (after the prompt, without a terminating '.') from the
 * ensemble of `members`: the mean of their next-token distributions (one member: its own logits).
 * Every sample starts from the prompt (default '.') and draws in parallel, one per batch row.
 */
export function sampleEnsemble(members: (Model | CountBigram)[], options: SampleOptions): number[][] {
  const o = checkSampleOptions(options);
  if (o.prompt.length === 0) throw new RangeError("the prompt is empty");
  const predictors = members.map(predictorOf);
  if (predictors.length === 0) throw new RangeError("an ensemble needs at least one member");
  const V = predictors[0].vocabSize;
  if (predictors.some((p) => p.vocabSize !== V)) throw new RangeError("the members have different vocabularies");
  const chunk = Math.min(...predictors.map((p) => p.maxBatch));
  const rng = seedrandom(`${o.seed}:sample`);
  const results: number[][] = [];
  for (let start = 0; start < o.count; start += chunk) {
    const B = Math.min(chunk, o.count - start);
    const histories = Array.from({ length: B }, () => [...o.prompt]);
    const done = new Array<boolean>(B).fill(false);
    for (let len = 0; len < o.maxLength && done.includes(false); len++) {
      const logits = predictors.length === 1 ? predictors[0].next(histories) : meanLogProbs(predictors.map((p) => p.next(histories)), B, V);
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        const next = drawFromLogits(logits.subarray(b * V, (b + 1) * V), o.temperature, o.topK, rng());
        if (o.stopAtBoundary && next === 0) done[b] = true;
        else histories[b].push(next);
      }
    }
    results.push(...histories.map((h) => h.slice(o.prompt.length)));
  }
  return results;
}

/** Sample `count` sequences of token ids from one model (sampleEnsemble of one). */
export function sampleTokens(model: Model, options: SampleOptions): number[][] {
  return sampleEnsemble([model], options);
}

/** Sample from a count bigram table. */
export function sampleBigram(bigram: CountBigram, options: SampleOptions): number[][] {
  return sampleEnsemble([bigram], options);
}
