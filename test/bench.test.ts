// Smoke tests of the training benchmark and the step profile: a few steps each, checking that rows
// and reports are well formed. Nothing here is timed against a threshold.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { benchTrain, formatTrainTable, trainStepFlops, TRAIN_BENCH_ENGINES, type Row } from "../src/bench/train.js";
import { formatMemoryCheck, formatProfile, memoryFlatness, profileStep } from "../src/bench/profile.js";
import { loadTfjs } from "../src/bench/tfjs.js";

const quiet = { log: () => {} };

function checkRow(r: Row, model: string): void {
  assert.is(r.model, model);
  assert.ok((TRAIN_BENCH_ENGINES as readonly string[]).includes(r.engine), r.engine);
  assert.ok(Number.isFinite(r.steps_per_sec) && r.steps_per_sec > 0, `${r.engine} steps/s ${r.steps_per_sec}`);
  assert.ok(Math.abs(r.ms_per_step * r.steps_per_sec - 1000) < 1e-6);
  assert.ok(Math.abs(r.gflops - (trainStepFlops(model) * r.steps_per_sec) / 1e9) < 1e-9);
}

test("FLOPs per step: 3 × Σ 2·R·in·out over the Linear layers", () => {
  // mlp: 32·30·200 + 32·200·27; wavenet: 128·48·128 + 64·256·128 + 32·256·128 + 32·128·27
  assert.is(trainStepFlops("mlp"), 6 * (32 * 30 * 200 + 32 * 200 * 27));
  assert.is(trainStepFlops("bnmlp"), 6 * (32 * 30 * 200 + 32 * 200 * 27));
  assert.is(trainStepFlops("wavenet"), 6 * (128 * 48 * 128 + 64 * 256 * 128 + 32 * 256 * 128 + 32 * 128 * 27));
});

test("benchTrain: wasmore rows for every model, ordered by model then engine, and a table", async () => {
  const rows = await benchTrain({ engines: ["wasmore-js", "wasmore-wasm"], steps: 2, ...quiet });
  assert.equal(
    rows.map((r) => `${r.model}/${r.engine}`),
    ["mlp", "bnmlp", "wavenet"].flatMap((m) => [`${m}/wasmore-wasm`, `${m}/wasmore-js`]),
  );
  for (const r of rows) checkRow(r, r.model);
  const table = formatTrainTable(rows);
  assert.match(table, /model\s+engine\s+steps\/s/);
  assert.match(table, /wavenet\s+wasmore-js/);
  assert.match(table, /1\.00×/);
  assert.equal(Object.keys(JSON.parse(JSON.stringify({ rows }))).sort(), ["rows"]);
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
