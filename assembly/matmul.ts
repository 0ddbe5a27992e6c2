// Matmul family: C[M,N] (+)= op(A) · op(B) (A·Bᵀ optionally + bias, A·B optionally ⊙ tanh′), plus
// bias add and its backward.
//
// SIMD scheme (see /work/shared/PERFORMANCE-NOTES.md): one register-blocked micro-kernel for all
// three layouts. It computes a 4×8 tile of C in 8 f32x4 accumulators:
//     C[i..i+4, j..j+8] (+)= Σ_k  Ap[k][0..4] ⊗ Bp[k][0..8]
// where Ap[k] are the 4 values A[i..i+4, k] (contiguous, broadcast with load32_splat at immediate
// offsets 0/4/8/12) and Bp[k] the 8 values B[k, j..j+8] (two v128 loads at offsets 0/16). Per k the
// loop does 6 loads, 8 mul + 8 add and two pointer increments — no conditionals, no address math.
// Each layout only decides where Ap and Bp come from:
//   A·B   (NN): Ap = a 4-row panel of A [M,K] transposed into scratch ([k][4]);
//   Aᵀ·B  (TN): Ap = A stored [K,M] read in place (4 consecutive i are contiguous);
//   A·Bᵀ  (NT): Ap as NN.
// Bp is a packed panel in scratch ([k][8]): copied from B [K,N] rows (NN, TN) or transposed from
// B [N,K] (NT), so the micro-kernel streams it contiguously whatever N is (no 4 KB strides). One
// exception: NN/TN with M ≤ 32 read their whole 8-wide panels in place (B's rows, stride N) and
// pack only the edge panel: with at most 8 row panels to reuse a packed copy, packing costs more
// than the strided reads (measured 4–9% faster at M = 27–32 for K = 27–256; from M = 64 on,
// packing wins).
// Transposes use SIMD 4×4 shuffles; packing costs O(K·(M+N)) against O(M·N·K) compute.
// Edges: a 4-row A panel past row M re-reads the last valid row (TN: copied zero-padded); the last
// N % 8 columns form a zero-padded panel, [k][4] with a 4×4 tile when ≤ 4 of them remain (N = 27 is
// 3 tiles of 8 + 3). Tiles sticking out of C store only their valid part.
// Blocking: K in blocks of KC; columns in blocks whose packed panels fill the scratch window.
// Bias (A·Bᵀ, a Linear's forward): the last K block's tiles add bias[j] as they store, after the
// accumulation, so C = (Σ + C) + bias: the same operations as matmul then addBias, one pass fewer.
// tanh′ (A·B, the input gradient of a Linear whose input is a Tanh's output Y): the tiles multiply
// their sums by 1 − Y² before storing (or accumulating), C (+)= Σ ⊙ (1 − Y²): the operations of a
// matmul into a zeroed buffer followed by tanhBackward, without that buffer. The sum must be complete before the
// multiply, so this needs K ≤ KC (one K block).
//
// Scratch: the SIMD module uses the fixed window [SCRATCH_BASE, SCRATCH_END) = [64 KiB, 256 KiB) of
// the arena's memory, below the arena's RESERVED_BYTES (src/memory/arena.ts) and above this module's
// static data (heapBase ≈ 1 KiB) and the scalar module's (memoryBase 32 KiB, which uses no scratch).
// Assumes each memory is used by one thread at a time (every arena has its own memory).
// The scalar build (no SIMD) runs plain loops with the same semantics.

import { loadN, storeN } from "./lanes";

const KC: i32 = 256; // K rows per block

const SCRATCH_BASE: usize = 65536;
const SCRATCH_END: usize = 262144;
/** Packed A panel: [KC][4] floats. */
const PACK_A: usize = SCRATCH_BASE;
/** Packed B panels of one column block: [nc/8][kc][8] (a last panel of ≤ 4 columns is [kc][4]). */
const PACK_B: usize = PACK_A + <usize>KC * 16;
const PACK_B_FLOATS: i32 = <i32>((SCRATCH_END - PACK_B) >> 2);

