// Causal multi-head self-attention (llm.c's attention_forward/backward) over the fused projection
// qkv (B,T,3C): row (b,t) holds q | k | v, head h at columns h·hs .. (h+1)·hs, hs = C/NH.
//
// SIMD scheme: everything runs along the head dimension hs, contiguous in every row.
// - dotRows: one vector against n rows (scores q·k, and v·dout in the backward), four rows at a
//   time with four accumulators reduced together by a 4×4 transpose.
// - weightedSum: Σ_j w[j]·row_j, register-blocked 16 columns (4 accumulators) at a time, so each
//   output element is loaded and stored once however many rows are summed.
// - the softmax exponentials run 4 at a time (expf.ts).
// Dropout on the attention probabilities (nanoGPT's attn_dropout), when p > 0: the forward keeps
// att (the softmax, which the softmax backward needs) and writes dropped = att ⊙ mask, the weights of
// the weighted sum; the backward recomputes the mask from (seed, element index of att) rather than
// storing it. The mask is mask.ts's, the same as the dropout kernel's for those indices.
// Partial chunks (hs not a multiple of 4) use lane loads/stores of 1–3 floats; the scalar build
// runs plain loops with the same semantics.
import { expNeg, expNeg4 } from "./expf";
import { hsum, loadN, storeN } from "./lanes";
import { D_FOUR, dropoutConst, keepScaleOf, maskS, maskV } from "./mask";

// ---- building blocks -----------------------------------------------------------------------------

/** dst[j] = s · (x · row_j), row_j = rows + j·stride (bytes), j < n; vectors of hs floats. */
function dotRows(dst: usize, x: usize, rows: usize, stride: usize, n: i32, hs: i32, s: f32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= n; j += 4) {
      const r0 = rows + <usize>j * stride;
      const r1 = r0 + stride;
      const r2 = r1 + stride;
      const r3 = r2 + stride;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let c = 0;
      for (; c + 4 <= hs; c += 4) {
        const o = <usize>c << 2;
        const xv = v128.load(x + o);
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(r0 + o)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(r1 + o)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(r2 + o)));
        a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(r3 + o)));
      }
      if (c < hs) {
        const o = <usize>c << 2;
        const m = hs - c;
        const xv = loadN(x + o, m);
        a0 = f32x4.add(a0, f32x4.mul(xv, loadN(r0 + o, m)));
        a1 = f32x4.add(a1, f32x4.mul(xv, loadN(r1 + o, m)));
        a2 = f32x4.add(a2, f32x4.mul(xv, loadN(r2 + o, m)));
        a3 = f32x4.add(a3, f32x4.mul(xv, loadN(r3 + o, m)));
      }
      // 4×4 transpose-add: lane i of the result is the horizontal sum of a_i
      const a01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
      const a23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
      const sums = f32x4.add(v128.shuffle<f32>(a01, a23, 0, 1, 4, 5), v128.shuffle<f32>(a01, a23, 2, 3, 6, 7));
      v128.store(dst + (<usize>j << 2), f32x4.mul(sums, f32x4.splat(s)));
    }
    for (; j < n; j++) {
      const r = rows + <usize>j * stride;
      let acc = f32x4.splat(0);
      for (let c = 0; c < hs; c += 4) {
        const o = <usize>c << 2;
        acc = f32x4.add(acc, f32x4.mul(loadN(x + o, hs - c), loadN(r + o, hs - c)));
      }
      store<f32>(dst + (<usize>j << 2), hsum(acc) * s);
    }
  } else {
    for (; j < n; j++) {
      const r = rows + <usize>j * stride;
      let acc: f32 = 0;
      for (let c = 0; c < hs; c++) acc += load<f32>(x + (<usize>c << 2)) * load<f32>(r + (<usize>c << 2));
      store<f32>(dst + (<usize>j << 2), acc * s);
    }
  }
}

