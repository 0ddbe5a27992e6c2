// Normalisation kernels: BatchNorm1d over rows (channels contiguous) and LayerNorm over the last dim.
// Statistics are two-pass (mean, then mean of squared deviations), never E[x²] − E[x]².
// SIMD: BatchNorm vectorises over channels, each channel's sum running down the rows in the same
// order as the scalar loop (so both builds agree bit for bit). Strips of 16 channels keep four
// independent sums in flight (one sum chain is bound by the add latency, ~3 cycles a row), then 4 and
// 1 at the edge. LayerNorm vectorises along the row.

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
    for (; c + 16 <= C; c += 16) {
      const col = <usize>c << 2;
      let m0: v128, m1: v128, m2: v128, m3: v128;
      let v0: v128, v1: v128, v2: v128, v3: v128;
      if (training) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let p = x + col;
        for (let r = 0; r < R; r++, p += rowBytes) {
          s0 = f32x4.add(s0, v128.load(p));
          s1 = f32x4.add(s1, v128.load(p, 16));
          s2 = f32x4.add(s2, v128.load(p, 32));
          s3 = f32x4.add(s3, v128.load(p, 48));
        }
        m0 = f32x4.mul(s0, vInvR);
        m1 = f32x4.mul(s1, vInvR);
        m2 = f32x4.mul(s2, vInvR);
        m3 = f32x4.mul(s3, vInvR);
        s0 = f32x4.splat(0); s1 = f32x4.splat(0); s2 = f32x4.splat(0); s3 = f32x4.splat(0);
        p = x + col;
        for (let r = 0; r < R; r++, p += rowBytes) {
          s0 = addSquare(s0, v128.load(p), m0);
          s1 = addSquare(s1, v128.load(p, 16), m1);
          s2 = addSquare(s2, v128.load(p, 32), m2);
          s3 = addSquare(s3, v128.load(p, 48), m3);
        }
        v0 = f32x4.mul(s0, vInvR);
        v1 = f32x4.mul(s1, vInvR);
        v2 = f32x4.mul(s2, vInvR);
        v3 = f32x4.mul(s3, vInvR);
        updateRunning(runningMean + col, runningVar + col, m0, v0, keep, momentum, unbias);
        updateRunning(runningMean + col + 16, runningVar + col + 16, m1, v1, keep, momentum, unbias);
        updateRunning(runningMean + col + 32, runningVar + col + 32, m2, v2, keep, momentum, unbias);
        updateRunning(runningMean + col + 48, runningVar + col + 48, m3, v3, keep, momentum, unbias);
      } else {
        m0 = v128.load(runningMean + col); m1 = v128.load(runningMean + col, 16);
        m2 = v128.load(runningMean + col, 32); m3 = v128.load(runningMean + col, 48);
        v0 = v128.load(runningVar + col); v1 = v128.load(runningVar + col, 16);
        v2 = v128.load(runningVar + col, 32); v3 = v128.load(runningVar + col, 48);
      }
      const i0 = f32x4.div(one, f32x4.sqrt(f32x4.add(v0, vEps)));
      const i1 = f32x4.div(one, f32x4.sqrt(f32x4.add(v1, vEps)));
      const i2 = f32x4.div(one, f32x4.sqrt(f32x4.add(v2, vEps)));
      const i3 = f32x4.div(one, f32x4.sqrt(f32x4.add(v3, vEps)));
      v128.store(invstd + col, i0);
      v128.store(invstd + col, i1, 16);
      v128.store(invstd + col, i2, 32);
      v128.store(invstd + col, i3, 48);
      const g0 = v128.load(gamma + col), g1 = v128.load(gamma + col, 16), g2 = v128.load(gamma + col, 32), g3 = v128.load(gamma + col, 48);
      const b0 = v128.load(beta + col), b1 = v128.load(beta + col, 16), b2 = v128.load(beta + col, 32), b3 = v128.load(beta + col, 48);
      let off = col;
      for (let r = 0; r < R; r++, off += rowBytes) {
        normalize(y + off, xhat + off, x + off, m0, i0, g0, b0);
        normalize(y + off + 16, xhat + off + 16, x + off + 16, m1, i1, g1, b1);
        normalize(y + off + 32, xhat + off + 32, x + off + 32, m2, i2, g2, b2);
        normalize(y + off + 48, xhat + off + 48, x + off + 48, m3, i3, g3, b3);
      }
    }
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
        for (let r = 0; r < R; r++, p += rowBytes) sq = addSquare(sq, v128.load(p), mean);
        variance = f32x4.mul(sq, vInvR);
        updateRunning(runningMean + col, runningVar + col, mean, variance, keep, momentum, unbias);
      } else {
        mean = v128.load(runningMean + col);
        variance = v128.load(runningVar + col);
      }
      const inv = f32x4.div(one, f32x4.sqrt(f32x4.add(variance, vEps)));
      v128.store(invstd + col, inv);
      const g = v128.load(gamma + col);
      const b = v128.load(beta + col);
      let off = col;
      for (let r = 0; r < R; r++, off += rowBytes) normalize(y + off, xhat + off, x + off, mean, inv, g, b);
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

/** sq + (x − mean)² */
// @ts-ignore: decorator
@inline function addSquare(sq: v128, x: v128, mean: v128): v128 {
  const d = f32x4.sub(x, mean);
  return f32x4.add(sq, f32x4.mul(d, d));
}

