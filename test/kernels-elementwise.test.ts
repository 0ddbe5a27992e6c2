// Embedding (single and summed lookups), elementwise (tanh, GELU, add, accumulate, scale, zero, copy, sumSquares) and dropout
// kernels: every backend against float64 references written here, the WASM variants also against the
// js twin. Tolerances (‖a−b‖/‖b‖): copies/adds/scale/masks exact; backward accumulations 1e-7 (js rounds
// dx + dy·g once, wasm twice); tanh 1e-6 and GELU 1e-5 (wasm's own tanh/exp/erf approximations; a
// single small output can carry a few 1e-6 relative error) and pointwise accuracy bounds over a dense grid; the SIMD and scalar
// WASM builds are bit-identical except sumSquares (float64 summation order).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BACKENDS, SIZES, f32, i32, randomArray, relErr, rng, setup } from "./helpers/numeric.js";
import type { Region } from "../src/memory/arena.js";
import type { BackendName, Kernels } from "../src/kernels/index.js";
import { erf, gelu, geluGrad } from "../src/kernels/js/elementwise.js";
import { murmur3 } from "../src/kernels/js/dropout.js";

const { arena, k } = setup(96 << 20);
const WASM: BackendName[] = ["wasm", "wasm-scalar"];
// Elementwise sizes: SIZES plus the makemore activations (MLP 32×200, WaveNet 32×4×68, GPT 32×16×4·64).
const N_SIZES = [...SIZES, 32 * 200, 32 * 4 * 68, 32 * 16 * 256];
// Embedding shapes [n, C, V]: bigram, MLP (block 3, 10-d), WaveNet (block 8, 24-d), GPT (block 16, 64-d).
const EMB_SHAPES: [number, number, number][] = [
  ...SIZES.map((s): [number, number, number] => [s, s, 5]),
  [32, 27, 27], [32 * 3, 10, 27], [32 * 8, 24, 27], [32 * 16, 64, 27],
];

const toF32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));
const read = (r: Region) => Float64Array.from(r.data);

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  const e = relErr(got, want);
  assert.ok(e <= tol, `${name}: relErr ${e.toExponential(2)} > ${tol}`);
}
function same(name: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  for (let i = 0; i < want.length; i++)
    if (!Object.is(got[i], want[i])) assert.unreachable(`${name}: element ${i} is ${got[i]}, expected ${want[i]}`);
}

/**
 * Runs `run` once per backend on fresh copies of `inputs` (outputs start as `outInit`), returns each
 * backend's outputs. Regions are released afterwards.
 */
function perBackend(
  n: number,
  inputs: ArrayLike<number>[],
  outInit: ArrayLike<number>[],
  run: (kb: Kernels, ins: Region[], outs: Region[]) => void,
): Record<BackendName, Float64Array[]> {
  const mark = arena.mark();
  const ins = inputs.map((v, i) => f32(arena, v, `in${i}`));
  const outs = outInit.map((_, i) => arena.alloc(n, `out${i}`));
  const result = {} as Record<BackendName, Float64Array[]>;
  for (const b of BACKENDS) {
    ins.forEach((r, i) => r.data.set(inputs[i]));
    outs.forEach((r, i) => r.data.set(outInit[i]));
    run(k[b], ins, outs);
    result[b] = outs.map(read);
  }
  arena.release(mark);
  return result;
}

/** js vs float64 reference within refTol; wasm variants vs js within wasmTol, and SIMD == scalar bit for bit. */
function checkAll(name: string, res: Record<BackendName, Float64Array[]>, ref: ArrayLike<number>[], refTol: number, wasmTol: number): void {
  res.js.forEach((out, i) => close(`${name} js vs f64 [${i}]`, out, ref[i], refTol));
  for (const b of WASM) res[b].forEach((out, i) => close(`${name} ${b} vs js [${i}]`, out, res.js[i], wasmTol));
  res.wasm.forEach((out, i) => same(`${name} wasm vs wasm-scalar [${i}]`, out, res["wasm-scalar"][i]));
}

