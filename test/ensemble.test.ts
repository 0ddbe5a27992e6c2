// Ensembles (src/train/ensemble.ts): a one-member ensemble is the model's own loss, the loss of the
// mean distribution is worked by hand and bounded by the members' mean (Jensen), a GPT and a
// next-character model score the same targets in the same order, and mismatched members are refused.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultNames, DEFAULT_NAMES_SOURCE } from "../src/data/default-names.js";
import { prepareData, runTraining, type RunConfig } from "../src/train/run.js";
import { bigramTargetProbabilities, ensembleLoss, targetProbabilities } from "../src/train/ensemble.js";
import { evaluate, type Examples } from "../src/train/trainer.js";
import type { Model } from "../src/models/model.js";
import type { CountBigram } from "../src/models/bigram.js";

const words = defaultNames().slice(0, 500);
const base: RunConfig = { preset: "mlp", words, dataSource: DEFAULT_NAMES_SOURCE, steps: 200, evalEvery: 200, seed: 5 };

async function trained(config: Partial<RunConfig>): Promise<{ model: Model; data: ReturnType<typeof prepareData> }> {
  const r = await runTraining({ ...base, ...config });
  assert.ok(r.trained.kind === "network");
  const model = r.trained.model;
  return { model, data: prepareData({ words, label: DEFAULT_NAMES_SOURCE }, r.meta.config) };
}

test("ensembleLoss: the mean distribution's −log, worked by hand; mismatched targets are refused", () => {
  const a = { targets: Int32Array.of(3, 1), probs: Float64Array.of(0.5, 0.25) };
  const b = { targets: Int32Array.of(3, 1), probs: Float64Array.of(0.1, 0.25) };
  assert.ok(Math.abs(ensembleLoss([a, b]) - -(Math.log(0.3) + Math.log(0.25)) / 2) < 1e-15);
  assert.ok(Math.abs(ensembleLoss([a]) - -(Math.log(0.5) + Math.log(0.25)) / 2) < 1e-15);
  assert.throws(() => ensembleLoss([a, { targets: Int32Array.of(3, 2), probs: b.probs }]), /different examples/);
  assert.throws(() => ensembleLoss([a, { targets: Int32Array.of(3), probs: Float64Array.of(1) }]), /different examples/);
  assert.throws(() => ensembleLoss([]), /at least one/);
});

test("one member is the model itself; two models beat their mean loss; a GPT scores the same targets", async () => {
  const mlp = await trained({});
  const bnmlp = await trained({ preset: "bnmlp", seed: 6 });
  const gpt = await trained({ preset: "gpt", steps: 20, seed: 7, set: { nLayer: "1" } });
  for (const split of ["train", "val"] as const) {
    const p = [mlp, bnmlp, gpt].map((m) => targetProbabilities(m.model, m.data[split]));
    const own = [mlp, bnmlp, gpt].map((m) => evaluate(m.model, m.data[split]));
    for (let i = 0; i < 3; i++)
      assert.ok(Math.abs(ensembleLoss([p[i]]) - own[i]) < 1e-5, `${split} member ${i}: ${ensembleLoss([p[i]])} vs ${own[i]}`);
    // the GPT predicts every position of each padded name: the same targets as the context models
    assert.equal(Array.from(p[2].targets), Array.from(p[0].targets), `${split}: GPT and MLP targets`);
    const both = ensembleLoss([p[0], p[1]]);
    assert.ok(both < (own[0] + own[1]) / 2, `${split}: ensemble ${both} vs members ${own[0]}, ${own[1]}`);
    assert.ok(Math.abs(ensembleLoss([p[0], p[0]]) - own[0]) < 1e-5, "a model with itself is the model");
  }
});

test("a count bigram joins an ensemble through its probability table", async () => {
  const r = await runTraining({ ...base, preset: "bigram" });
  assert.ok(r.trained.kind === "bigram");
  const bigram: CountBigram = r.trained.bigram;
  const val = prepareData({ words, label: DEFAULT_NAMES_SOURCE }, r.meta.config).val as Examples;
  const p = bigramTargetProbabilities(bigram, val);
  assert.ok(Math.abs(ensembleLoss([p]) - bigram.nll(val.X, val.Y)) < 1e-12);
});

test.run();
