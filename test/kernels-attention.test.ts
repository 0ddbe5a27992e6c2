// Causal self-attention kernels: every backend against a float64 reference written here (the
// softmax backward in llm.c's explicit Jacobian form, so it shares no algebra with the kernels),
// the WASM variants also against the js twin, and the float64 backward against central
// differences; with dropout on the attention probabilities (the mask is the dropout kernel's, checked
// here to keep about 1 − p of the entries), the same. Tolerances (‖a−b‖/‖b‖): forward 1e-5, backward
// 1e-4, finite differences 1e-7.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { dropoutMask } from "../src/kernels/js/dropout.js";
import { BACKENDS, f32, randomArray, relErr, rng, setup } from "./helpers/numeric.js";

const FWD_TOL = 1e-5;
const BWD_TOL = 1e-4;
const FD_TOL = 1e-7;
// (B, T, C, NH): odd T, hs = C/NH of 1..48 including hs not a multiple of 4, a GPT-sized case
const SHAPES: [number, number, number, number][] = [
  [1, 1, 4, 1], [1, 3, 4, 2], [2, 5, 12, 3], [1, 7, 15, 3], [2, 31, 20, 2], [1, 33, 96, 2],
  [2, 17, 36, 1], [3, 64, 128, 4], [1, 127, 22, 1], [1, 8, 16, 2],
];

const { arena, k } = setup(64 << 20);

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  const e = relErr(got, want);
  assert.ok(e <= tol, `${name}: relErr ${e.toExponential(2)} > ${tol}`);
}

// ---- float64 reference ---------------------------------------------------------------------------

/** m: the dropout factor of each att element (B,NH,T,T); att is the softmax before it */
function attention64(qkv: ArrayLike<number>, B: number, T: number, C: number, NH: number, m?: ArrayLike<number>) {
  const hs = C / NH;
  const at = (b: number, t: number, part: number, h: number, i: number) => qkv[(b * T + t) * 3 * C + part * C + h * hs + i];
  const att = new Float64Array(B * NH * T * T);
  const out = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < NH; h++)
      for (let t = 0; t < T; t++) {
        const row = att.subarray(((b * NH + h) * T + t) * T, ((b * NH + h) * T + t + 1) * T);
        for (let t2 = 0; t2 <= t; t2++) {
          let s = 0;
          for (let i = 0; i < hs; i++) s += at(b, t, 0, h, i) * at(b, t2, 1, h, i);
          row[t2] = Math.exp(s / Math.sqrt(hs));
        }
        const z = row.reduce((a, v) => a + v, 0);
        for (let t2 = 0; t2 <= t; t2++) row[t2] /= z;
        const w = (t2: number) => row[t2] * (m ? m[((b * NH + h) * T + t) * T + t2] : 1);
        for (let i = 0; i < hs; i++) {
          let s = 0;
          for (let t2 = 0; t2 <= t; t2++) s += w(t2) * at(b, t2, 2, h, i);
          out[(b * T + t) * C + h * hs + i] = s;
        }
      }
  return { att, out };
}

function attentionBackward64(
  dout: ArrayLike<number>, qkv: ArrayLike<number>, att: Float64Array, B: number, T: number, C: number, NH: number, m?: ArrayLike<number>,
) {
  const hs = C / NH;
  const C3 = 3 * C;
  const dqkv = new Float64Array(B * T * C3);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < NH; h++)
      for (let t = 0; t < T; t++) {
        const a = att.subarray(((b * NH + h) * T + t) * T);
        const mask = (t2: number) => (m ? m[((b * NH + h) * T + t) * T + t2] : 1);
        // datt: the gradient of the softmax output, through the dropout factor
        const datt = new Float64Array(T);
        for (let t2 = 0; t2 <= t; t2++)
          for (let i = 0; i < hs; i++) {
            const v = (b * T + t2) * C3 + 2 * C + h * hs + i;
            datt[t2] += qkv[v] * dout[(b * T + t) * C + h * hs + i] * mask(t2);
            dqkv[v] += a[t2] * mask(t2) * dout[(b * T + t) * C + h * hs + i];
          }
        // softmax Jacobian: ∂att[t3]/∂pre[t2] = att[t3]·(δ(t2,t3) − att[t2])
        for (let t2 = 0; t2 <= t; t2++) {
          let dpre = 0;
          for (let t3 = 0; t3 <= t; t3++) dpre += a[t3] * ((t2 === t3 ? 1 : 0) - a[t2]) * datt[t3];
          for (let i = 0; i < hs; i++) {
            const q = (b * T + t) * C3 + h * hs + i;
            const kk = (b * T + t2) * C3 + C + h * hs + i;
            dqkv[q] += (dpre * qkv[kk]) / Math.sqrt(hs);
            dqkv[kk] += (dpre * qkv[q]) / Math.sqrt(hs);
          }
        }
      }
  return dqkv;
}

