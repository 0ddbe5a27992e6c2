// Matmul family: matmul / matmulTN / matmulNT (accumulate 0 and 1), transpose, addBias, biasBackward.
// wasm and wasm-scalar are compared with js, and js with a float64 reference computed here.
// Tolerance: relErr ‖a − b‖/‖b‖ ≤ 1e-5 (float32 sums of ≤ 256 products of numbers in [-1, 1)).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { f32, randomArray, relErr, rng, setup, SIZES } from "./helpers/numeric.js";
import type { BackendName, Kernels } from "../src/kernels/index.js";
import { MATMUL_TANH_MAX_K } from "../src/kernels/types.js";

const TOL = 1e-5;
const { arena, k } = setup();
const OTHERS: BackendName[] = ["wasm", "wasm-scalar"];

type Layout = "NN" | "TN" | "NT";
const KERNEL = { NN: "matmul", TN: "matmulTN", NT: "matmulNT" } as const;

/** float64 C (+)= op(A)·op(B); A is [M,K] (NN, NT) or [K,M] (TN), B is [K,N] (NN, TN) or [N,K] (NT). */
function reference(layout: Layout, A: Float64Array, B: Float64Array, M: number, K: number, N: number, C0: Float64Array | null): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let sum = C0 ? C0[i * N + j] : 0;
      for (let kk = 0; kk < K; kk++) {
        const a = layout === "TN" ? A[kk * M + i] : A[i * K + kk];
        const b = layout === "NT" ? B[j * K + kk] : B[kk * N + j];
        sum += a * b;
      }
      C[i * N + j] = sum;
    }
  return C;
}

/** Round to float32, as the kernels see their inputs. */
const asF32 = (x: Float64Array): Float64Array => Float64Array.from(Float32Array.from(x));

function checkMatmul(layout: Layout, M: number, K: number, N: number, accumulate: 0 | 1): void {
  const r = rng(`${layout}-${M}-${K}-${N}-${accumulate}`);
  const A = asF32(randomArray(M * K, r));
  const B = asF32(randomArray(K * N, r));
  const C0 = asF32(randomArray(M * N, r));
  const mark = arena.mark();
  const a = f32(arena, A, "A");
  const b = f32(arena, B, "B");
  const c = arena.alloc(M * N + 4, "C"); // 4 guard floats after C must survive
  const run = (backend: BackendName): Float32Array => {
    c.data.set(C0);
    c.data.fill(7, M * N);
    const kk = k[backend] as Kernels;
    if (layout === "TN") kk.matmulTN(c.ptr, a.ptr, b.ptr, M, K, N, accumulate);
    else kk[KERNEL[layout]](c.ptr, a.ptr, b.ptr, M, K, N, accumulate, 0);
    assert.equal(Array.from(c.data.subarray(M * N)), [7, 7, 7, 7], `${backend} ${layout} wrote past C`);
    return c.data.slice(0, M * N);
  };
  const what = `${KERNEL[layout]} M=${M} K=${K} N=${N} accumulate=${accumulate}`;
  const js = run("js");
  const e64 = relErr(js, reference(layout, A, B, M, K, N, accumulate ? C0 : null));
  assert.ok(e64 <= TOL, `js vs float64: ${what}: relErr ${e64}`);
  for (const backend of OTHERS) {
    const e = relErr(run(backend), js);
    assert.ok(e <= TOL, `${backend} vs js: ${what}: relErr ${e}`);
  }
  arena.release(mark);
}

// A spread over SIZES (not the full cube): every size appears in every position, with partners
// that exercise the SIMD tile edges (rows % 4, rows % 2, columns % 8, % 4, K % 4).
const ODD: [number, number, number][] = [];
for (const [i, s] of SIZES.entries()) {
  ODD.push([s, SIZES[(i + 2) % SIZES.length], SIZES[(i + 4) % SIZES.length]]);
  ODD.push([SIZES[(i + 3) % SIZES.length], s, SIZES[(i + 1) % SIZES.length]]);
  ODD.push([SIZES[(i + 5) % SIZES.length], SIZES[(i + 6) % SIZES.length], s]);
}
ODD.push([1, 1, 1], [127, 127, 127], [33, 1, 33], [9, 300, 17]); // K = 300 crosses a K block
ODD.push([30, 300, 24], [32, 7, 8]); // NN/TN read B in place (M ≤ 32, N % 8 = 0), across K blocks too

// makemore shapes as [M, K, N] (batch 32): MLP/BN-MLP layers, WaveNet flattened layers, logits.
const MAKEMORE: [number, number, number][] = [
  [32, 30, 200], [32, 200, 27], [128, 48, 128], [64, 256, 128], [32, 256, 128], [32, 128, 27],
];

