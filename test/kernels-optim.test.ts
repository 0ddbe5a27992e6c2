// SGD and AdamW kernels: every backend over several steps against a float64 re-implementation of
// PyTorch's formulas written here, the WASM variants also against the js twin, and all of them
// against values recorded from torch 1.13 (torch.optim.SGD / AdamW on float32 tensors; no Python at
// test time). Tolerances (‖a−b‖/‖b‖): parameters and state 1e-6; the parameter *change* over the
// run 1e-4 (f32 parameters carry ~6e-8·|p| rounding per step, large next to a 1e-3 update).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BACKENDS, SIZES, f32, randomArray, relErr, rng, setup } from "./helpers/numeric.js";
import type { BackendName } from "../src/kernels/index.js";

const { arena, k } = setup(64 << 20);
const WASM: BackendName[] = ["wasm", "wasm-scalar"];
// Parameter counts: SIZES plus the makemore MLP (11,897) and WaveNet (76,579) models.
const N_SIZES = [...SIZES, 11_897, 76_579];
const STEPS = 5;

const toF32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));
const sub = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (v, i) => v - b[i]);

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  const e = relErr(got, want);
  assert.ok(e <= tol, `${name}: relErr ${e.toExponential(2)} > ${tol}`);
}

interface SgdConfig { lr: number; momentum: number; weightDecay: number }
interface AdamConfig { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number }

// torch.optim.SGD in float64 (dampening 0, nesterov off).
function sgd64(p: Float64Array, grads: Float64Array[], c: SgdConfig) {
  const v = new Float64Array(p.length);
  grads.forEach((grad, t) => {
    for (let i = 0; i < p.length; i++) {
      let g = grad[i] + c.weightDecay * p[i];
      if (c.momentum !== 0) {
        v[i] = t === 0 ? g : c.momentum * v[i] + g;
        g = v[i];
      }
      p[i] -= c.lr * g;
    }
  });
  return { p, v };
}

// torch.optim.AdamW in float64.
function adamw64(p: Float64Array, grads: Float64Array[], c: AdamConfig) {
  const m = new Float64Array(p.length);
  const v = new Float64Array(p.length);
  grads.forEach((grad, t0) => {
    const t = t0 + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - c.lr * c.weightDecay;
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * grad[i];
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * grad[i] ** 2;
      const mhat = m[i] / (1 - c.beta1 ** t);
      const vhat = v[i] / (1 - c.beta2 ** t);
      p[i] -= (c.lr * mhat) / (Math.sqrt(vhat) + c.eps);
    }
  });
  return { p, m, v };
}

/** Runs `steps` optimiser calls on every backend from the same start; returns final param and state buffers. */
function runSteps(
  p0: ArrayLike<number>,
  grads: ArrayLike<number>[],
  nState: number,
  step: (b: BackendName, p: number, g: number, state: number[], t: number) => void,
): Record<BackendName, Float64Array[]> {
  const n = p0.length;
  const result = {} as Record<BackendName, Float64Array[]>;
  for (const b of BACKENDS) {
    const mark = arena.mark();
    const p = f32(arena, p0, "param");
    const g = arena.alloc(n, "grad");
    const state = Array.from({ length: nState }, (_, i) => arena.alloc(n, `state${i}`));
    grads.forEach((grad, t) => {
      g.data.set(grad);
      step(b, p.ptr, g.ptr, state.map((s) => s.ptr), t);
    });
    result[b] = [p, ...state].map((r) => Float64Array.from(r.data));
    arena.release(mark);
  }
  return result;
}

function checkRun(name: string, res: Record<BackendName, Float64Array[]>, p0: ArrayLike<number>, ref: Float64Array[]): void {
  for (const b of BACKENDS) {
    res[b].forEach((out, i) => close(`${name} ${b} vs f64 [${i}]`, out, ref[i], 1e-6));
    close(`${name} ${b} update vs f64`, sub(res[b][0], p0), sub(ref[0], p0), 1e-4);
  }
  for (const b of WASM) res[b].forEach((out, i) => close(`${name} ${b} vs js [${i}]`, out, res.js[i], 1e-6));
}

