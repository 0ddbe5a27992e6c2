// Matmul family: C[M,N] (+)= op(A) · op(B), plus bias add and its backward.
//
// SIMD scheme (see /work/shared/PERFORMANCE-NOTES.md):
// - matmul (A·B) and matmulTN (Aᵀ·B) share one register-blocked tile: 4 rows of C × 8 columns
//   = 8 f32x4 accumulators; per k, four A elements are broadcast (load32_splat) and multiplied
//   into two B vectors. The two layouts differ only in A's strides: A[i,k] sits at
//   a + i·strideI + k·strideK.
// - matmulNT (A·Bᵀ) is a dot-product tile: 2 rows of A × 4 rows of B = 8 accumulators running
//   along K (both operands contiguous in k), reduced horizontally at the end.
// - Edges need no scalar loops: a tile that sticks out over the last rows re-reads the last valid
//   row and stores only the valid rows; partial columns use lane loads/stores of 1–3 floats.
// - Large problems are blocked over K (KC) and over columns (NC) so the reused panel of B stays in
//   cache. No scratch memory is used.
// The scalar build (no SIMD) runs plain loops with the same semantics.

const KC: i32 = 256; // K rows per block
const NC: i32 = 512; // C columns (NN/TN) or B rows (NT) per block

// ---- lane-partial loads and stores: the first `n` (1..4) floats at p ---------------------------

@inline function loadN(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  if (n == 1) return v128.load32_zero(p);
  const lo = v128.load64_zero(p);
  return n == 2 ? lo : v128.load32_lane(p, lo, 2, 8);
}

@inline function storeN(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
  } else if (n == 1) {
    v128.store32_lane(p, v, 0);
  } else {
    v128.store64_lane(p, v, 0);
    if (n == 3) v128.store32_lane(p, v, 2, 8);
  }
}

/** C[p .. p+n) = v, or += v when accumulating. */
@inline function putN(p: usize, v: v128, n: i32, accumulate: bool): void {
  storeN(p, accumulate ? f32x4.add(v, loadN(p, n)) : v, n);
}

// ---- A·B and Aᵀ·B tiles: rows i..i+rows (rows ≤ 4), k over [0, K) ------------------------------

/** C tile [rows × 8] (+)= Σ_k A[i,k] · B[k, j..j+8). */
@inline function tile4x8(
  c: usize, a: usize, b: usize, K: i32, strideI: usize, strideK: usize, ldb: usize, ldc: usize,
  rows: i32, accumulate: bool,
): void {
  // Rows past the edge re-read the last valid row; their results are not stored.
  const a0 = a;
  const a1 = rows > 1 ? a0 + strideI : a0;
  const a2 = rows > 2 ? a1 + strideI : a1;
  const a3 = rows > 3 ? a2 + strideI : a2;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let ak: usize = 0;
  let pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let s = v128.load32_splat(a0 + ak);
    c00 = f32x4.add(c00, f32x4.mul(s, b0));
    c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(a1 + ak);
    c10 = f32x4.add(c10, f32x4.mul(s, b0));
    c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(a2 + ak);
    c20 = f32x4.add(c20, f32x4.mul(s, b0));
    c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(a3 + ak);
    c30 = f32x4.add(c30, f32x4.mul(s, b0));
    c31 = f32x4.add(c31, f32x4.mul(s, b1));
    ak += strideK;
    pb += ldb;
  }
  putN(c, c00, 4, accumulate);
  putN(c + 16, c01, 4, accumulate);
  if (rows > 1) {
    putN(c + ldc, c10, 4, accumulate);
    putN(c + ldc + 16, c11, 4, accumulate);
  }
  if (rows > 2) {
    putN(c + 2 * ldc, c20, 4, accumulate);
    putN(c + 2 * ldc + 16, c21, 4, accumulate);
  }
  if (rows > 3) {
    putN(c + 3 * ldc, c30, 4, accumulate);
    putN(c + 3 * ldc + 16, c31, 4, accumulate);
  }
}

