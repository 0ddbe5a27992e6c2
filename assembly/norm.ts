// Normalisation kernels: BatchNorm1d over rows (channels contiguous) and LayerNorm over the last dim.
// Statistics are two-pass (mean, then mean of squared deviations), never E[x²] − E[x]².
// SIMD: BatchNorm vectorises over 4 channels at a time, each channel's sum running down the rows in
// the same order as the scalar loop (so both builds agree bit for bit); LayerNorm vectorises along
// the row.

// x[R,C] -> y[R,C], xhat[R,C], invstd[C]; updates runningMean/runningVar[C] when training.
// Training: mean, biased var over R rows; running stats take the unbiased var·R/(R−1) (PyTorch),
// or var itself when R == 1 (where PyTorch refuses to train). Eval: normalise with running stats.
import { hsum } from "./lanes";

export function batchnormForward(
  y: usize, xhat: usize, invstd: usize, x: usize, gamma: usize, beta: usize,
  runningMean: usize, runningVar: usize, R: i32, C: i32, momentum: f32, eps: f32, training: i32,
): void {
  const rowBytes = <usize>C << 2;
  const invR = <f32>1 / <f32>R;
  const unbias: f32 = R > 1 ? <f32>R / <f32>(R - 1) : 1;
  const keep: f32 = 1 - momentum;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const vInvR = f32x4.splat(invR);
    const vEps = f32x4.splat(eps);
    const one = f32x4.splat(1);
    for (; c + 4 <= C; c += 4) {
      const col = <usize>c << 2;
      let mean: v128;
      let variance: v128;
      if (training) {
        let sum = f32x4.splat(0);
        let p = x + col;
        for (let r = 0; r < R; r++, p += rowBytes) sum = f32x4.add(sum, v128.load(p));
        mean = f32x4.mul(sum, vInvR);
        let sq = f32x4.splat(0);
        p = x + col;
        for (let r = 0; r < R; r++, p += rowBytes) {
          const d = f32x4.sub(v128.load(p), mean);
          sq = f32x4.add(sq, f32x4.mul(d, d));
        }
        variance = f32x4.mul(sq, vInvR);
        const rm = v128.load(runningMean + col);
        const rv = v128.load(runningVar + col);
        v128.store(runningMean + col, f32x4.add(f32x4.mul(rm, f32x4.splat(keep)), f32x4.mul(mean, f32x4.splat(momentum))));
        v128.store(runningVar + col, f32x4.add(
          f32x4.mul(rv, f32x4.splat(keep)),
          f32x4.mul(f32x4.mul(variance, f32x4.splat(unbias)), f32x4.splat(momentum)),
        ));
      } else {
        mean = v128.load(runningMean + col);
        variance = v128.load(runningVar + col);
      }
      const inv = f32x4.div(one, f32x4.sqrt(f32x4.add(variance, vEps)));
      v128.store(invstd + col, inv);
      const g = v128.load(gamma + col);
      const b = v128.load(beta + col);
      let off = col;
      for (let r = 0; r < R; r++, off += rowBytes) {
        const xh = f32x4.mul(f32x4.sub(v128.load(x + off), mean), inv);
        v128.store(xhat + off, xh);
        v128.store(y + off, f32x4.add(f32x4.mul(g, xh), b));
      }
    }
  }
  for (; c < C; c++) {
    const col = <usize>c << 2;
    let mean: f32;
    let variance: f32;
    if (training) {
      let sum: f32 = 0;
      let p = x + col;
      for (let r = 0; r < R; r++, p += rowBytes) sum += load<f32>(p);
      mean = sum * invR;
      let sq: f32 = 0;
      p = x + col;
      for (let r = 0; r < R; r++, p += rowBytes) {
        const d = load<f32>(p) - mean;
        sq += d * d;
      }
      variance = sq * invR;
      store<f32>(runningMean + col, load<f32>(runningMean + col) * keep + mean * momentum);
      store<f32>(runningVar + col, load<f32>(runningVar + col) * keep + variance * unbias * momentum);
    } else {
      mean = load<f32>(runningMean + col);
      variance = load<f32>(runningVar + col);
    }
    const inv = <f32>1 / Mathf.sqrt(variance + eps);
    store<f32>(invstd + col, inv);
    const g = load<f32>(gamma + col);
    const b = load<f32>(beta + col);
    let off = col;
    for (let r = 0; r < R; r++, off += rowBytes) {
      const xh = (load<f32>(x + off) - mean) * inv;
      store<f32>(xhat + off, xh);
      store<f32>(y + off, g * xh + b);
    }
  }
}