// ---- embedding -------------------------------------------------------------------------------------

test("embeddingForward / embeddingBackward match the float64 gather / scatter-add on every backend", () => {
  for (const [n, C, V] of EMB_SHAPES) {
    const r = rng(`emb-${n}-${C}-${V}`);
    const table = toF32(randomArray(V * C, r));
    const dout = toF32(randomArray(n * C, r));
    const idx = Array.from({ length: n }, () => Math.floor(r() * V));
    const dtable0 = toF32(randomArray(V * C, r));
    const outRef = new Float64Array(n * C);
    const dtableRef = Float64Array.from(dtable0);
    for (let row = 0; row < n; row++)
      for (let c = 0; c < C; c++) {
        outRef[row * C + c] = table[idx[row] * C + c];
        dtableRef[idx[row] * C + c] += dout[row * C + c];
      }
    const mark = arena.mark();
    const ix = i32(arena, idx);
    const tab = f32(arena, table, "table");
    const out = arena.alloc(n * C, "out");
    const go = f32(arena, dout, "dout");
    const dtab = arena.alloc(V * C, "dtable");
    const res = {} as Record<BackendName, Float64Array[]>;
    for (const b of BACKENDS) {
      out.data.fill(7);
      dtab.data.set(dtable0);
      assert.is(k[b].embeddingForward(out.ptr, tab.ptr, ix.ptr, n, C, V), 0);
      assert.is(k[b].embeddingBackward(dtab.ptr, go.ptr, ix.ptr, n, C, V), 0);
      res[b] = [read(out), read(dtab)];
    }
    arena.release(mark);
    const shape = `[n=${n},C=${C},V=${V}]`;
    same(`embeddingForward ${shape} js`, res.js[0], outRef);
    close(`embeddingBackward ${shape} js vs f64`, res.js[1], dtableRef, 1e-6);
    // Same f32 adds in the same row order: every backend is bit-identical.
    for (const b of WASM) for (let i = 0; i < 2; i++) same(`embedding ${shape} ${b} vs js [${i}]`, res[b][i], res.js[i]);
  }
});

test("embedding: out-of-range indices are counted, zeroed in forward, skipped in backward, and touch nothing else", () => {
  const [n, C, V] = [6, 5, 4];
  const idx = [0, -1, 3, 4, 2147483647, 1];
  const r = rng("emb-bad");
  const table = toF32(randomArray(V * C, r));
  const dout = toF32(randomArray(n * C, r));
  for (const b of BACKENDS) {
    const mark = arena.mark();
    const guardBefore = f32(arena, new Float64Array(8).fill(3), "guard");
    const tab = f32(arena, table, "table");
    const guardAfter = f32(arena, new Float64Array(8).fill(3), "guard");
    const ix = i32(arena, idx);
    const out = f32(arena, new Float64Array(n * C).fill(9), "out");
    const go = f32(arena, dout, "dout");
    assert.is(k[b].embeddingForward(out.ptr, tab.ptr, ix.ptr, n, C, V), 3, `${b} forward count`);
    const o = read(out);
    for (const row of [1, 3, 4]) for (let c = 0; c < C; c++) assert.is(o[row * C + c], 0, `${b} bad row ${row} zeroed`);
    for (let c = 0; c < C; c++) assert.is(o[2 * C + c], table[3 * C + c]);
    const dtab = arena.alloc(V * C, "dtable");
    assert.is(k[b].embeddingBackward(dtab.ptr, go.ptr, ix.ptr, n, C, V), 3, `${b} backward count`);
    const d = read(dtab);
    for (let c = 0; c < C; c++) {
      assert.is(d[0 * C + c], dout[0 * C + c]);
      assert.is(d[3 * C + c], dout[2 * C + c]);
      assert.is(d[1 * C + c], dout[5 * C + c]);
      assert.is(d[2 * C + c], 0);
    }
    same(`${b} guard before`, read(guardBefore), new Float64Array(8).fill(3));
    same(`${b} guard after`, read(guardAfter), new Float64Array(8).fill(3));
    arena.release(mark);
  }
});

