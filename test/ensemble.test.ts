// Ensembles (src/train/ensemble.ts, sampleEnsemble in src/models/sample.ts): a one-member ensemble
// is the model's own loss, the loss of the mean distribution is worked by hand and bounded by the
// members' mean (Jensen), a GPT and a next-character model score the same targets in the same order,
// mismatched members are refused, and sampling draws from the mean distribution.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultNames, DEFAULT_NAMES_SOURCE } from "../src/data/default-names.js";
import { prepareData, runTraining, type RunConfig } from "../src/train/run.js";
import { bigramScores, ensembleLoss } from "../src/train/ensemble.js";
import { evaluate, scoreBatches, type Examples, type ScoredBatch } from "../src/train/trainer.js";
import type { Model } from "../src/models/model.js";
import type { CountBigram } from "../src/models/bigram.js";
import { sampleEnsemble, sampleTokens } from "../src/models/sample.js";

const words = defaultNames().slice(0, 500);
const base: RunConfig = { preset: "mlp", words, dataSource: DEFAULT_NAMES_SOURCE, steps: 200, evalEvery: 200, seed: 5 };

async function trained(config: Partial<RunConfig>): Promise<{ model: Model; data: ReturnType<typeof prepareData> }> {
  const r = await runTraining({ ...base, ...config });
  assert.ok(r.trained.kind === "network");
  const model = r.trained.model;
  return { model, data: prepareData({ words, label: DEFAULT_NAMES_SOURCE }, r.meta.config) };
}

test("ensembleLoss: the mean distribution's −log, worked by hand, across batches of different sizes; mismatches refused", () => {
  const batch = (targets: number[], probs: number[]): ScoredBatch =>
    ({ targets: Int32Array.from(targets), probs: Float64Array.from(probs), nll: probs.reduce((s, p) => s - Math.log(p), 0) });
  const a = [batch([3, 1], [0.5, 0.25])];
  const b = [batch([3], [0.1]), batch([], []), batch([1], [0.25])];
  const both = ensembleLoss([a, b]);
  assert.ok(Math.abs(both.ensemble - -(Math.log(0.3) + Math.log(0.25)) / 2) < 1e-15);
  assert.ok(Math.abs(both.members[0] - -(Math.log(0.5) + Math.log(0.25)) / 2) < 1e-15, "each member's own loss");
  assert.ok(Math.abs(both.members[1] - -(Math.log(0.1) + Math.log(0.25)) / 2) < 1e-15);
  assert.ok(Math.abs(ensembleLoss([a]).ensemble - -(Math.log(0.5) + Math.log(0.25)) / 2) < 1e-15);
  assert.throws(() => ensembleLoss([a, [batch([3, 2], [0.1, 0.25])]]), /different examples/);
  assert.throws(() => ensembleLoss([a, [batch([3], [1])]]), /different examples/);
  assert.throws(() => ensembleLoss([a, [...b, batch([2], [1])]]), /different examples/);
  assert.throws(() => ensembleLoss([]), /at least one/);
});

test("one member is the model itself; two models beat their mean loss; a GPT scores the same targets", async () => {
  const mlp = await trained({});
  const bnmlp = await trained({ preset: "bnmlp", seed: 6 });
  const gpt = await trained({ preset: "gpt", steps: 20, seed: 7, set: { nLayer: "1" } });
  const targetsOf = (chunks: ScoredBatch[]) => chunks.flatMap((c) => Array.from(c.targets));
  for (const split of ["train", "val"] as const) {
    const p = [mlp, bnmlp, gpt].map((m) => [...scoreBatches(m.model, m.data[split])]);
    const own = [mlp, bnmlp, gpt].map((m) => evaluate(m.model, m.data[split]));
    for (let i = 0; i < 3; i++) {
      const one = ensembleLoss([p[i]]);
      assert.ok(Math.abs(one.ensemble - own[i]) < 1e-5, `${split} member ${i}: ${one.ensemble} vs ${own[i]}`);
      assert.is(one.members[0], own[i], "a member's own loss is evaluate's, bit for bit");
    }
    // the GPT predicts every position of each padded name: the same targets as the context models
    assert.equal(targetsOf(p[2]), targetsOf(p[0]), `${split}: GPT and MLP targets`);
    assert.ok(p[2].length < p[0].length, "in fewer, larger chunks (a GPT's batch holds whole names)");
    const both = ensembleLoss([p[0], p[1]]).ensemble;
    assert.ok(both < (own[0] + own[1]) / 2, `${split}: ensemble ${both} vs members ${own[0]}, ${own[1]}`);
    assert.ok(Math.abs(ensembleLoss([p[0], p[0]]).ensemble - own[0]) < 1e-5, "a model with itself is the model");
    // streamed straight from the models, the GPT restored to its full length afterwards
    assert.ok(Math.abs(ensembleLoss([scoreBatches(mlp.model, mlp.data[split]), scoreBatches(gpt.model, gpt.data[split])]).ensemble - ensembleLoss([p[0], p[2]]).ensemble) < 1e-12);
    assert.is(gpt.model.rowsPerExample, gpt.model.maxSequenceLength);
  }
});