/** 1.0, broadcast with one load (V8 re-materialises f32x4.splat(1) at every use). */
const ONE = memory.data<f32>([1.0]);

/** v ⊙ (1 − y²) for the n values y at py (tanhBackward's operations); one = 1.0 in every lane. */
@inline function timesTanhSlope(v: v128, py: usize, n: i32, one: v128): v128 {
  const y = loadN(py, n);
  return f32x4.mul(v, f32x4.sub(one, f32x4.mul(y, y)));
}

/**
 * C[p .. p+n) = v, or += v when accumulating, with v first ⊙ (1 − Y²) for the Y at tanhOut unless it
 * is 0; then += bias[0 .. n) unless bias is 0 (none).
 */
@inline function putN(p: usize, v: v128, n: i32, accumulate: bool, bias: usize = 0, tanhOut: usize = 0): void {
  if (tanhOut != 0) v = timesTanhSlope(v, tanhOut, n, v128.load32_splat(ONE));
  let r = accumulate ? f32x4.add(v, loadN(p, n)) : v;
  if (bias != 0) r = f32x4.add(r, loadN(bias, n));
  storeN(p, r, n);
}

/** One row of a C tile: C[p .. p+cols) (+)= [v0 v1] (⊙ tanh′ of the row at y) (+ bias), cols ≤ 8. */
@inline function putRow(p: usize, v0: v128, v1: v128, cols: i32, accumulate: bool, bias: usize, y: usize): void {
  if (cols > 4) {
    putN(p, v0, 4, accumulate, bias, y);
    putN(p + 16, v1, cols - 4, accumulate, bias != 0 ? bias + 16 : 0, y != 0 ? y + 16 : 0);
  } else {
    putN(p, v0, cols, accumulate, bias, y);
  }
}

// ---- the micro-kernel ---------------------------------------------------------------------------

/**
 * C tile [rows × cols] (+)= Σ_k Ap[k][0..4] ⊗ Bp[k][0..8] over kc ≥ 1 steps, rows ≤ 4, cols ≤ 8:
 * Ap[k] = 4 floats at pa + k·sa, Bp[k] = 8 floats at pb + k·sb; the sums ⊙ (1 − Y²) for the tile
 * Y at y (stride ldc) unless y is 0; then + bias[0..cols) unless bias is 0.
 */