for (const layout of ["NN", "TN", "NT"] as Layout[]) {
  test(`${KERNEL[layout]}: odd sizes, accumulate 0 and 1`, () => {
    for (const [M, K, N] of ODD) for (const acc of [0, 1] as const) checkMatmul(layout, M, K, N, acc);
  });
  test(`${KERNEL[layout]}: makemore shapes`, () => {
    for (const [M, K, N] of MAKEMORE) for (const acc of [0, 1] as const) checkMatmul(layout, M, K, N, acc);
  });
}

test("matmulNT with a bias is matmulNT then addBias, bit for bit, on every backend", () => {
  // a Linear's forward: the bias is added after the sum (and after the accumulation), in the last K
  // block only (K = 300 crosses one), on full and edge tiles (N % 8, N % 4, M % 4)
  for (const [M, K, N] of [...ODD, ...MAKEMORE])
    for (const acc of [0, 1] as const) {
      const r = rng(`NT-bias-${M}-${K}-${N}-${acc}`);
      const mark = arena.mark();
      const a = f32(arena, asF32(randomArray(M * K, r)), "A");
      const b = f32(arena, asF32(randomArray(K * N, r)), "B");
      const bias = f32(arena, asF32(randomArray(N, r)), "bias");
      const C0 = asF32(randomArray(M * N, r));
      const c = arena.alloc(M * N + 4, "C");
      for (const backend of ["js", ...OTHERS] as BackendName[]) {
        const kk = k[backend] as Kernels;
        c.data.set(C0);
        kk.matmulNT(c.ptr, a.ptr, b.ptr, M, K, N, acc, 0);
        kk.addBias(c.ptr, bias.ptr, M, N);
        const separate = c.data.slice(0, M * N);
        c.data.set(C0);
        c.data.fill(7, M * N);
        kk.matmulNT(c.ptr, a.ptr, b.ptr, M, K, N, acc, bias.ptr);
        assert.equal(Array.from(c.data.subarray(M * N)), [7, 7, 7, 7], `${backend} wrote past C`);
        const fused = c.data.slice(0, M * N);
        for (let i = 0; i < M * N; i++)
          if (!Object.is(fused[i], separate[i]))
            assert.unreachable(`${backend} M=${M} K=${K} N=${N} acc=${acc}: element ${i} is ${fused[i]}, matmulNT + addBias gave ${separate[i]}`);
      }
      arena.release(mark);
    }
});

test("matmul with tanhOut is matmul into a zeroed buffer then tanhBackward, bit for bit, on every backend", () => {
  // a Linear's input gradient through the Tanh before it; full and edge tiles, B packed and in place
  // (M ≤ 32, N % 8 = 0), K up to its limit of one K block
  const shapes: [number, number, number][] = [...ODD.filter(([, K]) => K <= MATMUL_TANH_MAX_K), ...MAKEMORE, [32, 27, 200], [128, 68, 48], [5, 256, 13]];
  for (const [M, K, N] of shapes)
    for (const acc of [0, 1] as const) {
      const r = rng(`NN-tanh-${M}-${K}-${N}-${acc}`);
      const mark = arena.mark();
      const a = f32(arena, asF32(randomArray(M * K, r)), "A");
      const b = f32(arena, asF32(randomArray(K * N, r)), "B");
      const y = f32(arena, asF32(randomArray(M * N, r)), "Y");
      const C0 = asF32(acc ? randomArray(M * N, r) : new Float64Array(M * N));
      const dy = arena.alloc(M * N, "dy");
      const c = arena.alloc(M * N + 4, "C");
      for (const backend of ["js", ...OTHERS] as BackendName[]) {
        const kk = k[backend] as Kernels;
        dy.data.fill(0);
        kk.matmul(dy.ptr, a.ptr, b.ptr, M, K, N, 1, 0);
        c.data.set(C0);
        kk.tanhBackward(c.ptr, dy.ptr, y.ptr, M * N);
        const separate = c.data.slice(0, M * N);
        c.data.set(C0);
        c.data.fill(7, M * N);
        kk.matmul(c.ptr, a.ptr, b.ptr, M, K, N, acc, y.ptr);
        assert.equal(Array.from(c.data.subarray(M * N)), [7, 7, 7, 7], `${backend} wrote past C`);
        for (let i = 0; i < M * N; i++)
          if (c.data[i] !== separate[i])
            assert.unreachable(`${backend} M=${M} K=${K} N=${N} acc=${acc}: element ${i} is ${c.data[i]}, matmul + tanhBackward gave ${separate[i]}`);
      }
      arena.release(mark);
    }
  const mark = arena.mark();
  const big = arena.alloc(4 * (MATMUL_TANH_MAX_K + 1), "big");
  for (const backend of ["js", ...OTHERS] as BackendName[])
    assert.throws(() => k[backend].matmul(big.ptr, big.ptr, big.ptr, 1, MATMUL_TANH_MAX_K + 1, 1, 1, big.ptr), /matmul: K = 257 with tanhOut/);
  arena.release(mark);
});

