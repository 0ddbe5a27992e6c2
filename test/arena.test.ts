// The arena: 16-byte-aligned regions in one WebAssembly.Memory, bounds checks, and views that
// survive memory growth (growing detaches every Float32Array over the old buffer).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Arena, ArenaError, RESERVED_BYTES } from "../src/memory/arena.js";
import { createKernels, type BackendName } from "../src/kernels/index.js";
import { Model } from "../src/models/model.js";
import { buildNetwork } from "../src/models/networks.js";

test("regions are 16-byte aligned, above the modules' reserved bytes, zeroed", () => {
  const arena = new Arena({ initialBytes: 4096 });
  const regions = [1, 3, 5, 7, 33].map((n, i) => arena.alloc(n, `r${i}`));
  for (const r of regions) {
    assert.is(r.ptr % 16, 0);
    assert.ok(r.ptr >= RESERVED_BYTES);
    assert.ok(r.data.every((v) => v === 0));
  }
  for (let i = 1; i < regions.length; i++) assert.ok(regions[i].ptr >= regions[i - 1].ptr + regions[i - 1].bytes, "no overlap");
});

for (const backend of ["js", "wasm"] as BackendName[])
  test(`growing the memory detaches old views; regions and kernels (${backend}) see the new buffer`, () => {
    const arena = new Arena({ initialBytes: 1024 });
    const k = createKernels(backend, arena);
    const x = arena.alloc(100, "x");
    x.data.set(Array.from({ length: 100 }, (_, i) => i - 50));
    const stale = x.data;
    const before = arena.memory.buffer;
    const y = arena.alloc(1 << 20, "y"); // 4 MiB: forces growth
    assert.ok(arena.memory.buffer !== before, "the memory grew");
    assert.is(stale.length, 0, "the old view is detached (reads nothing, writes vanish)");
    assert.is(x.data[0], -50, "a region's data getter gives a fresh view with the old contents");
    k.tanhForward(y.ptr, x.ptr, 100);
    assert.ok(Math.abs(y.data[49] - Math.tanh(-1)) < 1e-6, "kernels compute on the grown memory");
    assert.is(arena.f32.buffer, arena.memory.buffer, "arena.f32 follows the memory");
  });

test("a model built in a small arena grows it while planning and then trains", () => {
  const arena = new Arena({ initialBytes: 0 });
  const model = new Model(buildNetwork({ type: "mlp", vocabSize: 27, blockSize: 3, nEmbd: 10, nHidden: 200, batchnorm: true }), {
    maxBatch: 64, gradBatch: 32, inputShape: [3], arena,
  });
  model.input.ints.set(Array.from({ length: 96 }, (_, i) => i % 27));
  model.targets.ints.set(Array.from({ length: 32 }, (_, i) => (i * 7) % 27));
  const loss = model.loss(32, true);
  assert.ok(Number.isFinite(loss) && loss > 0);
  model.backward();
  assert.ok(model.gradBlock.data.some((g) => g !== 0));
});

test("buffers outside the arena and bad dimensions are errors naming the kernel", () => {
  const arena = new Arena();
  const k = createKernels("wasm", arena);
  const a = arena.alloc(16, "a");
  assert.throws(() => k.matmul(a.ptr, a.ptr, a.ptr + 16, 4, 4, 4, 0, 0), (e: Error) => e instanceof ArenaError && /^matmul: B/.test(e.message));
  assert.throws(() => k.tanhForward(a.ptr, 0, 16), /tanhForward: x/);
  assert.throws(() => k.zero(a.ptr, 0), /zero: dimension/);
  assert.throws(() => k.zero(a.ptr + 2, 4), /zero: buf/);
  assert.throws(() => arena.alloc(-1, "neg"), /neg/);
});

test("release frees everything allocated after a mark", () => {
  const arena = new Arena();
  const mark = arena.mark();
  arena.alloc(1000, "tmp");
  arena.release(mark);
  assert.is(arena.used, mark);
  assert.throws(() => arena.release(mark + 4096), /bad mark/);
});

test.run();
