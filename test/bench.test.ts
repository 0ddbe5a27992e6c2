// Smoke tests of the training benchmark and the step profile: a few steps each, checking that rows
// and reports are well formed. Nothing here is timed against a threshold.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import {
  batchLengthMoments, benchSetup, benchTrain, DEFAULT_TRAIN_BENCH_MODELS, formatTrainTable, loadBenchData, stepFlops, trainStepFlops,
  TRAIN_BENCH_ENGINES, type BenchSetup, type Row,
} from "../src/bench/train.js";
import { formatMemoryCheck, formatProfile, memoryFlatness, profileStep } from "../src/bench/profile.js";
import { loadTfjs } from "../src/bench/tfjs.js";

const quiet = { log: () => {} };
/** names.txt beside the checkout (its longest name is 15 letters, as the synthetic data's) */
const NAMES = "../shared/data/names.txt";
/** tokens per step: B for the lecture models, B·T for the GPTs (gpt: 64 × 16, gpt-shakespeare: 24 × 64) */
const TOKENS: Record<string, number> = { mlp: 32, bnmlp: 32, wavenet: 32, gpt: 64 * 16, "gpt-shakespeare": 24 * 64 };

function checkRow(r: Row, model: string, setup?: BenchSetup): void {
  assert.is(r.model, model);
  assert.ok((TRAIN_BENCH_ENGINES as readonly string[]).includes(r.engine), r.engine);
  assert.ok(Number.isFinite(r.steps_per_sec) && r.steps_per_sec > 0, `${r.engine} steps/s ${r.steps_per_sec}`);
  assert.ok(Math.abs(r.ms_per_step * r.steps_per_sec - 1000) < 1e-6);
  const tokens = setup ? setup.tokensPerStep : TOKENS[model];
  const flops = setup ? stepFlops(setup.config, setup.batch, setup.length) : trainStepFlops(model);
  assert.ok(Math.abs(r.tokens_per_sec - r.steps_per_sec * tokens) < 1e-6 * r.tokens_per_sec, `${r.engine} tokens/s ${r.tokens_per_sec}`);
  assert.ok(Math.abs(r.gflops - (flops * r.steps_per_sec) / 1e9) < 1e-9);
}

test("FLOPs per step: 3 × Σ 2·R·in·out over the Linear layers", () => {
  // mlp: 32·30·200 + 32·200·27; wavenet: 128·48·128 + 64·256·128 + 32·256·128 + 32·128·27
  assert.is(trainStepFlops("mlp"), 6 * (32 * 30 * 200 + 32 * 200 * 27));
  assert.is(trainStepFlops("bnmlp"), 6 * (32 * 30 * 200 + 32 * 200 * 27));
  assert.is(trainStepFlops("wavenet"), 6 * (128 * 48 * 128 + 64 * 256 * 128 + 32 * 256 * 128 + 32 * 128 * 27));
});

test("FLOPs per step of a GPT: 3 × (per layer 2·R·12C² + attention 4·B·T²·C over the full square, + lm_head 2·R·C·V)", () => {
  // gpt: B 64, T 16 (longest name 15 + 1), C 64, 6 layers, V 27; gpt-shakespeare: B 24, T 64, C 64, 4 layers, V 65
  const gpt = (B: number, T: number, C: number, L: number, V: number) => 3 * (L * (2 * B * T * 12 * C * C + 4 * B * T * T * C) + 2 * B * T * C * V);
  assert.is(trainStepFlops("gpt"), gpt(64, 16, 64, 6, 27));
  assert.is(trainStepFlops("gpt"), 1_898_053_632);
  assert.is(trainStepFlops("gpt-shakespeare"), gpt(24, 64, 64, 4, 65));
  assert.is(trainStepFlops("gpt", 27, 32, 20), gpt(32, 21, 64, 6, 27));
});

test("batchLengthMoments: E[T] and E[T²] of the longest of B draws", () => {
  assert.equal(batchLengthMoments(Int32Array.of(5, 5, 5), 16, 32), { mean: 5, meanSquare: 25 });
  const one = batchLengthMoments(Int32Array.of(2, 4), 4, 1); // one draw: the plain mean
  assert.ok(Math.abs(one.mean - 3) < 1e-12 && Math.abs(one.meanSquare - 10) < 1e-12);
  const two = batchLengthMoments(Int32Array.of(2, 4), 4, 2); // max of two draws is 2 with probability 1/4
  assert.ok(Math.abs(two.mean - 3.5) < 1e-12 && Math.abs(two.meanSquare - 13) < 1e-12);
});