test("transpose: every backend, overwrite and accumulate, exact, nothing written past dst", () => {
  // odd sizes around the 4×4 SIMD blocks, and the fused WaveNet layer's W [128, 48]
  for (const [R, C] of [[1, 1], [1, 7], [7, 1], [3, 5], [4, 4], [5, 9], [8, 12], [33, 31], [128, 48], [48, 128]]) {
    const r = rng(`transpose-${R}-${C}`);
    const src = asF32(randomArray(R * C, r));
    const D0 = asF32(randomArray(R * C, r));
    const mark = arena.mark();
    const s = f32(arena, src, "src");
    const d = arena.alloc(R * C + 4, "dst");
    for (const backend of ["js", ...OTHERS] as BackendName[])
      for (const acc of [0, 1] as const) {
        d.data.set(D0);
        d.data.fill(7, R * C);
        k[backend].transpose(d.ptr, s.ptr, R, C, acc);
        for (let i = 0; i < R; i++)
          for (let j = 0; j < C; j++) {
            // float32 sum, as every backend rounds it
            const want = acc ? Math.fround(D0[j * R + i] + src[i * C + j]) : src[i * C + j];
            if (d.data[j * R + i] !== want) assert.unreachable(`${backend} transpose R=${R} C=${C} acc=${acc}: [${j},${i}] is ${d.data[j * R + i]}, expected ${want}`);
          }
        assert.equal(Array.from(d.data.subarray(R * C)), [7, 7, 7, 7], `${backend} transpose wrote past dst`);
      }
    arena.release(mark);
  }
});

test("addBias and biasBackward (accumulating)", () => {
  for (const [M, N] of [[1, 1], [3, 5], [7, 31], [33, 127], [32, 27], [32, 200], [5, 16], [4, 35]]) {
    const r = rng(`bias-${M}-${N}`);
    const Y = asF32(randomArray(M * N, r));
    const bias = asF32(randomArray(N, r));
    const D0 = asF32(randomArray(N, r));
    const mark = arena.mark();
    const y = arena.alloc(M * N, "y");
    const bb = f32(arena, bias, "bias");
    const dbias = arena.alloc(N, "dbias");
    const refY = Y.map((v, idx) => v + bias[idx % N]);
    const refD = D0.map((v, j) => {
      let s = v;
      for (let i = 0; i < M; i++) s += Y[i * N + j];
      return s;
    });
    for (const backend of ["js", ...OTHERS] as BackendName[]) {
      y.data.set(Y);
      k[backend].addBias(y.ptr, bb.ptr, M, N);
      const eY = relErr(y.data, refY);
      assert.ok(eY <= TOL, `${backend} addBias M=${M} N=${N}: relErr ${eY}`);
      y.data.set(Y);
      dbias.data.set(D0);
      k[backend].biasBackward(dbias.ptr, y.ptr, M, N);
      const eD = relErr(dbias.data, refD);
      assert.ok(eD <= TOL, `${backend} biasBackward M=${M} N=${N}: relErr ${eD}`);
    }
    arena.release(mark);
  }
});

test("bad calls throw an error naming the kernel", () => {
  const mark = arena.mark();
  const a = arena.alloc(12, "a");
  const b = arena.alloc(12, "b");
  const c = arena.alloc(9, "c");
  for (const backend of ["js", ...OTHERS] as BackendName[]) {
    const kk = k[backend];
    assert.throws(() => kk.matmul(c.ptr, a.ptr, b.ptr, 0, 4, 3, 0, 0), /matmul/);
    assert.throws(() => kk.matmulTN(c.ptr, a.ptr, b.ptr, 3, 4.5, 3, 0), /matmulTN/);
    assert.throws(() => kk.matmulNT(c.ptr, a.ptr, b.ptr, 3, 4, 3 << 20, 0, 0), /matmulNT/); // C past the arena
    assert.throws(() => kk.matmulNT(c.ptr, a.ptr, b.ptr, 3, 4, 3, 0, 1 << 30), /matmulNT: bias/);
    assert.throws(() => kk.matmul(c.ptr, a.ptr, 1 << 30, 3, 4, 3, 1, 0), /matmul: B/);
    assert.throws(() => kk.transpose(c.ptr, b.ptr, 3, 5, 0), /transpose: dst/); // 15 elements past c (last in the arena)
    assert.throws(() => kk.addBias(c.ptr, b.ptr, 3, 0), /addBias/);
    assert.throws(() => kk.biasBackward(b.ptr, c.ptr, 5, 3), /biasBackward: dy/); // 15 elements past c (last in the arena)
  }
  arena.release(mark);
});

test.run();
