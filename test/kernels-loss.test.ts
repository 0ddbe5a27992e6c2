// Fused softmax + cross-entropy: every backend against a float64 reference written here, the WASM
// variants also against the js twin, the closed-form gradient against float64 finite differences.
// Tolerances (‖a−b‖/‖b‖): probs and loss 1e-5, gradients 1e-4.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BACKENDS, f32, i32, randomArray, relErr, rng, setup, SIZES } from "./helpers/numeric.js";
import type { Kernels } from "../src/kernels/index.js";

const FWD_TOL = 1e-5;
const BWD_TOL = 1e-4;
const ROWS = [...SIZES, 32, 256];
const VOCAB = [...SIZES, 4, 27, 65, 128]; // 4: exactly one vector; 27: makemore's vocabulary
const IGNORE = -1;

const { arena, k } = setup(32 << 20);

const toF32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  const e = relErr(got, want);
  assert.ok(e <= tol, `${name}: relErr ${e.toExponential(2)} > ${tol}`);
}
const closeScalar = (name: string, got: number, want: number, tol: number) => close(name, [got], [want], tol);

// ---- float64 reference --------------------------------------------------------------------------

function softmaxCrossEntropy64(logits: ArrayLike<number>, targets: ArrayLike<number>, R: number, V: number) {
  const probs = new Float64Array(R * V);
  let loss = 0;
  let count = 0;
  for (let r = 0; r < R; r++) {
    const row = Array.from({ length: V }, (_, v) => logits[r * V + v]);
    const max = Math.max(...row);
    const sum = row.reduce((s, l) => s + Math.exp(l - max), 0);
    for (let v = 0; v < V; v++) probs[r * V + v] = Math.exp(row[v] - max) / sum;
    if (targets[r] !== IGNORE) {
      loss += Math.log(sum) + max - row[targets[r]];
      count++;
    }
  }
  const dlogits = new Float64Array(R * V);
  for (let r = 0; r < R; r++)
    if (targets[r] !== IGNORE)
      for (let v = 0; v < V; v++) dlogits[r * V + v] = (probs[r * V + v] - (v === targets[r] ? 1 : 0)) / count;
  return { probs, loss: count > 0 ? loss / count : 0, dlogits };
}

function makeTargets(R: number, V: number, seed: string, ignoreEvery = 0): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: R }, (_, i) => (ignoreEvery && i % ignoreEvery === 1 ? IGNORE : Math.floor(r() * V)));
}

interface Result { probs: Float64Array; loss: number; dlogits: Float64Array }
function run(kern: Kernels, logits: ArrayLike<number>, targets: Int32Array, dInit: ArrayLike<number>, R: number, V: number): Result {
  const mark = arena.mark();
  const probs = arena.alloc(R * V, "probs");
  const t = i32(arena, targets);
  const loss = kern.softmaxCrossEntropyForward(probs.ptr, f32(arena, logits).ptr, t.ptr, R, V);
  const dlogits = f32(arena, dInit);
  kern.softmaxCrossEntropyBackward(dlogits.ptr, probs.ptr, t.ptr, R, V);
  const out = { probs: Float64Array.from(probs.data), loss, dlogits: Float64Array.from(dlogits.data) };
  arena.release(mark);
  return out;
}

/** Every backend against the float64 reference, the WASM ones also against js. */
function check(label: string, logits: Float64Array, targets: Int32Array, R: number, V: number): Record<string, Result> {
  const dInit = toF32(randomArray(R * V, rng(`${label}-dinit`)));
  const ref = softmaxCrossEntropy64(logits, targets, R, V);
  const wantD = Float64Array.from(dInit, (d, i) => d + ref.dlogits[i]);
  const results: Record<string, Result> = {};
  for (const backend of BACKENDS) {
    const got = (results[backend] = run(k[backend], logits, targets, dInit, R, V));
    assert.ok(Number.isFinite(got.loss), `${label} ${backend}: loss ${got.loss} finite`);
    close(`${label} ${backend} probs vs float64`, got.probs, ref.probs, FWD_TOL);
    closeScalar(`${label} ${backend} loss vs float64`, got.loss, ref.loss, FWD_TOL);
    close(`${label} ${backend} dlogits vs float64`, got.dlogits, wantD, BWD_TOL);
    if (backend !== "js") {
      close(`${label} ${backend} probs vs js`, got.probs, results.js.probs, FWD_TOL);
      closeScalar(`${label} ${backend} loss vs js`, got.loss, results.js.loss, FWD_TOL);
      close(`${label} ${backend} dlogits vs js`, got.dlogits, results.js.dlogits, BWD_TOL);
    }
  }
  return results;
}

// ---- tests --------------------------------------------------------------------------------------

test("softmaxCrossEntropy forward + backward vs float64, all sizes", () => {
  for (const R of ROWS)
    for (const V of VOCAB) {
      const label = `R=${R} V=${V}`;
      check(label, toF32(randomArray(R * V, rng(label), 4)), makeTargets(R, V, label), R, V);
    }
});

test("softmaxCrossEntropy: large logits (±80, ±1000) neither overflow nor lose accuracy", () => {
  for (const scale of [80, 1000])
    for (const [R, V] of [[32, 27], [5, 7], [3, 33]]) {
      const label = `±${scale} R=${R} V=${V}`;
      const logits = toF32(randomArray(R * V, rng(label), scale));
      const results = check(label, logits, makeTargets(R, V, label), R, V);
      for (const backend of BACKENDS) assert.ok(results[backend].loss > scale / 10, `${label} ${backend}: loss is large`);
    }
  // one logit dwarfs the rest: the target's probability underflows but its NLL is exact
  const logits = toF32([1000, -1000, 0, 999]);
  for (const backend of BACKENDS) {
    const got = run(k[backend], logits, Int32Array.from([1]), [0, 0, 0, 0], 1, 4);
    closeScalar(`${backend} NLL of a 2000-below logit`, got.loss, 2000 + Math.log(1 + Math.exp(-1)), FWD_TOL);
    assert.equal(got.probs[1], 0, `${backend}: underflowed probability is exactly 0`);
  }
});