test("embeddingSumForward / embeddingSumBackward match n float64 gathers summed / scattered, on every backend", () => {
  // [R, n, C, V]: odd sizes, the lecture WaveNet's first layer (128 rows of 2 lookups, 128 wide), the MLP's (3 lookups)
  const shapes: [number, number, number, number][] = [[1, 1, 1, 1], [3, 2, 5, 4], [7, 3, 31, 5], [33, 4, 9, 27], [128, 2, 128, 27], [512, 3, 200, 27]];
  for (const [R, n, C, V] of shapes) {
    const r = rng(`embsum-${R}-${n}-${C}-${V}`);
    const table = toF32(randomArray(n * V * C, r));
    const dout = toF32(randomArray(R * C, r));
    const idx = Array.from({ length: R * n }, () => Math.floor(r() * V));
    const dtable0 = toF32(randomArray(n * V * C, r));
    const outRef = new Float64Array(R * C);
    const dtableRef = Float64Array.from(dtable0);
    for (let row = 0; row < R; row++)
      for (let j = 0; j < n; j++)
        for (let c = 0; c < C; c++) {
          const t = (j * V + idx[row * n + j]) * C + c;
          outRef[row * C + c] += table[t];
          dtableRef[t] += dout[row * C + c];
        }
    const mark = arena.mark();
    const ix = i32(arena, idx);
    const tab = f32(arena, table, "table");
    const out = arena.alloc(R * C, "out");
    const go = f32(arena, dout, "dout");
    const dtab = arena.alloc(n * V * C, "dtable");
    const res = {} as Record<BackendName, Float64Array[]>;
    for (const b of BACKENDS) {
      out.data.fill(7);
      dtab.data.set(dtable0);
      assert.is(k[b].embeddingSumForward(out.ptr, tab.ptr, ix.ptr, R, n, C, V), 0);
      assert.is(k[b].embeddingSumBackward(dtab.ptr, go.ptr, ix.ptr, R, n, C, V), 0);
      res[b] = [read(out), read(dtab)];
    }
    arena.release(mark);
    const shape = `[R=${R},n=${n},C=${C},V=${V}]`;
    close(`embeddingSumForward ${shape} js vs f64`, res.js[0], outRef, 1e-6);
    close(`embeddingSumBackward ${shape} js vs f64`, res.js[1], dtableRef, 1e-6);
    // the same f32 adds in the same order: every backend is bit-identical
    for (const b of WASM) for (let i = 0; i < 2; i++) same(`embeddingSum ${shape} ${b} vs js [${i}]`, res[b][i], res.js[i]);
  }
});

test("embeddingSum: out-of-range indices are counted and add nothing; a row of only bad indices is zero", () => {
  const [R, n, C, V] = [3, 2, 5, 4];
  const idx = [0, -1, 4, 2147483647, 3, 1]; // row 0: slot 1 bad; row 1: both bad; row 2: fine
  const r = rng("embsum-bad");
  const table = toF32(randomArray(n * V * C, r));
  const dout = toF32(randomArray(R * C, r));
  for (const b of BACKENDS) {
    const mark = arena.mark();
    const tab = f32(arena, table, "table");
    const guard = f32(arena, new Float64Array(8).fill(3), "guard");
    const ix = i32(arena, idx);
    const out = f32(arena, new Float64Array(R * C).fill(9), "out");
    const go = f32(arena, dout, "dout");
    assert.is(k[b].embeddingSumForward(out.ptr, tab.ptr, ix.ptr, R, n, C, V), 3, `${b} forward count`);
    const o = read(out);
    for (let c = 0; c < C; c++) {
      assert.is(o[c], table[c], `${b} row 0 = slot 0 only`);
      assert.is(o[C + c], 0, `${b} row 1 zeroed`);
      assert.is(o[2 * C + c], Math.fround(table[3 * C + c] + table[(V + 1) * C + c]), `${b} row 2`);
    }
    const dtab = arena.alloc(n * V * C, "dtable");
    assert.is(k[b].embeddingSumBackward(dtab.ptr, go.ptr, ix.ptr, R, n, C, V), 3, `${b} backward count`);
    const d = read(dtab);
    const touched = new Set([0, 3, V + 1]);
    for (let t = 0; t < n * V; t++)
      for (let c = 0; c < C; c++) if (!touched.has(t)) assert.is(d[t * C + c], 0, `${b} dtable row ${t} untouched`);
    for (let c = 0; c < C; c++) {
      assert.is(d[c], dout[c]);
      assert.is(d[3 * C + c], dout[2 * C + c]);
      assert.is(d[(V + 1) * C + c], dout[2 * C + c]);
    }
    same(`${b} guard`, read(guard), new Float64Array(8).fill(3));
    arena.release(mark);
  }
});

