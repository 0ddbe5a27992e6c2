// Training runs: determinism (same seed and backend → identical losses), exact resume (N steps,
// stop, resume M steps == N+M straight, bit for bit), checkpoint round trip, the backends agree.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultNames, DEFAULT_NAMES_SOURCE } from "../src/data/default-names.js";
import { runTraining, type RunConfig } from "../src/train/run.js";
import { decodeCheckpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import type { BackendName } from "../src/kernels/types.js";

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

test.run();