/** running = keep·running + momentum·stat, the variance's stat unbiased */
// @ts-ignore: decorator
@inline function updateRunning(rm: usize, rv: usize, mean: v128, variance: v128, keep: f32, momentum: f32, unbias: f32): void {
  v128.store(rm, f32x4.add(f32x4.mul(v128.load(rm), f32x4.splat(keep)), f32x4.mul(mean, f32x4.splat(momentum))));
  v128.store(rv, f32x4.add(
    f32x4.mul(v128.load(rv), f32x4.splat(keep)),
    f32x4.mul(f32x4.mul(variance, f32x4.splat(unbias)), f32x4.splat(momentum)),
  ));
}

/** xhat = (x − mean)·inv, y = γ·xhat + β, four channels of one row */
// @ts-ignore: decorator
@inline function normalize(y: usize, xhat: usize, x: usize, mean: v128, inv: v128, g: v128, b: v128): void {
  const xh = f32x4.mul(f32x4.sub(v128.load(x), mean), inv);
  v128.store(xhat, xh);
  v128.store(y, f32x4.add(f32x4.mul(g, xh), b));
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
    const vTerms = f32x4.splat(batchTerms);
    for (; c + 16 <= C; c += 16) {
      const col = <usize>c << 2;
      let d0 = f32x4.splat(0), d1 = f32x4.splat(0), d2 = f32x4.splat(0), d3 = f32x4.splat(0);
      let e0 = f32x4.splat(0), e1 = f32x4.splat(0), e2 = f32x4.splat(0), e3 = f32x4.splat(0);
      let off = col;
      for (let r = 0; r < R; r++, off += rowBytes) {
        const p = dy + off;
        const q = xhat + off;
        const a0 = v128.load(p), a1 = v128.load(p, 16), a2 = v128.load(p, 32), a3 = v128.load(p, 48);
        d0 = f32x4.add(d0, a0);
        d1 = f32x4.add(d1, a1);
        d2 = f32x4.add(d2, a2);
        d3 = f32x4.add(d3, a3);
        e0 = f32x4.add(e0, f32x4.mul(a0, v128.load(q)));
        e1 = f32x4.add(e1, f32x4.mul(a1, v128.load(q, 16)));
        e2 = f32x4.add(e2, f32x4.mul(a2, v128.load(q, 32)));
        e3 = f32x4.add(e3, f32x4.mul(a3, v128.load(q, 48)));
      }
      accumulateSums(dbeta + col, dgamma + col, d0, e0);
      accumulateSums(dbeta + col + 16, dgamma + col + 16, d1, e1);
      accumulateSums(dbeta + col + 32, dgamma + col + 32, d2, e2);
      accumulateSums(dbeta + col + 48, dgamma + col + 48, d3, e3);
      const k0 = f32x4.mul(f32x4.mul(v128.load(gamma + col), v128.load(invstd + col)), vInvR);
      const k1 = f32x4.mul(f32x4.mul(v128.load(gamma + col, 16), v128.load(invstd + col, 16)), vInvR);
      const k2 = f32x4.mul(f32x4.mul(v128.load(gamma + col, 32), v128.load(invstd + col, 32)), vInvR);
      const k3 = f32x4.mul(f32x4.mul(v128.load(gamma + col, 48), v128.load(invstd + col, 48)), vInvR);
      d0 = f32x4.mul(d0, vTerms); d1 = f32x4.mul(d1, vTerms); d2 = f32x4.mul(d2, vTerms); d3 = f32x4.mul(d3, vTerms);
      e0 = f32x4.mul(e0, vTerms); e1 = f32x4.mul(e1, vTerms); e2 = f32x4.mul(e2, vTerms); e3 = f32x4.mul(e3, vTerms);
      off = col;
      for (let r = 0; r < R; r++, off += rowBytes) {
        accumulateDx(dx + off, dy + off, xhat + off, vR, d0, e0, k0);
        accumulateDx(dx + off + 16, dy + off + 16, xhat + off + 16, vR, d1, e1, k1);
        accumulateDx(dx + off + 32, dy + off + 32, xhat + off + 32, vR, d2, e2, k2);
        accumulateDx(dx + off + 48, dy + off + 48, xhat + off + 48, vR, d3, e3, k3);
      }
    }
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
      accumulateSums(dbeta + col, dgamma + col, sumDy, sumDyXhat);
      const k = f32x4.mul(f32x4.mul(v128.load(gamma + col), v128.load(invstd + col)), vInvR);
      sumDy = f32x4.mul(sumDy, vTerms);
      sumDyXhat = f32x4.mul(sumDyXhat, vTerms);
      off = col;
      for (let r = 0; r < R; r++, off += rowBytes) accumulateDx(dx + off, dy + off, xhat + off, vR, sumDy, sumDyXhat, k);
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


/** dbeta += Σdy, dgamma += Σ dy·xhat, four channels */
// @ts-ignore: decorator
@inline function accumulateSums(dbeta: usize, dgamma: usize, sumDy: v128, sumDyXhat: v128): void {
  v128.store(dbeta, f32x4.add(v128.load(dbeta), sumDy));
  v128.store(dgamma, f32x4.add(v128.load(dgamma), sumDyXhat));
}

/** dx += k · (R·dy − Σdy − xhat·Σ(dy·xhat)), four channels of one row */
// @ts-ignore: decorator
@inline function accumulateDx(dx: usize, dy: usize, xhat: usize, vR: v128, sumDy: v128, sumDyXhat: v128, k: v128): void {
  const t = f32x4.sub(f32x4.sub(f32x4.mul(vR, v128.load(dy)), sumDy), f32x4.mul(v128.load(xhat), sumDyXhat));
  v128.store(dx, f32x4.add(v128.load(dx), f32x4.mul(k, t)));
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