/** C tile [rows × cols] (+)= Σ_k A[i,k] · B[k, j..j+cols), cols ≤ 4. */
@inline function tile4x4(
  c: usize, a: usize, b: usize, K: i32, strideI: usize, strideK: usize, ldb: usize, ldc: usize,
  rows: i32, cols: i32, accumulate: bool,
): void {
  const a0 = a;
  const a1 = rows > 1 ? a0 + strideI : a0;
  const a2 = rows > 2 ? a1 + strideI : a1;
  const a3 = rows > 3 ? a2 + strideI : a2;
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let ak: usize = 0;
  let pb = b;
  for (let k = 0; k < K; k++) {
    const bk = loadN(pb, cols);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0 + ak), bk));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a1 + ak), bk));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a2 + ak), bk));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a3 + ak), bk));
    ak += strideK;
    pb += ldb;
  }
  putN(c, c0, cols, accumulate);
  if (rows > 1) putN(c + ldc, c1, cols, accumulate);
  if (rows > 2) putN(c + 2 * ldc, c2, cols, accumulate);
  if (rows > 3) putN(c + 3 * ldc, c3, cols, accumulate);
}

/** C[M,N] (+)= Σ_k A[i,k]·B[k,j] with A[i,k] at a + i·strideI + k·strideK and B [K,N] row-major. */
function matmulStrided(
  c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, strideI: usize, strideK: usize, accumulate: bool,
): void {
  const ldb = <usize>N << 2;
  const ldc = ldb;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate || k0 > 0;
    const ak = a + <usize>k0 * strideK;
    const bk = b + <usize>k0 * ldb;
    for (let j0 = 0; j0 < N; j0 += NC) {
      const jEnd = min(j0 + NC, N);
      for (let i = 0; i < M; i += 4) {
        const rows = min(4, M - i);
        const ai = ak + <usize>i * strideI;
        const ci = c + <usize>i * ldc;
        let j = j0;
        for (; j + 8 <= jEnd; j += 8)
          tile4x8(ci + (<usize>j << 2), ai, bk + (<usize>j << 2), kc, strideI, strideK, ldb, ldc, rows, acc);
        for (; j < jEnd; j += 4)
          tile4x4(ci + (<usize>j << 2), ai, bk + (<usize>j << 2), kc, strideI, strideK, ldb, ldc, rows, min(4, jEnd - j), acc);
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

// ---- A·Bᵀ dot-product tile ------------------------------------------------------------------------

/** Horizontal sums of four vectors: [Σx, Σy, Σz, Σw]. */
@inline function hsum4(x: v128, y: v128, z: v128, w: v128): v128 {
  const xy = f32x4.add(f32x4.shuffle(x, y, 0, 4, 1, 5), f32x4.shuffle(x, y, 2, 6, 3, 7)); // x0+x2 y0+y2 x1+x3 y1+y3
  const zw = f32x4.add(f32x4.shuffle(z, w, 0, 4, 1, 5), f32x4.shuffle(z, w, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(xy, zw, 0, 1, 4, 5), f32x4.shuffle(xy, zw, 2, 3, 6, 7));
}

/** C tile [rows × cols] (+)= A[i..i+rows, :K] · B[j..j+cols, :K]ᵀ, rows ≤ 2, cols ≤ 4; lda = ldb. */
@inline function dotTile2x4(
  c: usize, a: usize, b: usize, K: i32, ld: usize, ldc: usize, rows: i32, cols: i32, accumulate: bool,
): void {
  const a0 = a;
  const a1 = rows > 1 ? a0 + ld : a0;
  const b0 = b;
  const b1 = cols > 1 ? b0 + ld : b0;
  const b2 = cols > 2 ? b1 + ld : b1;
  const b3 = cols > 3 ? b2 + ld : b2;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  const K4 = K & ~3;
  let k: usize = 0;
  const kEnd = <usize>K4 << 2;
  for (; k < kEnd; k += 16) {
    const x0 = v128.load(a0 + k);
    const x1 = v128.load(a1 + k);
    let y = v128.load(b0 + k);
    c00 = f32x4.add(c00, f32x4.mul(x0, y));
    c10 = f32x4.add(c10, f32x4.mul(x1, y));
    y = v128.load(b1 + k);
    c01 = f32x4.add(c01, f32x4.mul(x0, y));
    c11 = f32x4.add(c11, f32x4.mul(x1, y));
    y = v128.load(b2 + k);
    c02 = f32x4.add(c02, f32x4.mul(x0, y));
    c12 = f32x4.add(c12, f32x4.mul(x1, y));
    y = v128.load(b3 + k);
    c03 = f32x4.add(c03, f32x4.mul(x0, y));
    c13 = f32x4.add(c13, f32x4.mul(x1, y));
  }
  const rem = K - K4;
  if (rem > 0) {
    // Zero-filled partial loads: the missing lanes contribute 0·0.
    const x0 = loadN(a0 + k, rem);
    const x1 = loadN(a1 + k, rem);
    let y = loadN(b0 + k, rem);
    c00 = f32x4.add(c00, f32x4.mul(x0, y));
    c10 = f32x4.add(c10, f32x4.mul(x1, y));
    y = loadN(b1 + k, rem);
    c01 = f32x4.add(c01, f32x4.mul(x0, y));
    c11 = f32x4.add(c11, f32x4.mul(x1, y));
    y = loadN(b2 + k, rem);
    c02 = f32x4.add(c02, f32x4.mul(x0, y));
    c12 = f32x4.add(c12, f32x4.mul(x1, y));
    y = loadN(b3 + k, rem);
    c03 = f32x4.add(c03, f32x4.mul(x0, y));
    c13 = f32x4.add(c13, f32x4.mul(x1, y));
  }
  putN(c, hsum4(c00, c01, c02, c03), cols, accumulate);
  if (rows > 1) putN(c + ldc, hsum4(c10, c11, c12, c13), cols, accumulate);
}

// ---- exports ----------------------------------------------------------------------------------------

/** C[M,N] (+)= A[M,K] · B[K,N] */
export function matmul(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, accumulate: i32): void {
  if (ASC_FEATURE_SIMD) {
    matmulStrided(c, a, b, M, K, N, <usize>K << 2, 4, accumulate != 0);
  } else {
    matmulStridedScalar(c, a, b, M, K, N, <usize>K << 2, 4, accumulate != 0);
  }
}

/** C[M,N] (+)= Aᵀ · B with A stored [K,M], B [K,N] */
export function matmulTN(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, accumulate: i32): void {
  if (ASC_FEATURE_SIMD) {
    matmulStrided(c, a, b, M, K, N, 4, <usize>M << 2, accumulate != 0);
  } else {
    matmulStridedScalar(c, a, b, M, K, N, 4, <usize>M << 2, accumulate != 0);
  }
}

/** C[M,N] (+)= A · Bᵀ with A [M,K], B stored [N,K]: C[i,j] = Σ_k A[i,k]·B[j,k] */
export function matmulNT(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, accumulate: i32): void {
  const ld = <usize>K << 2;
  const ldc = <usize>N << 2;
  if (ASC_FEATURE_SIMD) {
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      const acc = accumulate != 0 || k0 > 0;
      const koff = <usize>k0 << 2;
      for (let j0 = 0; j0 < N; j0 += NC) {
        const jEnd = min(j0 + NC, N);
        for (let i = 0; i < M; i += 2) {
          const rows = min(2, M - i);
          const ai = a + <usize>i * ld + koff;
          const ci = c + <usize>i * ldc;
          for (let j = j0; j < jEnd; j += 4)
            dotTile2x4(ci + (<usize>j << 2), ai, b + <usize>j * ld + koff, kc, ld, ldc, rows, min(4, jEnd - j), acc);
        }
      }
    }
  } else {
    for (let i = 0; i < M; i++) {
      const ai = a + <usize>i * ld;
      for (let j = 0; j < N; j++) {
        const bj = b + <usize>j * ld;
        let sum: f32 = 0;
        for (let k = 0; k < K; k++) sum += load<f32>(ai + (<usize>k << 2)) * load<f32>(bj + (<usize>k << 2));
        const cij = c + <usize>i * ldc + (<usize>j << 2);
        store<f32>(cij, accumulate != 0 ? load<f32>(cij) + sum : sum);
      }
    }
  }
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