// ---- tanh and GELU ---------------------------------------------------------------------------------

test("tanhForward / tanhBackward on every backend", () => {
  for (const n of N_SIZES) {
    const r = rng(`tanh-${n}`);
    const x = toF32(randomArray(n, r, 4));
    const dy = toF32(randomArray(n, r));
    const dx0 = toF32(randomArray(n, r));
    const fwd = perBackend(n, [x], [new Float64Array(n)], (kb, [xr], [y]) => kb.tanhForward(y.ptr, xr.ptr, n));
    checkAll(`tanhForward n=${n}`, fwd, [Float64Array.from(x, Math.tanh)], 1e-7, 1e-6);
    // Backward from the same y for every backend (the js forward's), so it tests the backward alone.
    const y = toF32(fwd.js[0]);
    const bwd = perBackend(n, [dy, y], [dx0], (kb, [dyr, yr], [dx]) => kb.tanhBackward(dx.ptr, dyr.ptr, yr.ptr, n));
    checkAll(`tanhBackward n=${n}`, bwd, [Float64Array.from(dx0, (v, i) => v + dy[i] * (1 - y[i] * y[i]))], 1e-7, 1e-7);
  }
});

test("geluForward with its slope GELU'(x), exact and tanh forms, on every backend; multiplyAccumulate", () => {
  for (const approximate of [0, 1] as const) {
    for (const n of N_SIZES) {
      const r = rng(`gelu-${approximate}-${n}`);
      const x = toF32(randomArray(n, r, 5));
      const dy = toF32(randomArray(n, r));
      const dx0 = toF32(randomArray(n, r));
      const y = Float64Array.from(x, (v) => gelu(v, approximate));
      const slope = Float64Array.from(x, (v) => geluGrad(v, approximate));
      const fwd = perBackend(n, [x], [new Float64Array(n), new Float64Array(n)], (kb, [xr], [yr, g]) =>
        kb.geluForward(yr.ptr, g.ptr, xr.ptr, n, approximate, 1));
      checkAll(`geluForward(${approximate}) n=${n}`, fwd, [y, slope], 1e-7, 1e-5);
      // without the slope: the same y, and dydx untouched
      const untouched = Float64Array.from({ length: n }, () => 7);
      const plain = perBackend(n, [x], [new Float64Array(n), untouched], (kb, [xr], [yr, g]) =>
        kb.geluForward(yr.ptr, g.ptr, xr.ptr, n, approximate, 0));
      for (const b of BACKENDS) same(`geluForward(${approximate}) n=${n} ${b} without slope`, plain[b][0], fwd[b][0]);
      for (const b of BACKENDS) same(`geluForward(${approximate}) n=${n} ${b} dydx untouched`, plain[b][1], untouched);
      const g = fwd.js[1];
      const bwd = perBackend(n, [dy, g], [dx0], (kb, [dyr, gr], [dx]) => kb.multiplyAccumulate(dx.ptr, dyr.ptr, gr.ptr, n));
      checkAll(`multiplyAccumulate n=${n}`, bwd, [Float64Array.from(dx0, (v, i) => v + dy[i] * g[i])], 1e-7, 1e-7);
    }
  }
});