/** The dropout kernel's mask of (p, seed) over n elements. */
function maskOf(p: number, seed: number, n: number): Float64Array {
  const mask = dropoutMask(p);
  return Float64Array.from({ length: n }, (_, i) => mask(seed, i));
}

// ---- tests -----------------------------------------------------------------------------------------

for (const p of [0, 0.3])
test(`float64 reference backward matches central differences of the float64 forward (dropout ${p})`, () => {
  const [B, T, C, NH] = [2, 5, 6, 2];
  const r = rng("attention-fd");
  const qkv = randomArray(B * T * 3 * C, r, 1.5);
  const dout = randomArray(B * T * C, r);
  const m = p > 0 ? maskOf(p, 7, B * NH * T * T) : undefined;
  const loss = () => attention64(qkv, B, T, C, NH, m).out.reduce((s, v, i) => s + v * dout[i], 0);
  const analytic = attentionBackward64(dout, qkv, attention64(qkv, B, T, C, NH, m).att, B, T, C, NH, m);
  const numeric = new Float64Array(qkv.length);
  const h = 1e-6;
  for (let i = 0; i < qkv.length; i++) {
    const saved = qkv[i];
    qkv[i] = saved + h;
    const plus = loss();
    qkv[i] = saved - h;
    const minus = loss();
    qkv[i] = saved;
    numeric[i] = (plus - minus) / (2 * h);
  }
  close("dqkv", analytic, numeric, FD_TOL);
});

const DROPOUT = 0.2;
const SEED = 12345;

for (const p of [0, DROPOUT])
  for (const [B, T, C, NH] of SHAPES)
    test(`attention forward/backward B=${B} T=${T} C=${C} NH=${NH} (hs ${C / NH}), dropout ${p}: every backend vs float64 and js`, () => {
      const mark = arena.mark();
      const r = rng(`attention:${B}:${T}:${C}:${NH}`);
      const qkvValues = randomArray(B * T * 3 * C, r, 2);
      const doutValues = randomArray(B * T * C, r);
      const dqkvInit = randomArray(B * T * 3 * C, r); // backward accumulates onto this
      const m = p > 0 ? maskOf(p, SEED, B * NH * T * T) : undefined;
      const ref = attention64(Float32Array.from(qkvValues), B, T, C, NH, m);
      const dref = attentionBackward64(Float32Array.from(doutValues), Float32Array.from(qkvValues), ref.att, B, T, C, NH, m);
      const dwant = Float64Array.from(Float32Array.from(dqkvInit), (v, i) => v + dref[i]);
      const droppedWant = m ? ref.att.map((a, i) => a * m[i]) : undefined;

      const qkv = f32(arena, qkvValues, "qkv");
      const dout = f32(arena, doutValues, "dout");
      const results = new Map<string, { out: Float32Array; att: Float32Array; dqkv: Float32Array }>();
      for (const backend of BACKENDS) {
        const out = arena.alloc(B * T * C, "out");
        const att = f32(arena, randomArray(B * NH * T * T, r), "att"); // garbage: the kernel overwrites all of it
        const dropped = f32(arena, randomArray(B * NH * T * T, r), "dropped"); // likewise, with dropout
        const datt = f32(arena, randomArray(T * T, r), "datt");
        const dqkv = f32(arena, dqkvInit, "dqkv");
        k[backend].attentionForward(out.ptr, att.ptr, qkv.ptr, B, T, C, NH, p, SEED, dropped.ptr);
        k[backend].attentionBackward(dqkv.ptr, datt.ptr, dout.ptr, qkv.ptr, att.ptr, B, T, C, NH, p, SEED, dropped.ptr);
        close(`${backend} out`, out.data, ref.out, FWD_TOL);
        close(`${backend} att`, att.data, ref.att, FWD_TOL);
        if (droppedWant) close(`${backend} dropped`, dropped.data, droppedWant, FWD_TOL);
        close(`${backend} dqkv`, dqkv.data, dwant, BWD_TOL);
        results.set(backend, { out: out.data.slice(), att: att.data.slice(), dqkv: dqkv.data.slice() });
      }
      const js = results.get("js")!;
      for (const backend of ["wasm", "wasm-scalar"]) {
        const got = results.get(backend)!;
        close(`${backend} vs js out`, got.out, js.out, FWD_TOL);
        close(`${backend} vs js att`, got.att, js.att, FWD_TOL);
        close(`${backend} vs js dqkv`, got.dqkv, js.dqkv, BWD_TOL);
      }
      arena.release(mark);
    });

