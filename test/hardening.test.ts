// Hardening: untrusted checkpoints (a fuzz of random mutations), interruption by signals (a
// checkpoint is saved and the run resumes), atomic writes under SIGKILL, divergence.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import seedrandom from "seedrandom";
import { decodeCheckpoint, encodeCheckpoint, CheckpointError } from "../src/io/checkpoint.js";
import { runTraining } from "../src/train/run.js";
import { defaultNames, DEFAULT_NAMES_SOURCE } from "../src/data/default-names.js";

const BIN = fileURLToPath(new URL("../../bin/wasmore.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "wasmore-hard-"));

test("checkpoint fuzz: 1000 random mutations each load cleanly or fail with a CheckpointError", async () => {
  const { trained, meta } = await runTraining({ preset: "bnmlp", words: defaultNames().slice(0, 300), dataSource: DEFAULT_NAMES_SOURCE, steps: 5 });
  const good = encodeCheckpoint(trained, meta);
  assert.ok(trained.kind === "network");
  const params = trained.model.parameterCount;
  const rng = seedrandom("fuzz");
  let loaded = 0;
  let rejected = 0;
  const started = performance.now();
  for (let trial = 0; trial < 1000; trial++) {
    let bytes = good.slice();
    const kind = trial % 4;
    if (kind === 0) bytes = bytes.subarray(0, Math.floor(rng() * bytes.length)); // truncation
    else if (kind === 1) for (let j = 0; j < 1 + rng() * 8; j++) bytes[Math.floor(rng() * bytes.length)] = Math.floor(rng() * 256);
    else if (kind === 2) for (let j = 0; j < 1 + rng() * 4; j++) bytes[8 + Math.floor(rng() * 600)] = Math.floor(rng() * 256); // the header
    else bytes[Math.floor(rng() * 8)] = Math.floor(rng() * 256); // the header length
    try {
      const { trained: t } = decodeCheckpoint(bytes, { maxBatch: 4 });
      assert.ok(t.kind === "network" && t.model.parameterCount === params, "a load is a complete, well-shaped model");
      loaded++;
    } catch (e) {
      assert.instance(e, CheckpointError, `trial ${trial}: ${(e as Error).stack}`);
      assert.not.match((e as Error).message, /\n/, "one line");
      rejected++;
    }
  }
  assert.ok(rejected > 300, `most mutations are rejected (${rejected})`);
  assert.ok(loaded + rejected === 1000);
  assert.ok(performance.now() - started < 60_000, "bounded time");
});

test("non-finite weights, wrong shapes, foreign vocabularies and unknown splits are refused", async () => {
  const { trained, meta } = await runTraining({ preset: "bnmlp", words: defaultNames().slice(0, 300), dataSource: DEFAULT_NAMES_SOURCE, steps: 2 });
  assert.ok(trained.kind === "network");
  trained.model.params[1].value.data[3] = NaN;
  assert.throws(() => decodeCheckpoint(encodeCheckpoint(trained, meta)), /non-finite value/);
  trained.model.params[1].value.data[3] = 0;
  assert.throws(() => decodeCheckpoint(encodeCheckpoint(trained, { ...meta, config: { ...meta.config, nHidden: 100 } as typeof meta.config })), /shape/);
  assert.throws(() => decodeCheckpoint(encodeCheckpoint(trained, { ...meta, vocab: { chars: [".", "a"], boundary: true } })), /vocabulary/);
  assert.throws(() => decodeCheckpoint(encodeCheckpoint(trained, { ...meta, split: "random" as never })), /"split" is "random", not one of lectures, makemore/);
  assert.is(decodeCheckpoint(encodeCheckpoint(trained, { ...meta, split: "makemore" })).meta.split, "makemore");
});

function waitFor(path: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => (existsSync(path) ? resolve() : Date.now() > until ? reject(new Error(`no ${path}`)) : setTimeout(poll, 50));
    poll();
  });
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  test(`${signal} saves a checkpoint and exits; --resume continues from it`, async () => {
    const out = join(tmp, signal);
    const child = spawn(process.execPath, [BIN, "train", "--preset", "bnmlp", "--steps", "1000000", "--eval-every", "100", "--out", out, "--json"], { stdio: "pipe" });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    await waitFor(join(out, "best.safetensors"), 60_000);
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.is(code, 130, "exit code 130 after an interruption");
    const summary = JSON.parse(stdout.trim().split("\n").pop()!);
    assert.ok(summary.stopped && summary.steps > 0 && summary.steps < 1_000_000);
    const { meta } = decodeCheckpoint(new Uint8Array(readFileSync(join(out, "model.safetensors"))));
    assert.is(meta.step, summary.steps);
    assert.ok(existsSync(join(out, "optimizer.safetensors")));
    const resumed = spawnSync(process.execPath, [BIN, "train", "--resume", "--out", out, "--steps", String(summary.steps + 50), "--json"], { encoding: "utf8" });
    assert.is(resumed.status, 0, resumed.stderr);
    assert.is(JSON.parse(resumed.stdout.trim().split("\n").pop()!).steps, summary.steps + 50);
  });

test("SIGKILL at random moments never leaves a torn checkpoint", async () => {
  const out = join(tmp, "kill");
  const rng = seedrandom("kill");
  for (let trial = 0; trial < 6; trial++) {
    // evaluating and writing best.safetensors every 5 steps: a kill often lands mid-write
    const child = spawn(process.execPath, [BIN, "train", "--preset", "wavenet", "--steps", "100000", "--eval-every", "5", "--out", out], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 1200 + rng() * 1500));
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("exit", resolve));
    for (const file of ["best.safetensors", "model.safetensors"]) {
      const path = join(out, file);
      if (existsSync(path)) decodeCheckpoint(new Uint8Array(readFileSync(path)), { maxBatch: 1 }); // throws if torn
    }
  }
  assert.ok(existsSync(join(out, "best.safetensors")), "checkpoints were being written");
});

test("a diverging run stops with the step in a one-line message and exit code 1", () => {
  const r = spawnSync(process.execPath, [BIN, "train", "--preset", "mlp", "--lr", "1e38", "--steps", "200", "--out", join(tmp, "div")], { encoding: "utf8" });
  assert.is(r.status, 1);
  assert.match(r.stderr, /diverged: the loss is NaN at step \d+/);
  assert.is(r.stderr.trim().split("\n").length, 1);
});

test("a model too large for WebAssembly memory is refused with the size it needs", () => {
  const r = spawnSync(process.execPath, [BIN, "train", "--preset", "wavenet", "--set", "nHidden=20000", "--steps", "1", "--out", join(tmp, "big")], { encoding: "utf8" });
  assert.is(r.status, 2);
  assert.match(r.stderr, /needs [\d.]+ MiB of WebAssembly memory, above the 4096 MiB wasm32 limit/);
  writeFileSync(join(tmp, "unused"), "");
});

test.run();