test("float64 erf / GELU references agree with CPython math.erf and torch.nn.functional.gelu", () => {
  // math.erf / math.erfc values from CPython 3; GELU values from torch 1.13 in float64.
  const erfs: [number, number][] = [
    [0.3, 0.3286267594591274], [2.4999, 0.9995928300996666], [2, 1 - 0.004677734981047265],
    [2.5, 1 - 0.0004069520174449589], [3, 1 - 2.2090496998585438e-5], [4, 1 - 1.541725790028002e-8],
  ];
  for (const [x, v] of erfs) {
    assert.ok(Math.abs(erf(x) - v) < 1e-14, `erf(${x})`);
    assert.ok(Math.abs(erf(-x) + v) < 1e-14, `erf(${-x})`);
  }
  const xs = [-6.0, -3.0, -1.5, -0.5, -1e-3, 0.0, 1e-4, 0.3, 1.0, 2.5, 4.0, 8.0];
  const torchExact = [-5.919525869479969e-9, -0.00404969409489031, -0.10021080190328704, -0.15426876936299344,
    -0.000499601057786089, 0.0, 5.000398942279737e-5, 0.1853734266566858, 0.841344746068543, 2.4844758366855597,
    3.9998733150326675, 7.999999999999995];
  const torchTanh = [-8.43964897967453e-11, -0.0036373920817729943, -0.10042842301976707, -0.15428599017485606,
    -0.000499601057786418, 0.0, 5.000398942279734e-5, 0.18537092354275922, 0.8411919906082768, 2.484915733910001,
    3.9999297540518075, 8.0];
  xs.forEach((x, i) => {
    assert.ok(Math.abs(gelu(x, 0) - torchExact[i]) <= 1e-15 * Math.max(1, Math.abs(x)), `gelu(${x})`);
    assert.ok(Math.abs(gelu(x, 1) - torchTanh[i]) <= 1e-15 * Math.max(1, Math.abs(x)), `gelu tanh(${x})`);
  });
  // The closed-form derivatives against central differences of the float64 functions.
  for (const x of [-4, -1.3, -0.2, 0, 0.7, 2.2, 5]) {
    for (const a of [0, 1]) {
      const h = 1e-5;
      const fd = (gelu(x + h, a) - gelu(x - h, a)) / (2 * h);
      assert.ok(Math.abs(geluGrad(x, a) - fd) < 1e-9, `geluGrad(${x}, ${a})`);
    }
  }
});