// dy[R,C], xhat[R,C], invstd[C], gamma[C] -> dx[R,C] +=, dgamma[C] +=, dbeta[C] +=
// dx = γ·invstd/R · (R·dy − Σdy − xhat·Σ(dy·xhat)), sums over the R rows of each channel.
export function batchnormBackward(
  dx: usize, dgamma: usize, dbeta: usize, dy: usize, xhat: usize, invstd: usize, gamma: usize,
  R: i32, C: i32, training: i32,
): void {
  // eval mode normalised with constants: dx = γ·invstd·dy, i.e. the formula without the batch terms
  const batchTerms: f32 = training ? 1 : 0;
  const rowBytes = <usize>C << 2;
  const fR = <f32>R;
  const invR = <f32>1 / fR;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const vR = f32x4.splat(fR);
    const vInvR = f32x4.splat(invR);
    for (; c + 4 <= C; c += 4) {
      const col = <usize>c << 2;
      let sumDy = f32x4.splat(0);
      let sumDyXhat = f32x4.splat(0);
      let off = col;
      for (let r = 0; r < R; r++, off += rowBytes) {
        const d = v128.load(dy + off);
        sumDy = f32x4.add(sumDy, d);
        sumDyXhat = f32x4.add(sumDyXhat, f32x4.mul(d, v128.load(xhat + off)));
      }
      v128.store(dbeta + col, f32x4.add(v128.load(dbeta + col), sumDy));
      v128.store(dgamma + col, f32x4.add(v128.load(dgamma + col), sumDyXhat));
      const k = f32x4.mul(f32x4.mul(v128.load(gamma + col), v128.load(invstd + col)), vInvR);
      sumDy = f32x4.mul(sumDy, f32x4.splat(batchTerms));
      sumDyXhat = f32x4.mul(sumDyXhat, f32x4.splat(batchTerms));
      off = col;
      for (let r = 0; r < R; r++, off += rowBytes) {
        const t = f32x4.sub(
          f32x4.sub(f32x4.mul(vR, v128.load(dy + off)), sumDy),
          f32x4.mul(v128.load(xhat + off), sumDyXhat),
        );
        v128.store(dx + off, f32x4.add(v128.load(dx + off), f32x4.mul(k, t)));
      }
    }
  }
  for (; c < C; c++) {
    const col = <usize>c << 2;
    let sumDy: f32 = 0;
    let sumDyXhat: f32 = 0;
    let off = col;
    for (let r = 0; r < R; r++, off += rowBytes) {
      const d = load<f32>(dy + off);
      sumDy += d;
      sumDyXhat += d * load<f32>(xhat + off);
    }
    store<f32>(dbeta + col, load<f32>(dbeta + col) + sumDy);
    store<f32>(dgamma + col, load<f32>(dgamma + col) + sumDyXhat);
    const k = load<f32>(gamma + col) * load<f32>(invstd + col) * invR;
    sumDy *= batchTerms;
    sumDyXhat *= batchTerms;
    off = col;
    for (let r = 0; r < R; r++, off += rowBytes) {
      const t = fR * load<f32>(dy + off) - sumDy - load<f32>(xhat + off) * sumDyXhat;
      store<f32>(dx + off, load<f32>(dx + off) + k * t);
    }
  }
}


