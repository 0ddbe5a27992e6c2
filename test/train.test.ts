// Training runs: determinism (same seed and backend → identical losses), exact resume (N steps,
// stop, resume M steps == N+M straight, bit for bit), checkpoint round trip, the backends agree.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultNames, DEFAULT_NAMES_SOURCE } from "../src/data/default-names.js";
import { runTraining, type RunConfig } from "../src/train/run.js";
import { decodeCheckpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import type { BackendName } from "../src/kernels/types.js";
import { buildSequences, maxWordLength, Vocab } from "../src/data/index.js";
import { Model } from "../src/models/model.js";
import { buildNetwork, type NetworkConfig } from "../src/models/networks.js";
import { PRESETS } from "../src/train/presets.js";
import { paddedLengths, writeBatch } from "../src/train/trainer.js";

const words = defaultNames().slice(0, 600);
const base: RunConfig = { preset: "bnmlp", words, dataSource: DEFAULT_NAMES_SOURCE, steps: 60, evalEvery: 20, seed: 3 };

async function losses(config: RunConfig): Promise<number[]> {
  const out: number[] = [];
  await runTraining(config, { onStep: (s) => out.push(s.loss) });
  return out;
}

for (const backend of ["wasm", "js"] as BackendName[])
  test(`same seed, same backend (${backend}) → identical losses; another seed differs`, async () => {
    const a = await losses({ ...base, backend });
    const b = await losses({ ...base, backend });
    assert.equal(a, b);
    const c = await losses({ ...base, backend, seed: 4 });
    assert.not.equal(a, c);
  });

test("wasm and js backends follow the same trajectory (to float32 rounding)", async () => {
  const a = await losses({ ...base, backend: "wasm", steps: 30 });
  const b = await losses({ ...base, backend: "js", steps: 30 });
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-3 * Math.max(1, i), `step ${i}: ${a[i]} vs ${b[i]}`);
});

async function finalParams(config: RunConfig, stopAfter?: number, resume?: RunConfig["resume"]) {
  let last: { model: Uint8Array; optimizer: Uint8Array | null } | null = null;
  let n = 0;
  const result = await runTraining(
    { ...config, resume },
    {
      onStep: () => n++,
      shouldStop: () => stopAfter !== undefined && n >= stopAfter,
      onCheckpoint: (kind, model, optimizer) => {
        if (kind === "last") last = { model, optimizer };
      },
    },
  );
  assert.ok(result.trained.kind === "network");
  return { params: result.trained.model.paramBlock.data.slice(), last: last!, summary: result.summary };
}

for (const backend of ["wasm", "js"] as BackendName[])
  test(`resume is exact: 25 steps + stop + resume to 60 == 60 straight, bit for bit (${backend})`, async () => {
    const config = { ...base, backend };
    const straight = await finalParams(config);
    const first = await finalParams(config, 25);
    assert.is(first.summary.steps, 25);
    assert.ok(first.summary.stopped);
    const resumed = await finalParams(config, undefined, { model: first.last.model, optimizer: first.last.optimizer! });
    assert.is(resumed.summary.steps, 60);
    assert.ok(straight.params.every((v, i) => Object.is(v, resumed.params[i])), "identical parameters");
  });

test("resume is exact for a GPT whose dropout draws masks in three places (embeddings, attention probabilities, residual branches)", async () => {
  const config: RunConfig = { preset: "gpt", words, dataSource: DEFAULT_NAMES_SOURCE, steps: 24, batchSize: 8, evalEvery: 12, seed: 5, set: { dropout: "0.2" } };
  const straight = await finalParams(config);
  const first = await finalParams(config, 10);
  assert.is(first.summary.steps, 10);
  const resumed = await finalParams(config, undefined, { model: first.last.model, optimizer: first.last.optimizer! });
  assert.is(resumed.summary.steps, 24);
  assert.ok(straight.params.every((v, i) => Object.is(v, resumed.params[i])), "identical parameters");
  // and the dropout matters: without it the run ends elsewhere
  const plain = await finalParams({ ...config, set: { dropout: "0" } });
  assert.ok(plain.params.some((v, i) => v !== straight.params[i]), "dropout changes the trajectory");
});

