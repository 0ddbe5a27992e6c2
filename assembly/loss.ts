// Fused softmax + cross-entropy. Per row: max-subtract, exp, normalise; the NLL of a row is
// max + log Σexp(l − max) − l[target] (finite for any finite logits), summed over counted rows in f64.
// exp is expNeg/expNeg4 (assembly/expf.ts: Cephes-style, relative error measured 1.2e-7 max over
// [−60, 0]), the same in the f32x4 lanes and the scalar build.
// With SIMD, a row whose length is not a multiple of 4 ends with one overlapping vector instead of
// a scalar tail (softmaxRows4; measured ~20% faster at V = 27).

import { expNeg, expNeg4 } from "./expf";
import { hsum } from "./lanes";

// One row: probs[0..V) = softmax(logits[0..V)); returns log Σ exp(logits) = max + log Σ exp(l − max).
// @ts-ignore: decorator
@inline function softmaxRow(pr: usize, lr: usize, V: i32): f64 {
  let max = load<f32>(lr);
  for (let v = 1; v < V; v++) max = Mathf.max(max, load<f32>(lr + (<usize>v << 2)));
  let sum: f32 = 0;
  for (let v = 0; v < V; v++) {
    const e = expNeg(load<f32>(lr + (<usize>v << 2)) - max);
    store<f32>(pr + (<usize>v << 2), e);
    sum += e;
  }
  const inv = <f32>1 / sum;
  for (let v = 0; v < V; v++) store<f32>(pr + (<usize>v << 2), load<f32>(pr + (<usize>v << 2)) * inv);
  return <f64>max + Math.log(<f64>sum);
}

// The same for V ≥ 4 with f32x4: when V is not a multiple of 4 the row ends with one vector at V − 4
// that overlaps the last full one; its repeated lanes are recomputed identically and masked out of
// the sum. Each overlapping vector is loaded before the stores that could change it.
// The row maximum uses pmax (one maxps; f32x4.max's NaN propagation costs about eight instructions):
// a NaN logit may then be skipped by the maximum, but its exp is NaN, so the row's sum, probabilities
// and loss are NaN all the same.
// A row is one long dependent chain (max → exp → sum → 1/sum → log), so rows go two at a time,
// interleaved (measured ~40% faster at V = 27); a lone last row runs as a pair with itself.
// Returns the first row's log Σ exp; the second's is left in secondLogSumExp.
let secondLogSumExp: f64 = 0;
// @ts-ignore: decorator
@inline function softmaxRows4(pr0: usize, lr0: usize, pr1: usize, lr1: usize, V: i32): f64 {
  const tail = <usize>(V - 4) << 2;
  const full = V & ~3; // lanes [0, full) are covered by whole vectors
  const tail0 = v128.load(lr0 + tail);
  const tail1 = v128.load(lr1 + tail);
  let vmax0 = tail0;
  let vmax1 = tail1;
  for (let v = 0; v < full; v += 4) {
    const o = <usize>v << 2;
    vmax0 = f32x4.pmax(vmax0, v128.load(lr0 + o));
    vmax1 = f32x4.pmax(vmax1, v128.load(lr1 + o));
  }
  const max0 = hmax(vmax0);
  const max1 = hmax(vmax1);
  const m0 = f32x4.splat(max0);
  const m1 = f32x4.splat(max1);
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  for (let v = 0; v < full; v += 4) {
    const o = <usize>v << 2;
    const e0 = expNeg4(f32x4.sub(v128.load(lr0 + o), m0));
    const e1 = expNeg4(f32x4.sub(v128.load(lr1 + o), m1));
    v128.store(pr0 + o, e0);
    v128.store(pr1 + o, e1);
    acc0 = f32x4.add(acc0, e0);
    acc1 = f32x4.add(acc1, e1);
  }
  const tailExp0 = expNeg4(f32x4.sub(tail0, m0));
  const tailExp1 = expNeg4(f32x4.sub(tail1, m1));
  const fresh = i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(full - (V - 4))); // lanes not yet summed
  const sum0 = hsum(f32x4.add(acc0, v128.and(tailExp0, fresh)));
  const sum1 = hsum(f32x4.add(acc1, v128.and(tailExp1, fresh)));
  const inv0 = f32x4.splat(<f32>1 / sum0);
  const inv1 = f32x4.splat(<f32>1 / sum1);
  for (let v = 0; v < full; v += 4) {
    // both loads before both stores: a row paired with itself (pr1 = pr0) is scaled once
    const o = <usize>v << 2;
    const p0 = f32x4.mul(v128.load(pr0 + o), inv0);
    const p1 = f32x4.mul(v128.load(pr1 + o), inv1);
    v128.store(pr0 + o, p0);
    v128.store(pr1 + o, p1);
  }
  v128.store(pr0 + tail, f32x4.mul(tailExp0, inv0));
  v128.store(pr1 + tail, f32x4.mul(tailExp1, inv1));
  secondLogSumExp = <f64>max1 + Math.log(<f64>sum1);
  return <f64>max0 + Math.log(<f64>sum0);
}

