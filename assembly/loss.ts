// Fused softmax + cross-entropy. Per row: max-subtract, exp, normalise; the NLL of a row is
// max + log Σexp(l − max) − l[target] (finite for any finite logits), summed over counted rows in f64.
// exp is expNeg/expNeg4 (assembly/expf.ts: Cephes-style, relative error measured 1.2e-7 max over
// [−60, 0]), the same in the f32x4 lanes and the scalar build.
// With SIMD, a row whose length is not a multiple of 4 ends with one overlapping vector instead of
// a scalar tail (softmaxRow4; measured ~20% faster at V = 27).

import { expNeg, expNeg4 } from "./expf";

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
// @ts-ignore: decorator
@inline function softmaxRow4(pr: usize, lr: usize, V: i32): f64 {
  const tail = <usize>(V - 4) << 2;
  const full = V & ~3; // lanes [0, full) are covered by whole vectors
  const tailLogits = v128.load(lr + tail);
  let vmax = tailLogits;
  for (let v = 0; v < full; v += 4) vmax = f32x4.max(vmax, v128.load(lr + (<usize>v << 2)));
  const max = Mathf.max(
    Mathf.max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)),
    Mathf.max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)),
  );
  const vmax1 = f32x4.splat(max);
  let acc = f32x4.splat(0);
  for (let v = 0; v < full; v += 4) {
    const e = expNeg4(f32x4.sub(v128.load(lr + (<usize>v << 2)), vmax1));
    v128.store(pr + (<usize>v << 2), e);
    acc = f32x4.add(acc, e);
  }
  const tailExp = expNeg4(f32x4.sub(tailLogits, vmax1));
  const fresh = i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(full - (V - 4))); // lanes not yet summed
  acc = f32x4.add(acc, v128.and(tailExp, fresh));
  const sum = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  const inv = f32x4.splat(<f32>1 / sum);
  for (let v = 0; v < full; v += 4) {
    const o = pr + (<usize>v << 2);
    v128.store(o, f32x4.mul(v128.load(o), inv));
  }
  v128.store(pr + tail, f32x4.mul(tailExp, inv));
  return <f64>max + Math.log(<f64>sum);
}

// logits[R,V], targets[R] (int32, −1 = ignore) -> probs[R,V]; returns mean NLL over counted rows.
export function softmaxCrossEntropyForward(probs: usize, logits: usize, targets: usize, R: i32, V: i32): f64 {
  const rowBytes = <usize>V << 2;
  let lossSum: f64 = 0;
  let count = 0;
  for (let r = 0; r < R; r++) {
    const lr = logits + <usize>r * rowBytes;
    const pr = probs + <usize>r * rowBytes;
    const t = load<i32>(targets + (<usize>r << 2));
    const targetLogit: f32 = t >= 0 ? load<f32>(lr + (<usize>t << 2)) : 0; // read first: probs may alias logits
    const logSumExp = ASC_FEATURE_SIMD && V >= 4 ? softmaxRow4(pr, lr, V) : softmaxRow(pr, lr, V);
    if (t >= 0) {
      lossSum += logSumExp - <f64>targetLogit;
      count++;
    }
  }
  return count > 0 ? lossSum / <f64>count : 0;
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