test("WASM tanh and GELU accuracy over a dense grid of [-12, 12]", () => {
  // Bounds: tanh abs ≤ 1e-6 (measured 3.9e-7); GELU abs ≤ 1e-6·max(1, |x|) (measured 4.5e-7 at x ≈ 5,
  // about one f32 ulp of the output); GELU' abs ≤ 1e-6 (measured 2.0e-7). Also the extremes.
  const n = 240_001;
  const xs = toF32(Float64Array.from({ length: n }, (_, i) => -12 + (24 * i) / (n - 1)));
  const extremes = [0, -0, 1e-30, -1e-30, 1e-8, 3.9e-4, 4.1e-4, 20, -20, 100, -100, 1e30, -1e30, Infinity, -Infinity];
  const x = Float64Array.from([...xs, ...extremes]);
  const N = x.length;
  for (const b of WASM) {
    const mark = arena.mark();
    const xr = f32(arena, x, "x");
    const y = arena.alloc(N, "y");
    k[b].tanhForward(y.ptr, xr.ptr, N);
    const t = read(y);
    for (let i = 0; i < N; i++) {
      const err = Math.abs(t[i] - Math.tanh(x[i]));
      if (!(err <= 1e-6)) assert.unreachable(`${b} tanh(${x[i]}) = ${t[i]}, error ${err}`);
      if (Math.abs(t[i]) > 1) assert.unreachable(`${b} |tanh(${x[i]})| > 1`);
    }
    // tiny x: x·A1/B0 of the rational form, within 2e-7 relative (no separate tanh(x) = x branch)
    for (const v of [1e-30, -1e-30, 1e-8]) {
      const rel = Math.abs(t[x.indexOf(v)] / Math.fround(v) - 1);
      if (!(rel <= 2e-7)) assert.unreachable(`${b} tanh(${v}) = ${t[x.indexOf(v)]}, relative error ${rel}`);
    }
    assert.ok(Object.is(t[n], 0) && Object.is(t[n + 1], -0), `${b} tanh(±0) = ±0`); // extremes[0], [1]
    assert.is(t[x.indexOf(1e30)], 1);
    assert.is(t[x.indexOf(-Infinity)], -1);
    for (const a of [0, 1] as const) {
      const slope = arena.alloc(N, "slope");
      k[b].geluForward(y.ptr, slope.ptr, xr.ptr, N, a, 1);
      const g = read(y);
      const d = read(slope);
      for (let i = 0; i < n; i++) {
        const err = Math.abs(g[i] - gelu(x[i], a));
        if (!(err <= 1e-6 * Math.max(1, Math.abs(x[i])))) assert.unreachable(`${b} gelu(${x[i]}, ${a}) = ${g[i]}, error ${err}`);
        const gerr = Math.abs(d[i] - geluGrad(x[i], a));
        if (!(gerr <= 1e-6)) assert.unreachable(`${b} gelu'(${x[i]}, ${a}) = ${d[i]}, error ${gerr}`);
      }
      for (let i = n; i < N; i++) {
        if (!Number.isFinite(x[i])) continue;
        assert.ok(Number.isFinite(g[i]) && Number.isFinite(d[i]), `${b} gelu(${x[i]}, ${a}) finite`);
        if (x[i] >= 20) assert.is(g[i], Math.fround(x[i]), `${b} gelu(${x[i]}, ${a}) = x`);
        if (x[i] <= -20) assert.ok(Math.abs(g[i]) < 1e-30, `${b} gelu(${x[i]}, ${a}) ≈ 0`);
      }
    }
    arena.release(mark);
  }
});

// ---- add, accumulate, scale, zero, copy, sumSquares ----------------------------------------------

test("add / accumulate / scale / zero / copy on every backend", () => {
  for (const n of N_SIZES) {
    const r = rng(`ew-${n}`);
    const a = toF32(randomArray(n, r));
    const b = toF32(randomArray(n, r));
    const y0 = toF32(randomArray(n, r));
    const s = 0.7310585786;
    const sum = Float64Array.from(a, (v, i) => v + b[i]);
    const added = perBackend(n, [a, b], [y0], (kb, [ar, br], [y]) => kb.add(y.ptr, ar.ptr, br.ptr, n));
    for (const be of BACKENDS) same(`add n=${n} ${be}`, added[be][0], toF32(sum));
    const acc = perBackend(n, [a], [y0], (kb, [ar], [y]) => kb.accumulate(y.ptr, ar.ptr, n));
    for (const be of BACKENDS) same(`accumulate n=${n} ${be}`, acc[be][0], toF32(Float64Array.from(y0, (v, i) => v + a[i])));
    const scaled = perBackend(n, [a], [y0], (kb, [ar], [y]) => kb.scale(y.ptr, ar.ptr, n, s));
    for (const be of BACKENDS) same(`scale n=${n} ${be}`, scaled[be][0], toF32(Float64Array.from(a, (v) => v * Math.fround(s))));
    const zeroed = perBackend(n, [], [y0], (kb, _, [y]) => kb.zero(y.ptr, n));
    for (const be of BACKENDS) same(`zero n=${n} ${be}`, zeroed[be][0], new Float64Array(n));
    const copied = perBackend(n, [a], [y0], (kb, [ar], [y]) => kb.copy(y.ptr, ar.ptr, n));
    for (const be of BACKENDS) same(`copy n=${n} ${be}`, copied[be][0], a);
  }
});