/** max of the 4 lanes */
// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  return Mathf.max(Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// logits[R,V], targets[R] (int32, −1 = ignore) -> probs[R,V]; returns mean NLL over counted rows.
export function softmaxCrossEntropyForward(probs: usize, logits: usize, targets: usize, R: i32, V: i32): f64 {
  const rowBytes = <usize>V << 2;
  lossSum = 0;
  lossCount = 0;
  if (ASC_FEATURE_SIMD && V >= 4) {
    for (let r = 0; r < R; r += 2) {
      const r1 = min(r + 1, R - 1); // an odd R's last row pairs with itself
      const lr0 = logits + <usize>r * rowBytes;
      const lr1 = logits + <usize>r1 * rowBytes;
      const t0 = load<i32>(targets + (<usize>r << 2));
      const t1 = load<i32>(targets + (<usize>r1 << 2));
      // target logits first: probs may alias logits
      const target0: f32 = t0 >= 0 ? load<f32>(lr0 + (<usize>t0 << 2)) : 0;
      const target1: f32 = t1 >= 0 ? load<f32>(lr1 + (<usize>t1 << 2)) : 0;
      const logSumExp0 = softmaxRows4(probs + <usize>r * rowBytes, lr0, probs + <usize>r1 * rowBytes, lr1, V);
      addRowLoss(t0, logSumExp0, target0);
      if (r1 != r) addRowLoss(t1, secondLogSumExp, target1);
    }
  } else {
    for (let r = 0; r < R; r++) {
      const lr = logits + <usize>r * rowBytes;
      const t = load<i32>(targets + (<usize>r << 2));
      const target: f32 = t >= 0 ? load<f32>(lr + (<usize>t << 2)) : 0; // read first: probs may alias logits
      addRowLoss(t, softmaxRow(probs + <usize>r * rowBytes, lr, V), target);
    }
  }
  return lossCount > 0 ? lossSum / <f64>lossCount : 0;
}

// The running NLL sum and counted rows of softmaxCrossEntropyForward (in row order).
let lossSum: f64 = 0;
let lossCount = 0;

/** A counted row (target ≥ 0) adds its NLL, log Σ exp − l[target]. */
// @ts-ignore: decorator
@inline function addRowLoss(target: i32, logSumExp: f64, targetLogit: f32): void {
  if (target >= 0) {
    lossSum += logSumExp - <f64>targetLogit;
    lossCount++;
  }
}

// probs[R,V], targets[R] -> dlogits[R,V] += (probs − onehot(target)) / count; ignored rows get nothing.
export function softmaxCrossEntropyBackward(dlogits: usize, probs: usize, targets: usize, R: i32, V: i32): void {
  let count = 0;
  for (let r = 0; r < R; r++) if (load<i32>(targets + (<usize>r << 2)) >= 0) count++;
  if (count == 0) return;
  const scale = <f32>1 / <f32>count;
  const rowBytes = <usize>V << 2;
  for (let r = 0; r < R; r++) {
    const t = load<i32>(targets + (<usize>r << 2));
    if (t < 0) continue;
    const dr = dlogits + <usize>r * rowBytes;
    const pr = probs + <usize>r * rowBytes;
    let v = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(scale);
      for (; v + 4 <= V; v += 4) {
        const o = <usize>v << 2;
        v128.store(dr + o, f32x4.add(v128.load(dr + o), f32x4.mul(v128.load(pr + o), vs)));
      }
    }
    for (; v < V; v++) {
      const o = <usize>v << 2;
      store<f32>(dr + o, load<f32>(dr + o) + load<f32>(pr + o) * scale);
    }
    const o = dr + (<usize>t << 2);
    store<f32>(o, load<f32>(o) - scale);
  }
}
