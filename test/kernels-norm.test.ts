// BatchNorm1d and LayerNorm kernels: every backend against float64 references written here, the
// WASM variants also against the js twin, the closed-form backward against float64 finite
// differences. Tolerances (‖a−b‖/‖b‖): forward 1e-5, backward 1e-4, backend vs js 1e-5 / 1e-4.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BACKENDS, f32, randomArray, relErr, rng, setup, SIZES, type Rng } from "./helpers/numeric.js";
import type { Arena } from "../src/memory/arena.js";
import type { Kernels } from "../src/kernels/index.js";

const FWD_TOL = 1e-5;
const BWD_TOL = 1e-4;
const FD_TOL = 1e-6; // closed form (float64) vs central differences (float64)
const ROWS = [...SIZES, 32, 256]; // plus batch 32 and WaveNet's N·T = 32·8
const COLS = [...SIZES, 27, 68, 128, 200]; // plus makemore's channel counts
const MOMENTUM = 0.1;
const EPS = 1e-5;

const { arena, k } = setup(32 << 20);

const toF32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));
const positive = (n: number, r: Rng) => Float64Array.from(randomArray(n, r, 0.5), (v) => 1 + v);
const add = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (v, i) => v + b[i]);

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  const e = relErr(got, want);
  assert.ok(e <= tol, `${name}: relErr ${e.toExponential(2)} > ${tol}`);
}

// ---- float64 references ---------------------------------------------------------------------------

interface BnState { rm: Float64Array; rv: Float64Array }
function batchnorm64(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, state: BnState,
  R: number, C: number, training: boolean) {
  const y = new Float64Array(R * C);
  const xhat = new Float64Array(R * C);
  const invstd = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let mean = state.rm[c];
    let variance = state.rv[c];
    if (training) {
      mean = 0;
      for (let r = 0; r < R; r++) mean += x[r * C + c] / R;
      variance = 0;
      for (let r = 0; r < R; r++) variance += (x[r * C + c] - mean) ** 2 / R;
      const unbiased = R > 1 ? (variance * R) / (R - 1) : variance;
      state.rm[c] = (1 - MOMENTUM) * state.rm[c] + MOMENTUM * mean;
      state.rv[c] = (1 - MOMENTUM) * state.rv[c] + MOMENTUM * unbiased;
    }
    invstd[c] = 1 / Math.sqrt(variance + EPS);
    for (let r = 0; r < R; r++) {
      xhat[r * C + c] = (x[r * C + c] - mean) * invstd[c];
      y[r * C + c] = gamma[c] * xhat[r * C + c] + beta[c];
    }
  }
  return { y, xhat, invstd };
}

// Closed form of the training-mode BatchNorm gradient.
function batchnormBackward64(dy: ArrayLike<number>, xhat: ArrayLike<number>, invstd: ArrayLike<number>,
  gamma: ArrayLike<number>, R: number, C: number) {
  const dx = new Float64Array(R * C);
  const dgamma = new Float64Array(C);
  const dbeta = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < R; r++) {
      dbeta[c] += dy[r * C + c];
      dgamma[c] += dy[r * C + c] * xhat[r * C + c];
    }
    for (let r = 0; r < R; r++) {
      const i = r * C + c;
      dx[i] = ((gamma[c] * invstd[c]) / R) * (R * dy[i] - dbeta[c] - xhat[i] * dgamma[c]);
    }
  }
  return { dx, dgamma, dbeta };
}

function layernorm64(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, R: number, C: number) {
  const y = new Float64Array(R * C);
  const mean = new Float64Array(R);
  const rstd = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) mean[r] += x[r * C + c] / C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (x[r * C + c] - mean[r]) ** 2 / C;
    rstd[r] = 1 / Math.sqrt(variance + EPS);
    for (let c = 0; c < C; c++) y[r * C + c] = w[c] * (x[r * C + c] - mean[r]) * rstd[r] + b[c];
  }
  return { y, mean, rstd };
}