// x[R,C], w[C], b[C] -> y[R,C], mean[R], rstd[R];  y = w·(x − mean)·rstd + b, biased var per row.
export function layernormForward(
  y: usize, mean: usize, rstd: usize, x: usize, w: usize, b: usize, R: i32, C: i32, eps: f32,
): void {
  const rowBytes = <usize>C << 2;
  const invC = <f32>1 / <f32>C;
  for (let r = 0; r < R; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    let c = 0;
    let sum: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      for (; c + 4 <= C; c += 4) acc = f32x4.add(acc, v128.load(xr + (<usize>c << 2)));
      sum = hsum(acc);
    }
    for (; c < C; c++) sum += load<f32>(xr + (<usize>c << 2));
    const m = sum * invC;

    c = 0;
    let sq: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = f32x4.splat(m);
      let acc = f32x4.splat(0);
      for (; c + 4 <= C; c += 4) {
        const d = f32x4.sub(v128.load(xr + (<usize>c << 2)), vm);
        acc = f32x4.add(acc, f32x4.mul(d, d));
      }
      sq = hsum(acc);
    }
    for (; c < C; c++) {
      const d = load<f32>(xr + (<usize>c << 2)) - m;
      sq += d * d;
    }
    const s = <f32>1 / Mathf.sqrt(sq * invC + eps);
    store<f32>(mean + (<usize>r << 2), m);
    store<f32>(rstd + (<usize>r << 2), s);

    c = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = f32x4.splat(m);
      const vs = f32x4.splat(s);
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vm), vs);
        v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(w + o), xh), v128.load(b + o)));
      }
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      store<f32>(yr + o, load<f32>(w + o) * ((load<f32>(xr + o) - m) * s) + load<f32>(b + o));
    }
  }
}

// dy[R,C], x[R,C], mean[R], rstd[R], w[C] -> dx[R,C] +=, dw[C] +=, db[C] +=
// dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)) with dxhat = dy·w, means over the row.
export function layernormBackward(
  dx: usize, dw: usize, db: usize, dy: usize, x: usize, mean: usize, rstd: usize, w: usize, R: i32, C: i32,
): void {
  const rowBytes = <usize>C << 2;
  const invC = <f32>1 / <f32>C;
  for (let r = 0; r < R; r++) {
    const base = <usize>r * rowBytes;
    const m = load<f32>(mean + (<usize>r << 2));
    const s = load<f32>(rstd + (<usize>r << 2));
    let sumDxhat: f32 = 0;
    let sumDxhatXhat: f32 = 0;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = f32x4.splat(m);
      const vs = f32x4.splat(s);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        const d = v128.load(dy + base + o);
        const xh = f32x4.mul(f32x4.sub(v128.load(x + base + o), vm), vs);
        const dxh = f32x4.mul(d, v128.load(w + o));
        a1 = f32x4.add(a1, dxh);
        a2 = f32x4.add(a2, f32x4.mul(dxh, xh));
        v128.store(dw + o, f32x4.add(v128.load(dw + o), f32x4.mul(d, xh)));
        v128.store(db + o, f32x4.add(v128.load(db + o), d));
      }
      sumDxhat = hsum(a1);
      sumDxhatXhat = hsum(a2);
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      const d = load<f32>(dy + base + o);
      const xh = (load<f32>(x + base + o) - m) * s;
      const dxh = d * load<f32>(w + o);
      sumDxhat += dxh;
      sumDxhatXhat += dxh * xh;
      store<f32>(dw + o, load<f32>(dw + o) + d * xh);
      store<f32>(db + o, load<f32>(db + o) + d);
    }
    const m1 = sumDxhat * invC;
    const m2 = sumDxhatXhat * invC;

    c = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = f32x4.splat(m);
      const vs = f32x4.splat(s);
      const v1 = f32x4.splat(m1);
      const v2 = f32x4.splat(m2);
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        const xh = f32x4.mul(f32x4.sub(v128.load(x + base + o), vm), vs);
        const dxh = f32x4.mul(v128.load(dy + base + o), v128.load(w + o));
        const t = f32x4.sub(f32x4.sub(dxh, v1), f32x4.mul(xh, v2));
        v128.store(dx + base + o, f32x4.add(v128.load(dx + base + o), f32x4.mul(vs, t)));
      }
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      const xh = (load<f32>(x + base + o) - m) * s;
      const dxh = load<f32>(dy + base + o) * load<f32>(w + o);
      store<f32>(dx + base + o, load<f32>(dx + base + o) + s * (dxh - m1 - xh * m2));
    }
  }
}