/** dst[0..hs) (+)= Σ_{j<n} w_j · row_j, w_j = w + j·wStride, row_j = rows + j·stride (bytes). */
function weightedSum(dst: usize, w: usize, wStride: usize, rows: usize, stride: usize, n: i32, hs: i32, accumulate: bool): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + 16 <= hs; c += 16) {
      const d = dst + (<usize>c << 2);
      let a0 = accumulate ? v128.load(d) : f32x4.splat(0);
      let a1 = accumulate ? v128.load(d, 16) : f32x4.splat(0);
      let a2 = accumulate ? v128.load(d, 32) : f32x4.splat(0);
      let a3 = accumulate ? v128.load(d, 48) : f32x4.splat(0);
      let pw = w;
      let pr = rows + (<usize>c << 2);
      for (let j = 0; j < n; j++) {
        const wj = v128.load32_splat(pw);
        a0 = f32x4.add(a0, f32x4.mul(wj, v128.load(pr)));
        a1 = f32x4.add(a1, f32x4.mul(wj, v128.load(pr, 16)));
        a2 = f32x4.add(a2, f32x4.mul(wj, v128.load(pr, 32)));
        a3 = f32x4.add(a3, f32x4.mul(wj, v128.load(pr, 48)));
        pw += wStride;
        pr += stride;
      }
      v128.store(d, a0);
      v128.store(d, a1, 16);
      v128.store(d, a2, 32);
      v128.store(d, a3, 48);
    }
    for (; c < hs; c += 4) {
      const m = hs - c;
      const d = dst + (<usize>c << 2);
      let acc = accumulate ? loadN(d, m) : f32x4.splat(0);
      let pw = w;
      let pr = rows + (<usize>c << 2);
      for (let j = 0; j < n; j++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(pw), loadN(pr, m)));
        pw += wStride;
        pr += stride;
      }
      storeN(d, acc, m);
    }
  } else {
    for (; c < hs; c++) {
      const d = dst + (<usize>c << 2);
      let acc: f32 = accumulate ? load<f32>(d) : 0;
      let pw = w;
      let pr = rows + (<usize>c << 2);
      for (let j = 0; j < n; j++) {
        acc += load<f32>(pw) * load<f32>(pr);
        pw += wStride;
        pr += stride;
      }
      store<f32>(d, acc);
    }
  }
}

/** dst[j] = src[j] · mask(seed, i0 + j) for j < n (mask.ts: 0 or keepScale); dst may be src. */
function dropRow(dst: usize, src: usize, n: i32, seed: u32, i0: u32, p: f32, keepScale: f32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const seedV = i32x4.splat(<i32>seed);
    const pV = f32x4.splat(p);
    const scaleV = f32x4.splat(keepScale);
    let lane = i32x4.add(i32x4.splat(<i32>i0), i32x4(0, 1, 2, 3));
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.mul(v128.load(src + o), maskV(seedV, lane, pV, scaleV)));
      lane = i32x4.add(lane, dropoutConst(D_FOUR));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(src + o) * maskS(seed, i0 + <u32>j, p, keepScale));
  }
}

/** max of p[0..n), n ≥ 1 (SIMD: 4 lanes with pmax, then the lanes and the last n % 4). */
function rowMax(p: usize, n: i32): f32 {
  let max = load<f32>(p);
  let j = 1;
  if (ASC_FEATURE_SIMD && n >= 8) {
    let m = v128.load(p);
    for (j = 4; j + 4 <= n; j += 4) m = f32x4.pmax(m, v128.load(p + (<usize>j << 2)));
    max = Mathf.max(Mathf.max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), Mathf.max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  }
  for (; j < n; j++) max = Mathf.max(max, load<f32>(p + (<usize>j << 2)));
  return max;
}

/**
 * Softmax backward of one row in place: d[j] = scale · a[j]·(d[j] − Σ_k a[k]·d[k]) for j < n,
 * a = the softmax probabilities, d = the gradient with respect to them.
 */
function softmaxBackwardRow(d: usize, a: usize, n: i32, scale: f32): void {
  let j = 0;
  let dot: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(d + o)));
    }
    dot = hsum(acc);
  }
  for (; j < n; j++) dot += load<f32>(a + (<usize>j << 2)) * load<f32>(d + (<usize>j << 2));
  j = 0;
  if (ASC_FEATURE_SIMD) {
    const vdot = f32x4.splat(dot);
    const vscale = f32x4.splat(scale);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, f32x4.mul(f32x4.mul(v128.load(a + o), f32x4.sub(v128.load(d + o), vdot)), vscale));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(d + o, load<f32>(a + o) * (load<f32>(d + o) - dot) * scale);
  }
}

/** p[0..n) = softmax(p[0..n)) in place; p[n..T) = 0 (the causal mask). */
function softmaxRow(p: usize, n: i32, T: i32): void {
  const max = rowMax(p, n);
  let j = 0;
  let sum: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    const vmax = f32x4.splat(max);
    let acc = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const o = p + (<usize>j << 2);
      const e = expNeg4(f32x4.sub(v128.load(o), vmax));
      v128.store(o, e);
      acc = f32x4.add(acc, e);
    }
    sum = hsum(acc);
  }
  for (; j < n; j++) {
    const o = p + (<usize>j << 2);
    const e = expNeg(load<f32>(o) - max);
    store<f32>(o, e);
    sum += e;
  }
  const inv = <f32>1 / sum;
  j = 0;
  if (ASC_FEATURE_SIMD) {
    const vinv = f32x4.splat(inv);
    for (; j + 4 <= n; j += 4) {
      const o = p + (<usize>j << 2);
      v128.store(o, f32x4.mul(v128.load(o), vinv));
    }
  }
  for (; j < n; j++) {
    const o = p + (<usize>j << 2);
    store<f32>(o, load<f32>(o) * inv);
  }
  memory.fill(p + (<usize>n << 2), 0, <usize>(T - n) << 2);
}

// ---- kernels ---------------------------------------------------------------------------------------