test("softmaxCrossEntropy: rows with target −1 are ignored in the loss, the count and the gradient", () => {
  for (const [R, V] of [[32, 27], [7, 33], [127, 3]]) {
    const label = `ignore R=${R} V=${V}`;
    const targets = makeTargets(R, V, label, 3);
    assert.ok(targets.includes(IGNORE));
    const results = check(label, toF32(randomArray(R * V, rng(label), 3)), targets, R, V);
    // ignored rows keep their initial dlogits exactly
    const dInit = toF32(randomArray(R * V, rng(`${label}-dinit`)));
    for (const backend of BACKENDS)
      for (let r = 0; r < R; r++)
        if (targets[r] === IGNORE)
          for (let v = 0; v < V; v++) assert.equal(results[backend].dlogits[r * V + v], dInit[r * V + v]);
  }
  // no counted row: loss 0 and no gradient
  const [R, V] = [4, 5];
  const dInit = toF32(randomArray(R * V, rng("all-ignored")));
  for (const backend of BACKENDS) {
    const got = run(k[backend], toF32(randomArray(R * V, rng("all-ignored-l"))), new Int32Array(R).fill(IGNORE), dInit, R, V);
    assert.is(got.loss, 0, `${backend}: loss 0`);
    assert.equal(Array.from(got.dlogits), Array.from(dInit), `${backend}: dlogits untouched`);
  }
});

test("softmaxCrossEntropy: exp is accurate to ~1e-7 relative per element over [−60, 0]", () => {
  // row = [0, x1..x7]: probs[v] / probs[0] = exp(x_v) up to three roundings, independent of the sum
  const [R, V] = [512, 8];
  const r = rng("exp");
  const logits = toF32(Float64Array.from({ length: R * V }, (_, i) => (i % V === 0 ? 0 : -60 * r())));
  for (const backend of BACKENDS) {
    const { probs } = run(k[backend], logits, new Int32Array(R), new Float64Array(R * V), R, V);
    let worst = 0;
    for (let i = 0; i < R * V; i++) {
      const want = Math.exp(logits[i]);
      worst = Math.max(worst, Math.abs(probs[i] / probs[i - (i % V)] - want) / want);
    }
    assert.ok(worst <= 4e-7, `${backend}: max relative error of exp ${worst.toExponential(2)} > 4e-7`);
  }
});

test("softmaxCrossEntropy: each row of probs sums to 1", () => {
  const [R, V] = [33, 27];
  for (const backend of BACKENDS) {
    const { probs } = run(k[backend], toF32(randomArray(R * V, rng("sum1"), 5)), makeTargets(R, V, "sum1"), new Float64Array(R * V), R, V);
    for (let r = 0; r < R; r++) {
      const s = probs.subarray(r * V, (r + 1) * V).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(s - 1) < 1e-6, `${backend} row ${r} sums to ${s}`);
    }
  }
});

test("softmaxCrossEntropyForward may write probs over its logits", () => {
  for (const [R, V] of [[5, 27], [3, 3], [4, 8]]) {
    const logits = toF32(randomArray(R * V, rng(`alias${V}`), 3));
    const targets = makeTargets(R, V, `alias${V}`);
    for (const backend of BACKENDS) {
      const separate = run(k[backend], logits, targets, new Float64Array(R * V), R, V);
      const mark = arena.mark();
      const buf = f32(arena, logits);
      const loss = k[backend].softmaxCrossEntropyForward(buf.ptr, buf.ptr, i32(arena, targets).ptr, R, V);
      assert.equal(Array.from(buf.data), Array.from(separate.probs), `${backend} V=${V}: same probs in place`);
      assert.is(loss, separate.loss, `${backend} V=${V}: same loss in place`);
      arena.release(mark);
    }
  }
});

test("softmaxCrossEntropy gradient closed form matches float64 finite differences", () => {
  const [R, V] = [4, 6];
  const logits = randomArray(R * V, rng("ce-fd"), 2);
  const targets = Int32Array.from([2, IGNORE, 0, 5]);
  const h = 1e-6;
  const fd = new Float64Array(R * V);
  for (let i = 0; i < R * V; i++) {
    const keep = logits[i];
    logits[i] = keep + h;
    const up = softmaxCrossEntropy64(logits, targets, R, V).loss;
    logits[i] = keep - h;
    const down = softmaxCrossEntropy64(logits, targets, R, V).loss;
    logits[i] = keep;
    fd[i] = (up - down) / (2 * h);
  }
  close("dlogits", softmaxCrossEntropy64(logits, targets, R, V).dlogits, fd, 1e-6);
});

test("bad calls throw an error naming the kernel", () => {
  const mark = arena.mark();
  const buf = arena.alloc(64, "buf");
  for (const backend of BACKENDS) {
    const p = buf.ptr;
    assert.throws(() => k[backend].softmaxCrossEntropyForward(p, p, p, 0, 27), /softmaxCrossEntropyForward/);
    assert.throws(() => k[backend].softmaxCrossEntropyBackward(p, p, p, 32, 27), /softmaxCrossEntropyBackward/);
  }
  arena.release(mark);
});

test.run();