test("checkpoint round trip keeps every tensor and the metadata", async () => {
  const { trained, meta } = await runTraining({ ...base, steps: 10 });
  const bytes = encodeCheckpoint(trained, meta);
  const back = decodeCheckpoint(bytes);
  assert.equal(back.meta, meta);
  assert.ok(trained.kind === "network" && back.trained.kind === "network");
  for (let i = 0; i < trained.model.params.length; i++)
    assert.equal(Array.from(back.trained.model.params[i].value.data), Array.from(trained.model.params[i].value.data));
  for (let i = 0; i < trained.model.buffers.length; i++)
    assert.equal(Array.from(back.trained.model.buffers[i].value.data), Array.from(trained.model.buffers[i].value.data));
});


test("a GPT on padded names runs each batch trimmed to its longest name: same loss and gradients as the padded batch", () => {
  const vocab = Vocab.forWords(words, "test");
  const T = maxWordLength(words) + 1;
  const data = buildSequences(words, vocab, T);
  const config = PRESETS.gpt.model(vocab.size, T - 1);
  const model = new Model(buildNetwork({ ...config, dropout: 0 } as NetworkConfig), { backend: "wasm", maxBatch: 8, inputShape: [T] });
  const short = Array.from({ length: 8 }, (_, i) => i).filter((i) => words[i].length < T - 3).slice(0, 4); // a batch of shorter names
  const lengths = paddedLengths(data);
  const longest = Math.max(...short.map((i) => lengths[i]));
  assert.ok(longest < T);
  const run = (trim: boolean) => {
    if (trim) writeBatch(model, data, short);
    else {
      model.setSequenceLength(T);
      short.forEach((i, b) => {
        model.input.ints.set(data.X.subarray(i * T, (i + 1) * T), b * T);
        model.targets.ints.set(data.Y.subarray(i * T, (i + 1) * T), b * T);
      });
    }
    model.zeroGrad();
    const loss = model.loss(short.length, true);
    model.backward();
    return { loss, T: model.rowsPerExample, grads: Float32Array.from(model.gradBlock.data) };
  };
  const padded = run(false);
  const trimmed = run(true);
  assert.is(padded.T, T);
  assert.is(trimmed.T, longest);
  assert.ok(Math.abs(padded.loss - trimmed.loss) < 1e-6, `${padded.loss} vs ${trimmed.loss}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < padded.grads.length; i++) {
    num += (padded.grads[i] - trimmed.grads[i]) ** 2;
    den += padded.grads[i] ** 2;
  }
  assert.ok(den > 0 && Math.sqrt(num / den) < 1e-5, `relative gradient difference ${Math.sqrt(num / den)}`);
  assert.throws(() => model.setSequenceLength(T + 1), /planned for 1\.\./);
  // a length seen before switches back to the shape arrays recorded for it: nothing is allocated
  const shapesAt5 = (model.setSequenceLength(5), model.net.outShape);
  model.setSequenceLength(T);
  model.setSequenceLength(5);
  assert.is(model.net.outShape, shapesAt5);
  assert.equal(model.net.outShape, [5, vocab.size]);
  assert.is(model.rowsPerExample, 5);
});

test("GELU's backward uses the slope of its latest forward, in eval mode too", () => {
  // a GPT without dropout: train and eval forwards are the same function, so their gradients must be
  const vocab = Vocab.forWords(words, "test");
  const T = maxWordLength(words) + 1;
  const data = buildSequences(words, vocab, T);
  const config = { ...PRESETS.gpt.model(vocab.size, T - 1), dropout: 0 } as NetworkConfig;
  const model = new Model(buildNetwork(config), { backend: "wasm", maxBatch: 4, inputShape: [T] });
  const gradsAfter = (training: boolean, batch: number[]) => {
    writeBatch(model, data, batch);
    model.zeroGrad();
    model.loss(batch.length, training);
    model.backward();
    return Float32Array.from(model.gradBlock.data);
  };
  const train = gradsAfter(true, [4, 5, 6, 7]);
  gradsAfter(true, [0, 1, 2, 3]); // leaves other slopes behind
  const evalMode = gradsAfter(false, [4, 5, 6, 7]);
  let differing = 0;
  for (let i = 0; i < train.length; i++) if (evalMode[i] !== train[i]) differing++;
  assert.is(differing, 0, `${differing} of ${train.length} gradient entries differ`);
});

test.run();