test("zero / copy stay inside [ptr, ptr + n) and copy handles overlap; in-place add/scale work", () => {
  for (const b of BACKENDS) {
    const mark = arena.mark();
    const buf = f32(arena, Float64Array.from({ length: 16 }, (_, i) => i + 1), "buf");
    k[b].zero(buf.ptr + 4 * 3, 5);
    same(`${b} zero`, read(buf), [1, 2, 3, 0, 0, 0, 0, 0, 9, 10, 11, 12, 13, 14, 15, 16]);
    buf.data.set(Float64Array.from({ length: 16 }, (_, i) => i + 1));
    k[b].copy(buf.ptr + 4 * 2, buf.ptr, 9); // memmove forward over itself
    same(`${b} copy overlap`, read(buf), [1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16]);
    k[b].add(buf.ptr, buf.ptr, buf.ptr, 16);
    k[b].scale(buf.ptr, buf.ptr, 16, 0.5);
    same(`${b} in place`, read(buf), [1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16]);
    arena.release(mark);
  }
});

test("sumSquares returns the float64 sum of squares on every backend", () => {
  for (const n of [...N_SIZES, 100_003]) {
    const r = rng(`ss-${n}`);
    const x = toF32(randomArray(n, r, 3));
    let want = 0;
    for (const v of x) want += v * v;
    const mark = arena.mark();
    const xr = f32(arena, x, "x");
    for (const b of BACKENDS) {
      const got = k[b].sumSquares(xr.ptr, n);
      assert.ok(Math.abs(got - want) <= 1e-12 * want, `sumSquares n=${n} ${b}: ${got} vs ${want}`);
    }
    arena.release(mark);
  }
  // f32 accumulation would lose these small terms next to a large one; float64 keeps them.
  const mark = arena.mark();
  const x = f32(arena, [4096, ...new Array(1023).fill(0.001)], "x");
  const want = 4096 ** 2 + 1023 * Math.fround(0.001) ** 2; // f32 accumulation returns 4096² exactly, 1.0e-3 short
  for (const b of BACKENDS) assert.ok(Math.abs(k[b].sumSquares(x.ptr, 1024) - want) < 1e-5, `${b} keeps small terms`);
  arena.release(mark);
});

// ---- dropout ---------------------------------------------------------------------------------------

test("murmur3 matches MurmurHash3_x86_32 test vectors", () => {
  assert.is(murmur3(0, 0), 0x2362f9de); // 4 zero bytes, seed 0
  assert.is(murmur3(0x9747b28c, 0x64636261), 0xf0478627); // "abcd", seed 0x9747b28c
});

test("dropoutForward masks are bit-identical across backends; multiplyAccumulate applies them", () => {
  for (const p of [0.1, 0.5, 0.9]) {
    for (const n of N_SIZES) {
      const r = rng(`drop-${p}-${n}`);
      const x = toF32(randomArray(n, r));
      const dy = toF32(randomArray(n, r));
      const dx0 = toF32(randomArray(n, r));
      const seed = Math.floor(r() * 2 ** 32);
      const fwd = perBackend(n, [x], [new Float64Array(n), new Float64Array(n)], (kb, [xr], [y, mask]) =>
        kb.dropoutForward(y.ptr, mask.ptr, xr.ptr, n, p, seed));
      const scale = Math.fround(1 / Math.fround(1 - Math.fround(p)));
      const maskRef = Float64Array.from({ length: n }, (_, i) => ((murmur3(seed, i) >>> 8) / 2 ** 24 >= Math.fround(p) ? scale : 0));
      for (const b of BACKENDS) {
        same(`dropout p=${p} n=${n} ${b} y`, fwd[b][0], toF32(Float64Array.from(x, (v, i) => v * maskRef[i])));
        same(`dropout p=${p} n=${n} ${b} mask`, fwd[b][1], maskRef);
      }
      const mask = fwd.js[1];
      const bwd = perBackend(n, [dy, mask], [dx0], (kb, [dyr, mr], [dx]) => kb.multiplyAccumulate(dx.ptr, dyr.ptr, mr.ptr, n));
      checkAll(`multiplyAccumulate (dropout) p=${p} n=${n}`, bwd, [Float64Array.from(dx0, (v, i) => v + dy[i] * mask[i])], 1e-7, 1e-7);
    }
  }
});