@inline function tile4x8(
  c: usize, ldc: usize, pa: usize, sa: usize, pb: usize, sb: usize, kc: i32, rows: i32, cols: i32,
  accumulate: bool, bias: usize, y: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const pbEnd = pb + <usize>kc * sb;
  do {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let s = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(s, b0));
    c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(s, b0));
    c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(s, b0));
    c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(s, b0));
    c31 = f32x4.add(c31, f32x4.mul(s, b1));
    pa += sa;
    pb += sb;
  } while (pb != pbEnd);
  // Without an epilogue, plain stores in a block of their own: V8's code for the tile is then
  // measurably faster than with the epilogue's branches in the same block (TN 200×32×30: 2–4%).
  if (bias == 0 && y == 0) {
    if (rows == 4 && cols == 8) {
      putN(c, c00, 4, accumulate);
      putN(c + 16, c01, 4, accumulate);
      putN(c + ldc, c10, 4, accumulate);
      putN(c + ldc + 16, c11, 4, accumulate);
      putN(c + 2 * ldc, c20, 4, accumulate);
      putN(c + 2 * ldc + 16, c21, 4, accumulate);
      putN(c + 3 * ldc, c30, 4, accumulate);
      putN(c + 3 * ldc + 16, c31, 4, accumulate);
    } else {
      putRow(c, c00, c01, cols, accumulate, 0, 0);
      if (rows > 1) putRow(c + ldc, c10, c11, cols, accumulate, 0, 0);
      if (rows > 2) putRow(c + 2 * ldc, c20, c21, cols, accumulate, 0, 0);
      if (rows > 3) putRow(c + 3 * ldc, c30, c31, cols, accumulate, 0, 0);
    }
  } else if (rows == 4 && cols == 8) {
    if (y != 0) {
      const one = v128.load32_splat(ONE);
      c00 = timesTanhSlope(c00, y, 4, one);
      c01 = timesTanhSlope(c01, y + 16, 4, one);
      c10 = timesTanhSlope(c10, y + ldc, 4, one);
      c11 = timesTanhSlope(c11, y + ldc + 16, 4, one);
      c20 = timesTanhSlope(c20, y + 2 * ldc, 4, one);
      c21 = timesTanhSlope(c21, y + 2 * ldc + 16, 4, one);
      c30 = timesTanhSlope(c30, y + 3 * ldc, 4, one);
      c31 = timesTanhSlope(c31, y + 3 * ldc + 16, 4, one);
    }
    if (accumulate) {
      c00 = f32x4.add(c00, v128.load(c));
      c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(c + ldc));
      c11 = f32x4.add(c11, v128.load(c + ldc, 16));
      c20 = f32x4.add(c20, v128.load(c + 2 * ldc));
      c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
      c30 = f32x4.add(c30, v128.load(c + 3 * ldc));
      c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
    }
    if (bias != 0) {
      const b0 = v128.load(bias);
      const b1 = v128.load(bias, 16);
      c00 = f32x4.add(c00, b0);
      c01 = f32x4.add(c01, b1);
      c10 = f32x4.add(c10, b0);
      c11 = f32x4.add(c11, b1);
      c20 = f32x4.add(c20, b0);
      c21 = f32x4.add(c21, b1);
      c30 = f32x4.add(c30, b0);
      c31 = f32x4.add(c31, b1);
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c + ldc, c10);
    v128.store(c + ldc, c11, 16);
    v128.store(c + 2 * ldc, c20);
    v128.store(c + 2 * ldc, c21, 16);
    v128.store(c + 3 * ldc, c30);
    v128.store(c + 3 * ldc, c31, 16);
  } else {
    putRow(c, c00, c01, cols, accumulate, bias, y);
    if (rows > 1) putRow(c + ldc, c10, c11, cols, accumulate, bias, y != 0 ? y + ldc : 0);
    if (rows > 2) putRow(c + 2 * ldc, c20, c21, cols, accumulate, bias, y != 0 ? y + 2 * ldc : 0);
    if (rows > 3) putRow(c + 3 * ldc, c30, c31, cols, accumulate, bias, y != 0 ? y + 3 * ldc : 0);
  }
}

/** C tile [rows × cols] (+)= Σ_k Ap[k][0..4] ⊗ Bp[k][0..4] (⊙ tanh′) (+ bias), cols ≤ 4: Bp[k] = 4 floats at pb + 16k. */
@inline function tile4x4(
  c: usize, ldc: usize, pa: usize, sa: usize, pb: usize, kc: i32, rows: i32, cols: i32, accumulate: bool, bias: usize, y: usize,
): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  const pbEnd = pb + (<usize>kc << 4);
  do {
    const bk = v128.load(pb);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), bk));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa, 4), bk));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa, 8), bk));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa, 12), bk));
    pa += sa;
    pb += 16;
  } while (pb != pbEnd);
  putN(c, c0, cols, accumulate, bias, y);
  if (rows > 1) putN(c + ldc, c1, cols, accumulate, bias, y != 0 ? y + ldc : 0);
  if (rows > 2) putN(c + 2 * ldc, c2, cols, accumulate, bias, y != 0 ? y + 2 * ldc : 0);
  if (rows > 3) putN(c + 3 * ldc, c3, cols, accumulate, bias, y != 0 ? y + 3 * ldc : 0);
}

// ---- packing into scratch -----------------------------------------------------------------------

/** Stores the 4×4 block with rows r0..r3 transposed: dst[q·stride + r] (+)= r_r[q]. */
@inline function storeTransposed(dst: usize, stride: usize, r0: v128, r1: v128, r2: v128, r3: v128, accumulate: bool = false): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // r0[2] r1[2] r0[3] r1[3]
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  putN(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5), 4, accumulate);
  putN(dst + stride, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 4, accumulate);
  putN(dst + 2 * stride, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 4, accumulate);
  putN(dst + 3 * stride, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 4, accumulate);
}