test("sgdStep matches float64 torch.optim.SGD over several steps, with and without momentum", () => {
  const configs: SgdConfig[] = [
    { lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
    { lr: 0.05, momentum: 0, weightDecay: 0 },
    { lr: 0.1, momentum: 0.5, weightDecay: 0 },
  ];
  for (const c of configs) {
    for (const n of N_SIZES) {
      const r = rng(`sgd-${c.momentum}-${n}`);
      const p0 = toF32(randomArray(n, r));
      const grads = Array.from({ length: STEPS }, () => toF32(randomArray(n, r, 0.5)));
      const res = runSteps(p0, grads, 1, (b, p, g, [v], t) =>
        k[b].sgdStep(p, g, v, n, c.lr, c.momentum, c.weightDecay, t === 0 ? 1 : 0));
      const ref = sgd64(Float64Array.from(p0), grads, c);
      const name = `sgd lr=${c.lr} momentum=${c.momentum} wd=${c.weightDecay} n=${n}`;
      checkRun(name, res, p0, c.momentum !== 0 ? [ref.p, ref.v] : [ref.p, new Float64Array(n)]);
    }
  }
});

test("adamwStep matches float64 torch.optim.AdamW over several steps", () => {
  const configs: AdamConfig[] = [
    { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
    { lr: 3e-3, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1 },
  ];
  for (const c of configs) {
    for (const n of N_SIZES) {
      const r = rng(`adamw-${c.beta2}-${n}`);
      const p0 = toF32(randomArray(n, r));
      const grads = Array.from({ length: STEPS }, () => toF32(randomArray(n, r, 0.5)));
      const res = runSteps(p0, grads, 2, (b, p, g, [m, v], t) =>
        k[b].adamwStep(p, g, m, v, n, c.lr, c.beta1, c.beta2, c.eps, c.weightDecay, t + 1));
      const ref = adamw64(Float64Array.from(p0), grads, c);
      checkRun(`adamw β2=${c.beta2} n=${n}`, res, p0, [ref.p, ref.m, ref.v]);
    }
  }
});

// Recorded with torch 1.13: p0 below, three steps with GRADS, float32 tensors, default foreach=False on CPU.
const P0 = [0.5, -1.25, 2.0, -0.375, 0.0625, 3.5, -2.75];
const GRADS = [
  [0.1, -0.2, 0.3, 0.05, -0.5, 1.5, -0.01],
  [-0.3, 0.25, 0.1, -0.05, 0.2, 1.0, 0.02],
  [0.2, 0.0, -0.4, 0.15, -0.1, 0.5, -0.03],
];
const TORCH = {
  // SGD(lr=0.1, momentum=0.9, weight_decay=0.01)
  sgd: {
    p: [0.5071053504943848, -1.236344575881958, 1.928613543510437, -0.39193403720855713, 0.16947972774505615, 2.8345515727996826, -2.732677459716797],
    v: [0.024551108479499817, 0.029482290148735046, -0.01381567120552063, 0.13526180386543274, -0.3221091032028198, 2.7045183181762695, -0.09451252967119217],
  },
  // SGD(lr=0.1)
  sgdPlain: {
    p: [0.5000000596046448, -1.2549999952316284, 2.0, -0.39000001549720764, 0.10249999165534973, 3.200000047683716, -2.748000144958496],
  },
  // AdamW(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
  adamw: {
    p: [0.493270605802536, -1.2391573190689087, 1.9761638641357422, -0.38893604278564453, 0.0795392245054245, 3.4609005451202393, -2.7320029735565186],
    m: [0.0010999991791322827, 0.006299999076873064, -0.0066999997943639755, 0.014550001360476017, -0.032499998807907104, 0.2615000009536743, -0.0020099999383091927],
    v: [0.00013989002036396414, 0.00010235754598397762, 0.0002598101273179054, 2.7492504159454256e-05, 0.0002994602546095848, 0.00349450227804482, 1.399400161972153e-06],
  },
};

test("sgdStep and adamwStep reproduce recorded torch.optim results", () => {
  const n = P0.length;
  const sgd = runSteps(P0, GRADS, 1, (b, p, g, [v], t) => k[b].sgdStep(p, g, v, n, 0.1, 0.9, 0.01, t === 0 ? 1 : 0));
  const plain = runSteps(P0, GRADS, 1, (b, p, g, [v], t) => k[b].sgdStep(p, g, v, n, 0.1, 0, 0, t === 0 ? 1 : 0));
  const adamw = runSteps(P0, GRADS, 2, (b, p, g, [m, v], t) => k[b].adamwStep(p, g, m, v, n, 0.01, 0.9, 0.999, 1e-8, 0.1, t + 1));
  for (const b of BACKENDS) {
    close(`torch sgd p ${b}`, sgd[b][0], TORCH.sgd.p, 1e-6);
    close(`torch sgd v ${b}`, sgd[b][1], TORCH.sgd.v, 1e-6);
    close(`torch sgd (no momentum) p ${b}`, plain[b][0], TORCH.sgdPlain.p, 1e-7);
    assert.ok(plain[b][1].every((v) => v === 0), `${b}: momentum 0 leaves the velocity buffer untouched`);
    close(`torch adamw p ${b}`, adamw[b][0], TORCH.adamw.p, 1e-6);
    close(`torch adamw update ${b}`, sub(adamw[b][0], P0), sub(TORCH.adamw.p, P0), 1e-5);
    close(`torch adamw m ${b}`, adamw[b][1], TORCH.adamw.m, 1e-6);
    close(`torch adamw v ${b}`, adamw[b][2], TORCH.adamw.v, 1e-6);
  }
});

test("optimiser bad calls throw errors naming the kernel", () => {
  const mark = arena.mark();
  const a = arena.alloc(8, "a");
  for (const b of BACKENDS) {
    assert.throws(() => k[b].sgdStep(a.ptr, a.ptr, a.ptr, 0, 0.1, 0, 0, 1), /sgdStep/);
    assert.throws(() => k[b].adamwStep(a.ptr, a.ptr, a.ptr, 1 << 30, 8, 0.1, 0.9, 0.999, 1e-8, 0, 1), /adamwStep: v/);
  }
  arena.release(mark);
});

test.run();