test("attention dropout mask: about 1 − p of the causal entries kept, scaled by 1/(1 − p), fresh per seed", () => {
  const [B, T, C, NH] = [4, 32, 16, 2];
  const mark = arena.mark();
  const r = rng("attention-mask");
  const qkv = f32(arena, randomArray(B * T * 3 * C, r), "qkv");
  for (const backend of BACKENDS) {
    const out = arena.alloc(B * T * C, "out");
    const att = arena.alloc(B * NH * T * T, "att");
    const dropped = arena.alloc(B * NH * T * T, "dropped");
    const kept = (seed: number) => {
      k[backend].attentionForward(out.ptr, att.ptr, qkv.ptr, B, T, C, NH, DROPOUT, seed, dropped.ptr);
      const flags: boolean[] = [];
      for (let i = 0; i < att.data.length; i++) {
        const t = Math.floor(i / T) % T, t2 = i % T;
        if (t2 > t) {
          assert.is(dropped.data[i], 0, "nothing above the diagonal");
          continue;
        }
        const ratio = dropped.data[i] / att.data[i];
        assert.ok(ratio === 0 || Math.abs(ratio - 1 / (1 - DROPOUT)) < 1e-5, `${backend}: entry ${i} scaled by ${ratio}`);
        flags.push(ratio !== 0);
      }
      return flags;
    };
    const a = kept(1), b = kept(2);
    const share = a.filter(Boolean).length / a.length;
    assert.ok(Math.abs(share - (1 - DROPOUT)) < 0.02, `${backend}: kept ${share} of ${a.length}`);
    const same = a.filter((v, i) => v === b[i]).length / a.length;
    assert.ok(same < 0.75, `${backend}: seeds 1 and 2 agree on ${same} of the entries`);
  }
  arena.release(mark);
});

test("attention kernels: bad calls throw an error naming the kernel", () => {
  const mark = arena.mark();
  const [B, T, C, NH] = [2, 4, 8, 2];
  const out = arena.alloc(B * T * C, "out");
  const att = arena.alloc(B * NH * T * T, "att");
  const qkv = arena.alloc(B * T * 3 * C, "qkv");
  const datt = arena.alloc(T * T, "datt");
  for (const backend of BACKENDS) {
    assert.throws(() => k[backend].attentionForward(out.ptr, att.ptr, qkv.ptr, B, 0, C, NH, 0, 0, 0), /attentionForward/);
    assert.throws(() => k[backend].attentionForward(out.ptr, att.ptr, qkv.ptr, B * 100, T, C, NH, 0, 0, 0), /attentionForward: out/);
    assert.throws(() => k[backend].attentionForward(out.ptr, att.ptr, qkv.ptr, B, T, C, NH, 1, 0, att.ptr), /attentionForward: argument 7/);
    assert.throws(() => k[backend].attentionForward(out.ptr, att.ptr, qkv.ptr, B, T, C, NH, 0.1, 0, 0), /attentionForward: dropped/);
    assert.throws(() => k[backend].attentionBackward(qkv.ptr, datt.ptr, out.ptr, qkv.ptr, att.ptr, B, T, C, NH * 100, 0, 0, 0), /attentionBackward: att/);
  }
  arena.release(mark);
});

test.run();