test("dropout: keep rate ≈ 1 − p, seeds give independent masks, p = 0 is the identity, p = 1 drops all", () => {
  const n = 1 << 18;
  const mark = arena.mark();
  const x = f32(arena, toF32(randomArray(n, rng("drop-stats"))), "x");
  const y = arena.alloc(n, "y");
  const m1 = arena.alloc(n, "m1");
  const m2 = arena.alloc(n, "m2");
  for (const b of BACKENDS) {
    for (const p of [0.1, 0.25, 0.5, 0.8]) {
      k[b].dropoutForward(y.ptr, m1.ptr, x.ptr, n, p, 1234);
      k[b].dropoutForward(y.ptr, m2.ptr, x.ptr, n, p, 1235);
      const a = m1.data;
      const c = m2.data;
      let kept = 0;
      let both = 0;
      for (let i = 0; i < n; i++) {
        kept += a[i] !== 0 ? 1 : 0;
        both += a[i] !== 0 && c[i] !== 0 ? 1 : 0;
      }
      const q = 1 - p;
      const sigma = Math.sqrt((p * q) / n);
      assert.ok(Math.abs(kept / n - q) < 5 * sigma, `${b} p=${p}: keep rate ${kept / n}`);
      // Independent masks keep an element in both with probability q² (not q, as identical masks would).
      assert.ok(Math.abs(both / n - q * q) < 5 * Math.sqrt((q * q * (1 - q * q)) / n), `${b} p=${p}: seeds 1234/1235 overlap ${both / n}`);
    }
    k[b].dropoutForward(y.ptr, m1.ptr, x.ptr, n, 0, 99);
    same(`${b} p=0 y`, y.data, x.data);
    assert.ok(m1.data.every((v) => v === 1), `${b} p=0 mask is all ones`);
    k[b].dropoutForward(y.ptr, m1.ptr, x.ptr, n, 1, 99);
    assert.ok(m1.data.every((v) => v === 0) && y.data.every((v) => v === 0), `${b} p=1 drops everything`);
  }
  arena.release(mark);
});

// ---- argument checks -------------------------------------------------------------------------------

test("bad calls throw errors naming the kernel on every backend", () => {
  const mark = arena.mark();
  const a = arena.alloc(16, "a");
  const ix = i32(arena, [0, 1]);
  for (const b of BACKENDS) {
    assert.throws(() => k[b].tanhForward(a.ptr, a.ptr, 0), /tanhForward/);
    assert.throws(() => k[b].add(a.ptr, a.ptr, a.ptr, 1 << 28), /add/);
    assert.throws(() => k[b].geluForward(a.ptr, 1 << 30, a.ptr, 4, 0, 1), /geluForward: dydx/);
    assert.throws(() => k[b].multiplyAccumulate(a.ptr, a.ptr, 1 << 30, 4), /multiplyAccumulate/);
    assert.throws(() => k[b].embeddingForward(a.ptr, a.ptr, ix.ptr, 2, 4, 1 << 26), /embeddingForward: table/);
    assert.throws(() => k[b].embeddingBackward(a.ptr, a.ptr, ix.ptr, 2, 0, 1), /embeddingBackward/);
    assert.throws(() => k[b].dropoutForward(a.ptr, a.ptr, a.ptr, 2.5, 0.1, 1), /dropoutForward/);
    assert.throws(() => k[b].sumSquares(a.ptr + 2, 4), /sumSquares/);
  }
  arena.release(mark);
});

test.run();
