// Optimiser updates over a contiguous range of n parameters, following PyTorch's single-tensor
// (foreach=False) code paths operation by operation, in f32 like PyTorch's float tensors.

/**
 * torch.optim.SGD (dampening 0, nesterov off) over param/grad/velocity[n]:
 *   g = grad + wd·p;  v = g on the first step, else v = momentum·v + g;  p −= lr·(momentum ≠ 0 ? v : g)
 * With momentum 0 the velocity buffer is not touched.
 */
export function sgdStep(
  param: usize, grad: usize, velocity: usize, n: i32, lr: f32, momentum: f32, weightDecay: f32, firstStep: i32,
): void {
  const useMomentum = momentum != 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lrV = f32x4.splat(lr);
    const momV = f32x4.splat(momentum);
    const wdV = f32x4.splat(weightDecay);
    if (!useMomentum) {
      // plain SGD (the lectures'): two vectors per iteration halve the loop overhead
      for (; i + 8 <= n; i += 8) {
        const o = <usize>i << 2;
        const p0 = v128.load(param + o);
        const p1 = v128.load(param + o, 16);
        const g0 = f32x4.add(v128.load(grad + o), f32x4.mul(wdV, p0));
        const g1 = f32x4.add(v128.load(grad + o, 16), f32x4.mul(wdV, p1));
        v128.store(param + o, f32x4.sub(p0, f32x4.mul(lrV, g0)));
        v128.store(param + o, f32x4.sub(p1, f32x4.mul(lrV, g1)), 16);
      }
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const p = v128.load(param + o);
      let g = f32x4.add(v128.load(grad + o), f32x4.mul(wdV, p));
      if (useMomentum) {
        if (!firstStep) g = f32x4.add(f32x4.mul(v128.load(velocity + o), momV), g);
        v128.store(velocity + o, g);
      }
      v128.store(param + o, f32x4.sub(p, f32x4.mul(lrV, g)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    let g = load<f32>(grad + o) + weightDecay * p;
    if (useMomentum) {
      if (!firstStep) g = load<f32>(velocity + o) * momentum + g;
      store<f32>(velocity + o, g);
    }
    store<f32>(param + o, p - lr * g);
  }
}

/**
 * torch.optim.AdamW over param/grad/m/v[n] at step t ≥ 1 (amsgrad off):
 *   p *= 1 − lr·wd;  m = lerp(m, g, 1 − β1);  v = β2·v + (1 − β2)·g²;
 *   p −= lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)
 * The hyperparameters arrive as float64 and the per-call scalars (bias corrections, 1 − β) are formed
 * in float64 before rounding to f32, as PyTorch does with its Python-float arguments; in f32,
 * 1 − 0.999 alone would be off by 1.3e-5 relative.
 */
export function adamwStep(
  param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
  weightDecay: f64, step: i32,
): void {
  const decay = <f32>(1 - lr * weightDecay);
  const w1 = <f32>(1 - beta1);
  const b2 = <f32>beta2;
  const w2 = <f32>(1 - beta2);
  const stepSize = <f32>(lr / (1 - powInt(beta1, step)));
  const bc2Sqrt = <f32>Math.sqrt(1 - powInt(beta2, step));
  const epsF = <f32>eps;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const decayV = f32x4.splat(decay);
    const w1V = f32x4.splat(w1);
    const b2V = f32x4.splat(b2);
    const w2V = f32x4.splat(w2);
    const stepV = f32x4.splat(stepSize);
    const bc2V = f32x4.splat(bc2Sqrt);
    const epsV = f32x4.splat(epsF);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(grad + o);
      let mv = v128.load(m + o);
      mv = f32x4.add(mv, f32x4.mul(w1V, f32x4.sub(g, mv)));
      const vv = f32x4.add(f32x4.mul(v128.load(v + o), b2V), f32x4.mul(f32x4.mul(w2V, g), g));
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), bc2V), epsV);
      const p = f32x4.mul(v128.load(param + o), decayV);
      v128.store(param + o, f32x4.sub(p, f32x4.mul(stepV, f32x4.div(mv, denom))));
      v128.store(m + o, mv);
      v128.store(v + o, vv);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grad + o);
    let mv = load<f32>(m + o);
    mv = mv + w1 * (g - mv);
    const vv = load<f32>(v + o) * b2 + w2 * g * g;
    const denom = sqrt<f32>(vv) / bc2Sqrt + epsF;
    const p = load<f32>(param + o) * decay;
    store<f32>(param + o, p - stepSize * (mv / denom));
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
  }
}

/** bᵗ for an integer t ≥ 0 by binary exponentiation (Math.pow would pull ~9 KB of tables into static data) */
function powInt(b: f64, t: i32): f64 {
  let result: f64 = 1;
  while (t > 0) {
    if (t & 1) result *= b;
    b *= b;
    t >>= 1;
  }
  return result;
}