// qkv (B,T,3C) -> att (B,NH,T,T) softmax probabilities (0 above the diagonal), out (B,T,C).
// att[t,t2] = softmax_{t2≤t}(q_t·k_t2 / √hs); out_t = Σ_{t2≤t} w[t,t2] · v_t2 with w = att, or with
// p > 0 w = dropped (B,NH,T,T) = att ⊙ mask(seed)
export function attentionForward(
  out: usize, att: usize, qkv: usize, B: i32, T: i32, C: i32, NH: i32, p: f32, seed: u32, dropped: usize,
): void {
  const hs = C / NH;
  const keepScale = keepScaleOf(p);
  const scale: f32 = 1 / Mathf.sqrt(<f32>hs);
  const rowBytes = <usize>(3 * C) << 2;
  const attBytes = <usize>T * <usize>T << 2;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const q0 = qkv + <usize>b * <usize>T * rowBytes + (<usize>(h * hs) << 2);
      const k0 = q0 + (<usize>C << 2);
      const v0 = k0 + (<usize>C << 2);
      const head = <usize>(b * NH + h) * attBytes;
      const a0 = att + head;
      for (let t = 0; t < T; t++) {
        const arow = a0 + (<usize>(t * T) << 2);
        dotRows(arow, q0 + <usize>t * rowBytes, k0, rowBytes, t + 1, hs, scale);
        softmaxRow(arow, t + 1, T);
        let w = arow;
        if (p > 0) {
          w = dropped + head + (<usize>(t * T) << 2);
          dropRow(w, arow, t + 1, seed, <u32>(((b * NH + h) * T + t) * T), p, keepScale);
          memory.fill(w + (<usize>(t + 1) << 2), 0, <usize>(T - t - 1) << 2);
        }
        const o = out + (<usize>((b * T + t) * C + h * hs) << 2);
        weightedSum(o, w, 4, v0, rowBytes, t + 1, hs, false);
      }
    }
  }
}

// dout (B,T,C), qkv, att (and with p > 0 the forward's dropped, seed) -> dqkv (B,T,3C) +=; datt is
// scratch for one (b,h): T·T floats. With w the forward's weights (att, or dropped = att ⊙ mask):
// datt[t,t2] = dout_t·v_t2 (⊙ mask with p > 0); dpre = att ⊙ (datt − Σ_t2 att·datt) (softmax
// backward), times 1/√hs; dq_t += Σ_t2 dpre[t,t2]·k_t2; dk_t2 += Σ_t dpre[t,t2]·q_t;
// dv_t2 += Σ_t w[t,t2]·dout_t
export function attentionBackward(
  dqkv: usize, datt: usize, dout: usize, qkv: usize, att: usize, B: i32, T: i32, C: i32, NH: i32,
  p: f32, seed: u32, dropped: usize,
): void {
  const hs = C / NH;
  const keepScale = keepScaleOf(p);
  const scale: f32 = 1 / Mathf.sqrt(<f32>hs);
  const rowBytes = <usize>(3 * C) << 2;
  const doutRowBytes = <usize>C << 2;
  const attBytes = <usize>T * <usize>T << 2;
  const colStride = <usize>T << 2;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const headOffset = <usize>b * <usize>T * rowBytes + (<usize>(h * hs) << 2);
      const q0 = qkv + headOffset;
      const k0 = q0 + (<usize>C << 2);
      const v0 = k0 + (<usize>C << 2);
      const dq0 = dqkv + headOffset;
      const dk0 = dq0 + (<usize>C << 2);
      const dv0 = dk0 + (<usize>C << 2);
      const do0 = dout + (<usize>(b * T * C + h * hs) << 2);
      const head = <usize>(b * NH + h) * attBytes;
      const a0 = att + head;
      const w0 = (p > 0 ? dropped : att) + head;
      for (let t = 0; t < T; t++) {
        const arow = a0 + (<usize>(t * T) << 2);
        const drow = datt + (<usize>(t * T) << 2);
        dotRows(drow, do0 + <usize>t * doutRowBytes, v0, rowBytes, t + 1, hs, 1);
        if (p > 0) dropRow(drow, drow, t + 1, seed, <u32>(((b * NH + h) * T + t) * T), p, keepScale);
        softmaxBackwardRow(drow, arow, t + 1, scale);
        weightedSum(dq0 + <usize>t * rowBytes, drow, 4, k0, rowBytes, t + 1, hs, true);
      }
      // column t2 of the lower triangle: rows t = t2 .. T-1
      for (let t2 = 0; t2 < T; t2++) {
        const diag = <usize>(t2 * T + t2) << 2;
        weightedSum(dk0 + <usize>t2 * rowBytes, datt + diag, colStride, q0 + <usize>t2 * rowBytes, rowBytes, T - t2, hs, true);
        weightedSum(dv0 + <usize>t2 * rowBytes, w0 + diag, colStride, do0 + <usize>t2 * doutRowBytes, doutRowBytes, T - t2, hs, true);
      }
    }
  }
}