/**
 * dst[k·stride + r] = X[r][k] for 4 row-major rows X[r] = src + min(r, rows−1)·ld, k < kc
 * (rows past the edge repeat the last valid row).
 */
function packRows4(dst: usize, stride: usize, src: usize, ld: usize, rows: i32, kc: i32): void {
  const p0 = src;
  const p1 = rows > 1 ? p0 + ld : p0;
  const p2 = rows > 2 ? p1 + ld : p1;
  const p3 = rows > 3 ? p2 + ld : p2;
  const kc4 = kc & ~3;
  let k = 0;
  for (; k < kc4; k += 4) {
    const o = <usize>k << 2;
    storeTransposed(dst + <usize>k * stride, stride, v128.load(p0 + o), v128.load(p1 + o), v128.load(p2 + o), v128.load(p3 + o));
  }
  for (; k < kc; k++) {
    const o = <usize>k << 2;
    const d = dst + <usize>k * stride;
    store<f32>(d, load<f32>(p0 + o));
    store<f32>(d, load<f32>(p1 + o), 4);
    store<f32>(d, load<f32>(p2 + o), 8);
    store<f32>(d, load<f32>(p3 + o), 12);
  }
}

/** Ap for NN/NT: PACK_A[k][r] = A[i+r, k0+k], A row-major with row stride lda (bytes). */
@inline function packA(a: usize, lda: usize, rows: i32, kc: i32): void {
  packRows4(PACK_A, 16, a, lda, rows, kc);
}

/** Ap for a TN edge panel: PACK_A[k][0..rows) = A[k, i..i+rows) (stride lda), rest zero. */
function packAEdgeTN(a: usize, lda: usize, rows: i32, kc: i32): void {
  for (let k = 0; k < kc; k++) v128.store(PACK_A + (<usize>k << 4), loadN(a + <usize>k * lda, rows));
}

/** Bytes of the packed B panel holding columns j..j+cols (cols ≤ 8): [kc][4] if cols ≤ 4, else [kc][8]. */
@inline function panelBytes(cols: i32, kc: i32): usize {
  return <usize>kc << (cols > 4 ? 5 : 4);
}

/** Bp panels for NN/TN from B [K,N] rows (stride ldb): panel s = columns 8s.. of the block, zero-padded. */
function packBPanels(b: usize, ldb: usize, nc: i32, kc: i32): void {
  let d = PACK_B;
  for (let j = 0; j < nc; j += 8) {
    const cols = min(8, nc - j);
    const p = b + (<usize>j << 2);
    if (cols == 8) {
      for (let k = 0; k < kc; k++) {
        const q = p + <usize>k * ldb;
        const o = d + (<usize>k << 5);
        v128.store(o, v128.load(q));
        v128.store(o, v128.load(q, 16), 16);
      }
    } else if (cols > 4) {
      for (let k = 0; k < kc; k++) {
        const q = p + <usize>k * ldb;
        const o = d + (<usize>k << 5);
        v128.store(o, v128.load(q));
        v128.store(o, loadN(q + 16, cols - 4), 16);
      }
    } else {
      for (let k = 0; k < kc; k++) v128.store(d + (<usize>k << 4), loadN(p + <usize>k * ldb, cols));
    }
    d += panelBytes(cols, kc);
  }
}

/** Bp panels for NT from B [N,K] (row stride ldb): panel s holds [k][r] = B[8s + r, k]. */
function packBPanelsNT(b: usize, ldb: usize, nc: i32, kc: i32): void {
  let d = PACK_B;
  for (let j = 0; j < nc; j += 8) {
    const cols = min(8, nc - j);
    const p = b + <usize>j * ldb;
    if (cols > 4) {
      packRows4(d, 32, p, ldb, 4, kc);
      packRows4(d + 16, 32, p + 4 * ldb, ldb, cols - 4, kc); // rows past the edge repeat the last one
    } else {
      packRows4(d, 16, p, ldb, cols, kc);
    }
    d += panelBytes(cols, kc);
  }
}