function layernormBackward64(dy: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>, R: number, C: number) {
  const { mean, rstd } = layernorm64(x, w, new Float64Array(C), R, C);
  const dx = new Float64Array(R * C);
  const dw = new Float64Array(C);
  const db = new Float64Array(C);
  for (let r = 0; r < R; r++) {
    let m1 = 0;
    let m2 = 0;
    for (let c = 0; c < C; c++) {
      const xh = (x[r * C + c] - mean[r]) * rstd[r];
      const dxh = dy[r * C + c] * w[c];
      m1 += dxh / C;
      m2 += (dxh * xh) / C;
      dw[c] += dy[r * C + c] * xh;
      db[c] += dy[r * C + c];
    }
    for (let c = 0; c < C; c++) {
      const xh = (x[r * C + c] - mean[r]) * rstd[r];
      dx[r * C + c] = rstd[r] * (dy[r * C + c] * w[c] - m1 - xh * m2);
    }
  }
  return { dx, dw, db };
}

/** Central differences of L(θ) = Σ y(θ)·G over every entry of θ (float64 throughout). */
function finiteDiff(theta: Float64Array, forwardY: () => Float64Array, G: ArrayLike<number>): Float64Array {
  const h = 1e-6;
  const grad = new Float64Array(theta.length);
  const loss = () => forwardY().reduce((s, v, i) => s + v * G[i], 0);
  for (let i = 0; i < theta.length; i++) {
    const keep = theta[i];
    theta[i] = keep + h;
    const up = loss();
    theta[i] = keep - h;
    const down = loss();
    theta[i] = keep;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

// ---- harness: one kernel call per backend over fresh copies of the same inputs --------------------

type Out = Record<string, Float64Array>;
function perBackend(run: (kern: Kernels, a: Arena) => Out): Record<string, Out> {
  const results: Record<string, Out> = {};
  for (const backend of BACKENDS) {
    const mark = arena.mark();
    results[backend] = run(k[backend], arena);
    arena.release(mark);
  }
  return results;
}

function compare(label: string, results: Record<string, Out>, want: Out, tol: number): void {
  for (const [name, ref] of Object.entries(want)) {
    close(`${label} js.${name} vs float64`, results.js[name], ref, tol);
    for (const backend of ["wasm", "wasm-scalar"]) close(`${label} ${backend}.${name} vs js`, results[backend][name], results.js[name], tol);
  }
}

// ---- BatchNorm ----------------------------------------------------------------------------------

interface BnInputs { x: Float64Array; gamma: Float64Array; beta: Float64Array; rm: Float64Array; rv: Float64Array }
function bnInputs(R: number, C: number, seed: string): BnInputs {
  const r = rng(seed);
  return {
    x: toF32(randomArray(R * C, r, 2).map((v, i) => v + ((i % C) % 5) * 0.3)), // channel means differ
    gamma: toF32(positive(C, r)),
    beta: toF32(randomArray(C, r, 0.5)),
    rm: toF32(randomArray(C, r, 0.2)),
    rv: toF32(positive(C, r)),
  };
}

function runBnForward(kern: Kernels, a: Arena, inp: BnInputs, R: number, C: number, training: 0 | 1): Out {
  const y = a.alloc(R * C, "y");
  const xhat = a.alloc(R * C, "xhat");
  const invstd = a.alloc(C, "invstd");
  const rm = f32(a, inp.rm);
  const rv = f32(a, inp.rv);
  kern.batchnormForward(y.ptr, xhat.ptr, invstd.ptr, f32(a, inp.x).ptr, f32(a, inp.gamma).ptr, f32(a, inp.beta).ptr,
    rm.ptr, rv.ptr, R, C, MOMENTUM, EPS, training);
  const out = { y: y.data, xhat: xhat.data, invstd: invstd.data, rm: rm.data, rv: rv.data };
  return Object.fromEntries(Object.entries(out).map(([n, v]) => [n, Float64Array.from(v)]));
}

test("batchnormForward training: y, xhat, invstd, running stats vs float64", () => {
  for (const R of ROWS.filter((r) => r > 1))
    for (const C of COLS) {
      const inp = bnInputs(R, C, `bnf${R}x${C}`);
      const state = { rm: inp.rm.slice(), rv: inp.rv.slice() };
      const ref = batchnorm64(inp.x, inp.gamma, inp.beta, state, R, C, true);
      const results = perBackend((kern, a) => runBnForward(kern, a, inp, R, C, 1));
      compare(`R=${R} C=${C}`, results, { ...ref, rm: state.rm, rv: state.rv }, FWD_TOL);
    }
});

test("batchnormForward eval: normalises with the running stats, leaves them unchanged", () => {
  for (const R of ROWS)
    for (const C of COLS) {
      const inp = bnInputs(R, C, `bne${R}x${C}`);
      const ref = batchnorm64(inp.x, inp.gamma, inp.beta, { rm: inp.rm.slice(), rv: inp.rv.slice() }, R, C, false);
      const results = perBackend((kern, a) => runBnForward(kern, a, inp, R, C, 0));
      compare(`R=${R} C=${C}`, results, { ...ref, rm: inp.rm, rv: inp.rv }, FWD_TOL);
      for (const backend of BACKENDS) {
        assert.equal(Array.from(results[backend].rm), Array.from(inp.rm), `${backend} runningMean untouched`);
        assert.equal(Array.from(results[backend].rv), Array.from(inp.rv), `${backend} runningVar untouched`);
      }
    }
});

test("batchnormForward: running stats after several training steps (unbiased var update)", () => {
  const R = 32;
  const C = 27;
  const steps = 6;
  const r = rng("bn-steps");
  const batches = Array.from({ length: steps }, () => toF32(randomArray(R * C, r, 3).map((v) => v + 1)));
  const { gamma, beta } = bnInputs(R, C, "bn-steps-params");
  const state = { rm: new Float64Array(C), rv: new Float64Array(C).fill(1) }; // PyTorch's initial stats
  for (const x of batches) batchnorm64(x, gamma, beta, state, R, C, true);
  const results = perBackend((kern, a) => {
    const rm = f32(a, new Float64Array(C));
    const rv = f32(a, new Float64Array(C).fill(1));
    const [y, xhat, invstd] = [a.alloc(R * C, "y"), a.alloc(R * C, "xhat"), a.alloc(C, "invstd")];
    const [g, b] = [f32(a, gamma), f32(a, beta)];
    for (const x of batches)
      kern.batchnormForward(y.ptr, xhat.ptr, invstd.ptr, f32(a, x).ptr, g.ptr, b.ptr, rm.ptr, rv.ptr, R, C, MOMENTUM, EPS, 1);
    return { rm: Float64Array.from(rm.data), rv: Float64Array.from(rv.data) };
  });
  compare(`${steps} steps`, results, state, FWD_TOL);
  // a biased update would differ by about R/(R−1) in the variance term: far above the tolerance
  const biased = new Float64Array(C).fill(1);
  for (const x of batches) {
    const { invstd } = batchnorm64(x, gamma, beta, { rm: new Float64Array(C), rv: new Float64Array(C) }, R, C, true);
    for (let c = 0; c < C; c++) biased[c] = (1 - MOMENTUM) * biased[c] + MOMENTUM * (1 / invstd[c] ** 2 - EPS);
  }
  assert.ok(relErr(results.js.rv, biased) > 1e-3, "running var uses the unbiased variance");
});

test("batchnormForward training with R = 1: var is 0, running var takes it as is (documented)", () => {
  const C = 7;
  const inp = bnInputs(1, C, "bn-r1");
  const results = perBackend((kern, a) => runBnForward(kern, a, inp, 1, C, 1));
  for (const backend of BACKENDS) {
    const out = results[backend];
    assert.ok(out.xhat.every((v) => v === 0), `${backend}: xhat = 0`);
    close(`${backend} y = beta`, out.y, inp.beta, FWD_TOL);
    close(`${backend} invstd = 1/sqrt(eps)`, out.invstd, new Float64Array(C).fill(1 / Math.sqrt(EPS)), FWD_TOL);
    close(`${backend} runningMean`, out.rm, inp.rm.map((m, c) => 0.9 * m + 0.1 * inp.x[c]), FWD_TOL);
    close(`${backend} runningVar`, out.rv, inp.rv.map((v) => 0.9 * v), FWD_TOL);
  }
});

test("batchnormBackward: accumulates the closed-form gradients", () => {
  for (const R of ROWS.filter((r) => r > 1))
    for (const C of COLS) {
      const inp = bnInputs(R, C, `bnb${R}x${C}`);
      const r = rng(`bnb-grad${R}x${C}`);
      const dy = toF32(randomArray(R * C, r));
      const init = { dx: toF32(randomArray(R * C, r)), dgamma: toF32(randomArray(C, r)), dbeta: toF32(randomArray(C, r)) };
      const fwd = batchnorm64(inp.x, inp.gamma, inp.beta, { rm: inp.rm.slice(), rv: inp.rv.slice() }, R, C, true);
      const grads = batchnormBackward64(dy, fwd.xhat, fwd.invstd, inp.gamma, R, C);
      const want = { dx: add(init.dx, grads.dx), dgamma: add(init.dgamma, grads.dgamma), dbeta: add(init.dbeta, grads.dbeta) };
      const results = perBackend((kern, a) => {
        const [y, xhat, invstd] = [a.alloc(R * C, "y"), a.alloc(R * C, "xhat"), a.alloc(C, "invstd")];
        const g = f32(a, inp.gamma);
        kern.batchnormForward(y.ptr, xhat.ptr, invstd.ptr, f32(a, inp.x).ptr, g.ptr, f32(a, inp.beta).ptr,
          f32(a, inp.rm).ptr, f32(a, inp.rv).ptr, R, C, MOMENTUM, EPS, 1);
        const [dx, dgamma, dbeta] = [f32(a, init.dx), f32(a, init.dgamma), f32(a, init.dbeta)];
        kern.batchnormBackward(dx.ptr, dgamma.ptr, dbeta.ptr, f32(a, dy).ptr, xhat.ptr, invstd.ptr, g.ptr, R, C, 1);
        return { dx: Float64Array.from(dx.data), dgamma: Float64Array.from(dgamma.data), dbeta: Float64Array.from(dbeta.data) };
      });
      compare(`R=${R} C=${C}`, results, want, BWD_TOL);
    }
});

test("batchnormBackward closed form matches float64 finite differences", () => {
  const [R, C] = [5, 3];
  const inp = bnInputs(R, C, "bn-fd");
  const G = randomArray(R * C, rng("bn-fd-G"));
  const fwd = () => batchnorm64(inp.x, inp.gamma, inp.beta, { rm: inp.rm.slice(), rv: inp.rv.slice() }, R, C, true);
  const closed = batchnormBackward64(G, fwd().xhat, fwd().invstd, inp.gamma, R, C);
  close("dx", closed.dx, finiteDiff(inp.x, () => fwd().y, G), FD_TOL);
  close("dgamma", closed.dgamma, finiteDiff(inp.gamma, () => fwd().y, G), FD_TOL);
  close("dbeta", closed.dbeta, finiteDiff(inp.beta, () => fwd().y, G), FD_TOL);
});

// ---- LayerNorm ----------------------------------------------------------------------------------

function lnInputs(R: number, C: number, seed: string) {
  const r = rng(seed);
  return {
    x: toF32(randomArray(R * C, r, 2).map((v, i) => v + (Math.floor(i / C) % 5) * 0.5)), // row means differ
    w: toF32(positive(C, r)),
    b: toF32(randomArray(C, r, 0.5)),
  };
}

test("layernormForward: y, mean, rstd vs float64", () => {
  for (const R of ROWS)
    for (const C of COLS) {
      const inp = lnInputs(R, C, `lnf${R}x${C}`);
      const ref = layernorm64(inp.x, inp.w, inp.b, R, C);
      const results = perBackend((kern, a) => {
        const [y, mean, rstd] = [a.alloc(R * C, "y"), a.alloc(R, "mean"), a.alloc(R, "rstd")];
        kern.layernormForward(y.ptr, mean.ptr, rstd.ptr, f32(a, inp.x).ptr, f32(a, inp.w).ptr, f32(a, inp.b).ptr, R, C, EPS);
        return { y: Float64Array.from(y.data), mean: Float64Array.from(mean.data), rstd: Float64Array.from(rstd.data) };
      });
      compare(`R=${R} C=${C}`, results, ref, FWD_TOL);
    }
});

test("layernormBackward: accumulates the closed-form gradients", () => {
  for (const R of ROWS)
    for (const C of COLS.filter((c) => c > 1)) {
      const inp = lnInputs(R, C, `lnb${R}x${C}`);
      const r = rng(`lnb-grad${R}x${C}`);
      const dy = toF32(randomArray(R * C, r));
      const init = { dx: toF32(randomArray(R * C, r)), dw: toF32(randomArray(C, r)), db: toF32(randomArray(C, r)) };
      const grads = layernormBackward64(dy, inp.x, inp.w, R, C);
      const want = { dx: add(init.dx, grads.dx), dw: add(init.dw, grads.dw), db: add(init.db, grads.db) };
      const results = perBackend((kern, a) => {
        const [y, mean, rstd] = [a.alloc(R * C, "y"), a.alloc(R, "mean"), a.alloc(R, "rstd")];
        const [x, w] = [f32(a, inp.x), f32(a, inp.w)];
        kern.layernormForward(y.ptr, mean.ptr, rstd.ptr, x.ptr, w.ptr, f32(a, inp.b).ptr, R, C, EPS);
        const [dx, dw, db] = [f32(a, init.dx), f32(a, init.dw), f32(a, init.db)];
        kern.layernormBackward(dx.ptr, dw.ptr, db.ptr, f32(a, dy).ptr, x.ptr, mean.ptr, rstd.ptr, w.ptr, R, C);
        return { dx: Float64Array.from(dx.data), dw: Float64Array.from(dw.data), db: Float64Array.from(db.data) };
      });
      compare(`R=${R} C=${C}`, results, want, BWD_TOL);
    }
});

test("layernormBackward closed form matches float64 finite differences", () => {
  const [R, C] = [3, 6];
  const inp = lnInputs(R, C, "ln-fd");
  const G = randomArray(R * C, rng("ln-fd-G"));
  const fwd = () => layernorm64(inp.x, inp.w, inp.b, R, C).y;
  const closed = layernormBackward64(G, inp.x, inp.w, R, C);
  close("dx", closed.dx, finiteDiff(inp.x, fwd, G), FD_TOL);
  close("dw", closed.dw, finiteDiff(inp.w, fwd, G), FD_TOL);
  close("db", closed.db, finiteDiff(inp.b, fwd, G), FD_TOL);
});

test("bad calls throw an error naming the kernel", () => {
  const mark = arena.mark();
  const buf = arena.alloc(64, "buf");
  for (const backend of BACKENDS) {
    const p = buf.ptr;
    assert.throws(() => k[backend].batchnormForward(p, p, p, p, p, p, p, p, 0, 4, MOMENTUM, EPS, 1), /batchnormForward/);
    assert.throws(() => k[backend].batchnormBackward(p, p, p, p, p, p, p, 8, 9, 1), /batchnormBackward/);
    assert.throws(() => k[backend].layernormForward(p, p, p, p, p, p, 4, 0, EPS), /layernormForward/);
    assert.throws(() => k[backend].layernormBackward(p, p, p, p, p, p, p, 1 << 30, 4, 4), /layernormBackward/);
  }
  arena.release(mark);
});

test.run();