test("benchTrain: wasmore rows for every default model (the GPT too), ordered by model then engine, and a table", async () => {
  const rows = await benchTrain({ engines: ["wasmore-js", "wasmore-wasm"], steps: 1, ...quiet });
  assert.equal(DEFAULT_TRAIN_BENCH_MODELS, ["mlp", "bnmlp", "wavenet", "gpt"]);
  assert.equal(
    rows.map((r) => `${r.model}/${r.engine}`),
    DEFAULT_TRAIN_BENCH_MODELS.flatMap((m) => [`${m}/wasmore-wasm`, `${m}/wasmore-js`]),
  );
  for (const r of rows) checkRow(r, r.model);
  const table = formatTrainTable(rows);
  assert.match(table, /model\s+engine\s+steps\/s\s+ms\/step\s+tokens\/s\s+GFLOP\/s/);
  assert.match(table, /wavenet\s+wasmore-js/);
  assert.match(table, /gpt\s+wasmore-js/);
  assert.match(table, /gpt 1,898\.05 M \(B·T 1,024\)/);
  assert.match(table, /1\.00×/);
  assert.equal(Object.keys(rows[0]).sort(), ["engine", "gflops", "model", "ms_per_step", "steps_per_sec", "tokens_per_sec"]);
});

test("benchTrain: the GPTs — on names.txt (or synthetic ids) and text; PyTorch in the same run, TensorFlow.js skipped", async () => {
  const notes: string[] = [];
  const data = existsSync(NAMES) ? NAMES : undefined;
  const rows = await benchTrain({ models: ["gpt"], engines: ["wasmore-wasm", "tfjs-cpu", "pytorch"], steps: 1, data, log: (l) => notes.push(l) });
  // on names each batch runs up to its longest name: E[T] < 16 positions
  const setup = benchSetup("gpt", await loadBenchData(data));
  if (data) assert.ok(setup.length.mean > 8 && setup.length.mean < 16, `E[T] ${setup.length.mean}`);
  for (const r of rows) checkRow(r, "gpt", setup);
  assert.ok(notes.some((n) => /skipping gpt on tfjs-cpu/.test(n)), notes.join("\n"));
  assert.not.ok(rows.some((r) => r.engine === "tfjs-cpu"));
  if (existsSync("/usr/bin/python3") && rows.some((r) => r.engine === "pytorch")) assert.match(rows.find((r) => r.engine === "pytorch")!.detail!, /BLAS/);
  else assert.ok(notes.some((n) => /skipping pytorch/.test(n)), notes.join("\n"));

  const text = await benchTrain({ models: ["gpt-shakespeare"], engines: ["wasmore-wasm"], steps: 1, ...quiet });
  assert.equal(text.map((r) => r.engine), ["wasmore-wasm"]);
  for (const r of text) checkRow(r, "gpt-shakespeare");
});

test("benchTrain: TensorFlow.js and PyTorch rows when available (skipped with a note otherwise)", async () => {
  const notes: string[] = [];
  const rows = await benchTrain({ models: ["mlp"], engines: ["tfjs-wasm", "tfjs-cpu", "pytorch"], steps: 1, log: (l) => notes.push(l) });
  for (const r of rows) checkRow(r, "mlp");
  const engines = rows.map((r) => r.engine);
  if (await loadTfjs()) assert.ok(engines.includes("tfjs-wasm") && engines.includes("tfjs-cpu"), notes.join("\n"));
  else assert.ok(notes.some((n) => /skipping tfjs/.test(n)));
  if (existsSync("/usr/bin/python3") && engines.includes("pytorch")) assert.match(rows.find((r) => r.engine === "pytorch")!.detail!, /BLAS/);
  else assert.ok(notes.some((n) => /skipping pytorch/.test(n)), notes.join("\n"));
});

test("benchTrain: unknown models and engines are errors", async () => {
  for (const opts of [{ models: ["gpt9"] }, { engines: ["jax"] }, { steps: 0 }])
    try {
      await benchTrain({ ...opts, ...quiet });
      assert.unreachable();
    } catch (err) {
      assert.instance(err, RangeError);
    }
});

test("profileStep: parts cover the step; kernels are the model's", async () => {
  const p = await profileStep("bnmlp", "wasm", { steps: 5 });
  for (const part of ["matmul", "batchnorm", "elementwise", "embedding", "loss", "optimizer", "checks", "sampling", "glue"])
    assert.ok(Number.isFinite(p.parts[part]) && p.parts[part] >= 0, `${part}: ${p.parts[part]}`);
  const names = p.kernels.map((k) => k.name);
  for (const k of ["matmulNT", "matmulTN", "matmul", "batchnormForward", "batchnormBackward", "sgdStep", "softmaxCrossEntropyForward"])
    assert.ok(names.includes(k), k);
  assert.is(p.kernels.find((k) => k.name === "matmulNT")!.calls, 2);
  const sum = Object.values(p.parts).reduce((a, b) => a + b, 0);
  assert.ok(sum <= p.profiled_step_ms * 1.05 + 0.01, `${sum} vs ${p.profiled_step_ms}`);
  assert.match(formatProfile(p), /bnmlp on wasm/);
});

test("memoryFlatness: eleven snapshots and GC counts", async () => {
  const m = await memoryFlatness("mlp", "js", 20);
  assert.is(m.snapshots.length, 11);
  assert.is(m.snapshots[10].step, 20);
  for (const s of m.snapshots) assert.ok(s.rss_mb > 0 && s.heap_used_mb > 0);
  assert.ok(m.gc.minor >= 0 && m.gc.major >= 0);
  assert.match(formatMemoryCheck(m), /mlp on js, 20 steps/);
});

test.run();