// ---- driver -------------------------------------------------------------------------------------

/** Address of bias[j], or 0 when there is no bias. */
@inline function biasAt(bias: usize, j: i32): usize {
  return bias != 0 ? bias + (<usize>j << 2) : 0;
}

/** Address of column j of the tile row at y, or 0 when there is no Y. */
@inline function tileOf(y: usize, j: i32): usize {
  return y != 0 ? y + (<usize>j << 2) : 0;
}

const NN: i32 = 0;
const TN: i32 = 1;
const NT: i32 = 2;

/**
 * C[M,N] (+)= op(A)·op(B) (⊙ (1 − Y²) for Y [M,N] at tanhOut unless 0; K ≤ KC) (+ bias[N] unless 0)
 * for layout NN, TN or NT (see the header), in K blocks × column blocks. Inlined into each export
 * with constant layout (and a constant 0 for an absent epilogue), so each compiles to its own code:
 * measured 1–3% faster than one shared driver testing them at run time.
 */
@inline function matmulSimd(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, layout: i32, accumulate: bool, bias: usize, tanhOut: usize): void {
  const ldc = <usize>N << 2;
  const lda = layout == TN ? <usize>M << 2 : <usize>K << 2;
  const ldb = layout == NT ? <usize>K << 2 : <usize>N << 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate || k0 > 0;
    const bInPlace = layout != NT && M <= 32;
    const biasBlock = k0 + kc == K ? bias : 0; // the last K block adds the bias
    const ncMax = (PACK_B_FLOATS / (kc << 3)) << 3; // columns whose [kc][8] panels fit PACK_B
    for (let j0 = 0; j0 < N; j0 += ncMax) {
      const nc = min(ncMax, N - j0);
      const bRows = b + <usize>k0 * ldb + (<usize>j0 << 2); // NN/TN: B[k0, j0]
      const full = nc & ~7; // columns in whole 8-wide panels
      if (layout == NT) packBPanelsNT(b + <usize>j0 * ldb + (<usize>k0 << 2), ldb, nc, kc);
      else if (!bInPlace) packBPanels(bRows, ldb, nc, kc);
      else if (full < nc) packBPanels(bRows + (<usize>full << 2), ldb, nc - full, kc); // only the edge panel
      for (let i = 0; i < M; i += 4) {
        const rows = min(4, M - i);
        const ci = c + <usize>i * ldc + (<usize>j0 << 2);
        const yi = tanhOut != 0 ? tanhOut + <usize>i * ldc + (<usize>j0 << 2) : 0; // Y's tile row, like C's
        let pa: usize = PACK_A;
        let sa: usize = 16;
        if (layout != TN) {
          packA(a + <usize>i * lda + (<usize>k0 << 2), lda, rows, kc);
        } else if (rows == 4) {
          pa = a + <usize>k0 * lda + (<usize>i << 2);
          sa = lda;
        } else {
          packAEdgeTN(a + <usize>k0 * lda + (<usize>i << 2), lda, rows, kc);
        }
        let pb = PACK_B; // the next packed panel (in place: the edge panel, if any)
        let j = 0;
        if (bInPlace) {
          // (a call site of its own: with B's stride a constant 32 below, V8's tile loop is faster)
          for (; j < full; j += 8) tile4x8(ci + (<usize>j << 2), ldc, pa, sa, bRows + (<usize>j << 2), ldb, kc, rows, 8, acc, 0, tileOf(yi, j));
        } else {
          for (; j < full; j += 8) {
            tile4x8(ci + (<usize>j << 2), ldc, pa, sa, pb, 32, kc, rows, 8, acc, biasAt(biasBlock, j0 + j), tileOf(yi, j));
            pb += <usize>kc << 5;
          }
        }
        const cols = nc - j;
        const tailBias = biasAt(biasBlock, j0 + j);
        if (cols > 4) tile4x8(ci + (<usize>j << 2), ldc, pa, sa, pb, 32, kc, rows, cols, acc, tailBias, tileOf(yi, j));
        else if (cols > 0) tile4x4(ci + (<usize>j << 2), ldc, pa, sa, pb, kc, rows, cols, acc, tailBias, tileOf(yi, j));
      }
    }
  }
}