test("a count bigram joins an ensemble through its probability table", async () => {
  const r = await runTraining({ ...base, preset: "bigram" });
  assert.ok(r.trained.kind === "bigram");
  const bigram: CountBigram = r.trained.bigram;
  const val = prepareData({ words, label: DEFAULT_NAMES_SOURCE }, r.meta.config).val as Examples;
  const one = ensembleLoss([bigramScores(bigram, val)]);
  assert.ok(Math.abs(one.ensemble - bigram.nll(val.X, val.Y)) < 1e-12);
  assert.is(one.members[0], bigram.nll(val.X, val.Y), "its own loss is CountBigram.nll's, bit for bit");
});

/** softmax of the model's logits for the next token after '.', the start of every name */
function firstDistribution(model: Model): number[] {
  if (model.maxSequenceLength > 0) model.setSequenceLength(1);
  model.arena.i32.fill(0, model.input.ptr >> 2, (model.input.ptr >> 2) + model.input.length);
  const logits = Array.from(model.forward(1, false).data.subarray(0, model.vocabSize));
  if (model.maxSequenceLength > 0) model.setSequenceLength(model.maxSequenceLength);
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

test("sampling from an ensemble: first letters follow the mean distribution; a model with itself is the model", async () => {
  const mlp = (await trained({ steps: 400 })).model;
  const gpt = (await trained({ preset: "gpt", steps: 30, seed: 7, set: { nLayer: "1" } })).model;
  const [p, q] = [firstDistribution(mlp), firstDistribution(gpt)];
  const mean = p.map((x, v) => (x + q[v]) / 2);
  // 4,000 first letters: each letter's frequency within 4.5 standard errors of the mean distribution
  const n = 4000;
  const counts = new Array<number>(mlp.vocabSize).fill(0);
  for (const s of sampleEnsemble([mlp, gpt], { count: n, maxLength: 1, seed: 1 })) counts[s[0] ?? 0]++;
  for (let v = 0; v < mean.length; v++) {
    const se = Math.sqrt((mean[v] * (1 - mean[v])) / n);
    assert.ok(Math.abs(counts[v] / n - mean[v]) <= 4.5 * se + 1e-9, `letter ${v}: ${counts[v] / n} vs mean ${mean[v]} (members ${p[v]}, ${q[v]})`);
  }
  const top = mean.indexOf(Math.max(...mean));
  assert.ok(Math.abs(p[top] - q[top]) > 0.2, "the members disagree, so the test tells the mean from either");
  // the mean of a distribution with itself is that distribution: the same draws as the model alone
  const opts = { count: 40, seed: 9, temperature: 0.9 };
  assert.equal(sampleEnsemble([mlp, mlp], opts), sampleTokens(mlp, opts));
  assert.equal(sampleEnsemble([gpt, gpt], opts), sampleTokens(gpt, opts));
  const both = sampleEnsemble([mlp, gpt], opts);
  assert.is(both.length, 40);
  assert.ok(both.every((s) => s.length <= 64 && s.every((t) => t > 0 && t < mlp.vocabSize)), "names of letters, ended at '.'");
  assert.throws(() => sampleEnsemble([], opts), /at least one/);
});

test.run();
