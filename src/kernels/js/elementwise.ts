// Elementwise kernels in plain TypeScript: the reference twins of assembly/elementwise.ts.
// Math is done in float64 (Math.tanh, Math.exp, a float64 erf) and rounded once on store.
import type { Arena } from "../../memory/arena.js";
import type { KernelOps } from "../types.js";

type ElementwiseOps = Pick<
  KernelOps,
  "tanhForward" | "tanhBackward" | "geluForward" | "multiplyAccumulate" | "add" | "accumulate" | "scale" | "zero" | "copy" | "sumSquares"
>;

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_BETA = Math.sqrt(2 / Math.PI);
const GELU_KAPPA = 0.044715;

/** Maclaurin coefficients of erf: 2/√π · (−1)ᵏ / (k!(2k+1)), k = 0..40 */
const ERF_SERIES = Float64Array.from({ length: 41 }, (_, k) => {
  let factorial = 1;
  for (let j = 2; j <= k; j++) factorial *= j;
  return (TWO_OVER_SQRT_PI * (-1) ** k) / (factorial * (2 * k + 1));
});

/**
 * erf(x) in float64, abs error < 1e-14 (checked against CPython's math.erf in the tests):
 * |x| < 2.5: Maclaurin series erf(x) = Σ ERF_SERIES[k]·x²ᵏ⁺¹ (≤ 41 terms);
 * |x| ≥ 2.5: erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))), 30 levels, bottom-up.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < 2.5) {
    const a2 = a * a;
    let power = a;
    r = 0;
    for (let k = 0; k < ERF_SERIES.length; k++) {
      const term = ERF_SERIES[k] * power;
      r += term;
      if (Math.abs(term) < 1e-17 * r) break;
      power *= a2;
    }
  } else {
    let frac = 0;
    for (let k = 30; k >= 1; k--) frac = k / 2 / (a + frac);
    r = 1 - (Math.exp(-a * a) * INV_SQRT_PI) / (a + frac);
  }
  return x < 0 ? -r : r;
}

/** GELU(x): approximate 0 → x·Φ(x) = ½x(1 + erf(x/√2)); 1 → ½x(1 + tanh(√(2/π)(x + 0.044715x³))) */
export function gelu(x: number, approximate: number): number {
  if (approximate) return 0.5 * x * (1 + Math.tanh(GELU_BETA * (x + GELU_KAPPA * x * x * x)));
  return 0.5 * x * (1 + erf(x * Math.SQRT1_2));
}

/** GELU'(x): exact Φ(x) + x·φ(x); tanh form ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²) */
export function geluGrad(x: number, approximate: number): number {
  if (approximate) {
    const t = Math.tanh(GELU_BETA * (x + GELU_KAPPA * x * x * x));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_BETA * (1 + 3 * GELU_KAPPA * x * x);
  }
  return 0.5 * (1 + erf(x * Math.SQRT1_2)) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
}

export function createElementwiseJs(arena: Arena): ElementwiseOps {
  return {
    // y[n] = tanh(x[n])
    tanhForward(y, x, n) {
      const f = arena.f32;
      const [yo, xo] = [y >> 2, x >> 2];
      for (let i = 0; i < n; i++) f[yo + i] = Math.tanh(f[xo + i]);
    },
    // dx[n] += dy[n] · (1 − y[n]²)
    tanhBackward(dx, dy, y, n) {
      const f = arena.f32;
      const [dxo, dyo, yo] = [dx >> 2, dy >> 2, y >> 2];
      for (let i = 0; i < n; i++) {
        const t = f[yo + i];
        f[dxo + i] += f[dyo + i] * (1 - t * t);
      }
    },
    // y[n] = GELU(x[n]); dydx[n] = GELU'(x[n]) with withSlope
    geluForward(y, dydx, x, n, approximate, withSlope) {
      const f = arena.f32;
      const [yo, go, xo] = [y >> 2, dydx >> 2, x >> 2];
      for (let i = 0; i < n; i++) f[yo + i] = gelu(f[xo + i], approximate);
      if (withSlope) for (let i = 0; i < n; i++) f[go + i] = geluGrad(f[xo + i], approximate);
    },
    // dx[n] += dy[n] · m[n]
    multiplyAccumulate(dx, dy, m, n) {
      const f = arena.f32;
      const [dxo, dyo, mo] = [dx >> 2, dy >> 2, m >> 2];
      for (let i = 0; i < n; i++) f[dxo + i] += f[dyo + i] * f[mo + i];
    },
    // y[n] = a[n] + b[n]
    add(y, a, b, n) {
      const f = arena.f32;
      const [yo, ao, bo] = [y >> 2, a >> 2, b >> 2];
      for (let i = 0; i < n; i++) f[yo + i] = f[ao + i] + f[bo + i];
    },
    // y[n] += x[n]
    accumulate(y, x, n) {
      const f = arena.f32;
      const [yo, xo] = [y >> 2, x >> 2];
      for (let i = 0; i < n; i++) f[yo + i] += f[xo + i];
    },
    // y[n] = x[n] · s, s rounded to f32 as the WASM export receives it
    scale(y, x, n, s) {
      const f = arena.f32;
      const [yo, xo] = [y >> 2, x >> 2];
      const s32 = Math.fround(s);
      for (let i = 0; i < n; i++) f[yo + i] = f[xo + i] * s32;
    },
    // buf[n] = 0
    zero(buf, n) {
      arena.f32.fill(0, buf >> 2, (buf >> 2) + n);
    },
    // dst[n] = src[n] (overlap-safe)
    copy(dst, src, n) {
      arena.f32.copyWithin(dst >> 2, src >> 2, (src >> 2) + n);
    },
    // Σ x[n]² in float64
    sumSquares(x, n) {
      const f = arena.f32;
      const xo = x >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += f[xo + i] * f[xo + i];
      return sum;
    },
  };
}