/** Scalar C[M,N] (+)= Σ_k A[i,k]·B[k,j], row by row: C[i,:] += A[i,k] · B[k,:]. */
function matmulStridedScalar(
  c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, strideI: usize, strideK: usize, accumulate: bool,
): void {
  const ldb = <usize>N << 2;
  for (let i = 0; i < M; i++) {
    const ci = c + <usize>i * ldb;
    if (!accumulate) memory.fill(ci, 0, ldb);
    for (let k = 0; k < K; k++) {
      const aik = load<f32>(a + <usize>i * strideI + <usize>k * strideK);
      const bk = b + <usize>k * ldb;
      for (let j = 0; j < N; j++) {
        const off = <usize>j << 2;
        store<f32>(ci + off, load<f32>(ci + off) + aik * load<f32>(bk + off));
      }
    }
  }
}

// ---- exports ----------------------------------------------------------------------------------------

/**
 * C[M,N] (+)= A[M,K] · B[K,N], the product first ⊙ (1 − Y²) for Y [M,N] at tanhOut unless it is 0
 * (then K ≤ 256): a Tanh's backward fused into the Linear after it
 */
export function matmul(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, accumulate: i32, tanhOut: usize): void {
  if (ASC_FEATURE_SIMD) {
    // each call of the inlined driver is compiled for its epilogue: without one the tiles run faster
    if (tanhOut == 0) matmulSimd(c, a, b, M, K, N, NN, accumulate != 0, 0, 0);
    else matmulSimd(c, a, b, M, K, N, NN, accumulate != 0, 0, tanhOut);
  } else if (tanhOut != 0) {
    matmulTanhSlopeScalar(c, a, b, M, K, N, tanhOut, accumulate != 0);
  } else {
    matmulStridedScalar(c, a, b, M, K, N, <usize>K << 2, 4, accumulate != 0);
  }
}

/** Scalar C (+)= (A·B) ⊙ (1 − Y²): each sum over k in the order matmulStridedScalar adds them. */
function matmulTanhSlopeScalar(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, y: usize, accumulate: bool): void {
  const ldb = <usize>N << 2;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum: f32 = 0;
      for (let k = 0; k < K; k++) sum += load<f32>(a + ((<usize>i * K + k) << 2)) * load<f32>(b + <usize>k * ldb + (<usize>j << 2));
      const o = <usize>i * ldb + (<usize>j << 2);
      const yv = load<f32>(y + o);
      const v = sum * (1.0 - yv * yv);
      store<f32>(c + o, accumulate ? load<f32>(c + o) + v : v);
    }
  }
}

/** C[M,N] (+)= Aᵀ · B with A stored [K,M], B [K,N] */
export function matmulTN(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, accumulate: i32): void {
  if (ASC_FEATURE_SIMD) {
    matmulSimd(c, a, b, M, K, N, TN, accumulate != 0, 0, 0);
  } else {
    matmulStridedScalar(c, a, b, M, K, N, 4, <usize>M << 2, accumulate != 0);
  }
}

/**
 * C[M,N] (+)= A · Bᵀ (+ bias[N]) with A [M,K], B stored [N,K]: C[i,j] = Σ_k A[i,k]·B[j,k], then
 * + bias[j] unless bias is 0 (none)
 */
export function matmulNT(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, accumulate: i32, bias: usize): void {
  if (ASC_FEATURE_SIMD) {
    if (bias == 0) matmulSimd(c, a, b, M, K, N, NT, accumulate != 0, 0, 0);
    else matmulSimd(c, a, b, M, K, N, NT, accumulate != 0, bias, 0);
  } else {
    const ld = <usize>K << 2;
    const ldc = <usize>N << 2;
    for (let i = 0; i < M; i++) {
      const ai = a + <usize>i * ld;
      for (let j = 0; j < N; j++) {
        const bj = b + <usize>j * ld;
        let sum: f32 = 0;
        for (let k = 0; k < K; k++) sum += load<f32>(ai + (<usize>k << 2)) * load<f32>(bj + (<usize>k << 2));
        const cij = c + <usize>i * ldc + (<usize>j << 2);
        const v = accumulate != 0 ? load<f32>(cij) + sum : sum;
        store<f32>(cij, bias != 0 ? v + load<f32>(bias + (<usize>j << 2)) : v);
      }
    }
  }
}

/** dst[C,R] (+)= srcᵀ for src[R,C]: 4×4 blocks through registers, the edges one element at a time */
export function transpose(dst: usize, src: usize, R: i32, C: i32, accumulate: i32): void {
  const lds = <usize>C << 2;
  const ldd = <usize>R << 2;
  const acc = accumulate != 0;
  let r = 0;
  if (ASC_FEATURE_SIMD) {
    for (; r + 4 <= R; r += 4) {
      const s = src + <usize>r * lds;
      const d = dst + (<usize>r << 2);
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        storeTransposed(d + <usize>c * ldd, ldd, v128.load(s + o), v128.load(s + lds + o), v128.load(s + 2 * lds + o), v128.load(s + 3 * lds + o), acc);
      }
      for (; c < C; c++) for (let q = 0; q < 4; q++) transposeOne(dst, src, r + q, c, lds, ldd, acc);
    }
  }
  for (; r < R; r++) for (let c = 0; c < C; c++) transposeOne(dst, src, r, c, lds, ldd, acc);
}

/** dst[c, r] (+)= src[r, c] */
@inline function transposeOne(dst: usize, src: usize, r: i32, c: i32, lds: usize, ldd: usize, accumulate: bool): void {
  const p = dst + <usize>c * ldd + (<usize>r << 2);
  const v = load<f32>(src + <usize>r * lds + (<usize>c << 2));
  store<f32>(p, accumulate ? load<f32>(p) + v : v);
}

/** y[M,N] += bias[N] (broadcast over rows) */
export function addBias(y: usize, bias: usize, M: i32, N: i32): void {
  const ld = <usize>N << 2;
  const N4 = N & ~3;
  for (let i = 0; i < M; i++) {
    const yi = y + <usize>i * ld;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j < N4; j += 4) {
        const off = <usize>j << 2;
        v128.store(yi + off, f32x4.add(v128.load(yi + off), v128.load(bias + off)));
      }
    }
    for (; j < N; j++) {
      const off = <usize>j << 2;
      store<f32>(yi + off, load<f32>(yi + off) + load<f32>(bias + off));
    }
  }
}

/** dbias[N] += Σ_m dy[m,n]: column sums in registers, 16 columns at a time, then one add. */
export function biasBackward(dbias: usize, dy: usize, M: i32, N: i32): void {
  const ld = <usize>N << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 16 <= N; j += 16) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let p = dy + (<usize>j << 2);
      for (let i = 0; i < M; i++) {
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
        p += ld;
      }
      const d = dbias + (<usize>j << 2);
      v128.store(d, f32x4.add(v128.load(d), s0));
      v128.store(d, f32x4.add(v128.load(d, 16), s1), 16);
      v128.store(d, f32x4.add(v128.load(d, 32), s2), 32);
      v128.store(d, f32x4.add(v128.load(d, 48), s3), 48);
    }
    for (; j < N; j += 4) {
      const n = min(4, N - j);
      let s = f32x4.splat(0);
      let p = dy + (<usize>j << 2);
      for (let i = 0; i < M; i++) {
        s = f32x4.add(s, loadN(p, n));
        p += ld;
      }
      const d = dbias + (<usize>j << 2);
      storeN(d, f32x4.add(loadN(d, n), s), n);
    }
  } else {
    for (; j < N; j++) {
      let s: f32 = 0;
      let p = dy + (<usize>j << 2);
      for (let i = 0; i < M; i++) {
        s += load<f32>(p);
        p += ld;
      }
      store<f32>(dbias + (<usize>j << 2), load<f32>(dbias + (<usize>j << 2)) + s);
    }
  }
}
