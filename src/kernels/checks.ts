// Argument checks shared by every backend: dimensions must be positive integers, dropout
// probabilities in [0, 1), and every buffer must lie inside the arena. A bad call throws an error
// naming the kernel instead of silently corrupting memory. Each check takes the kernel's own
// arguments (fixed arity, no allocation: it runs on every kernel call of every training step).
import type { Arena } from "../memory/arena.js";
import { MATMUL_TANH_MAX_K, type KernelOps } from "./types.js";

/** What a check can ask: is `v` a dimension, is [ptr, ptr + 4·n) a buffer inside the arena. */
export class Checker {
  constructor(readonly arena: Arena) {}
  kernel = "";
  dim(i: number, v: number): void {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff)
      throw new RangeError(`${this.kernel}: dimension argument ${i} must be a positive integer, got ${v}`);
  }
  /** a dropout probability: 0 ≤ v < 1 */
  probability(i: number, v: number): void {
    if (!(v >= 0 && v < 1)) throw new RangeError(`${this.kernel}: argument ${i} must be a probability in [0, 1), got ${v}`);
  }
  buf(name: string, ptr: number, n: number): void {
    this.arena.check(this.kernel, name, ptr, n);
  }
}

type N = number;
type Check = (ck: Checker, a: N, b: N, c: N, d: N, e: N, f: N, g: N, h: N, i: N, j: N, k: N, l: N, m: N) => void;

const matmul = (aLen: (M: N, K: N, N: N) => N, bLen: (M: N, K: N, N: N) => N): Check => (ck, c, a, b, M, K, N) => {
  ck.dim(3, M); ck.dim(4, K); ck.dim(5, N);
  ck.buf("C", c, M * N); ck.buf("A", a, aLen(M, K, N)); ck.buf("B", b, bLen(M, K, N));
};
const matmulNNOperands = matmul((M, K) => M * K, (_M, K, N) => K * N);
const matmulNTOperands = matmul((M, K) => M * K, (_M, K, N) => N * K);
// elementwise kernels: n buffers of `count` elements followed by the count
const ew1 = (x: string): Check => (ck, p, n) => { ck.dim(1, n); ck.buf(x, p, n); };
const ew2 = (x: string, y: string): Check => (ck, p, q, n) => { ck.dim(2, n); ck.buf(x, p, n); ck.buf(y, q, n); };
const ew3 = (x: string, y: string, z: string): Check => (ck, p, q, r, n) => {
  ck.dim(3, n); ck.buf(x, p, n); ck.buf(y, q, n); ck.buf(z, r, n);
};

export const SPECS: Record<keyof KernelOps, Check> = {
  matmul: (ck, c, a, b, M, K, N, _accumulate, tanhOut) => {
    matmulNNOperands(ck, c, a, b, M, K, N, 0, 0, 0, 0, 0, 0, 0);
    if (tanhOut === 0) return;
    ck.buf("tanhOut", tanhOut, M * N);
    if (K > MATMUL_TANH_MAX_K) throw new RangeError(`${ck.kernel}: K = ${K} with tanhOut; at most ${MATMUL_TANH_MAX_K}`);
  },
  matmulTN: matmul((M, K) => K * M, (_M, K, N) => K * N),
  matmulNT: (ck, c, a, b, M, K, N, _accumulate, bias) => {
    matmulNTOperands(ck, c, a, b, M, K, N, 0, 0, 0, 0, 0, 0, 0);
    if (bias !== 0) ck.buf("bias", bias, N);
  },
  transpose: (ck, dst, src, R, C) => { ck.dim(2, R); ck.dim(3, C); ck.buf("dst", dst, R * C); ck.buf("src", src, R * C); },
  addBias: (ck, y, b, M, N) => { ck.dim(2, M); ck.dim(3, N); ck.buf("y", y, M * N); ck.buf("bias", b, N); },
  biasBackward: (ck, db, dy, M, N) => { ck.dim(2, M); ck.dim(3, N); ck.buf("dbias", db, N); ck.buf("dy", dy, M * N); },
  embeddingForward: (ck, out, table, idx, n, C, V) => {
    ck.dim(3, n); ck.dim(4, C); ck.dim(5, V);
    ck.buf("out", out, n * C); ck.buf("table", table, V * C); ck.buf("idx", idx, n);
  },
  embeddingBackward: (ck, dt, dout, idx, n, C, V) => {
    ck.dim(3, n); ck.dim(4, C); ck.dim(5, V);
    ck.buf("dtable", dt, V * C); ck.buf("dout", dout, n * C); ck.buf("idx", idx, n);
  },
  embeddingSumForward: (ck, out, table, idx, R, n, C, V) => {
    ck.dim(3, R); ck.dim(4, n); ck.dim(5, C); ck.dim(6, V);
    ck.buf("out", out, R * C); ck.buf("table", table, n * V * C); ck.buf("idx", idx, R * n);
  },
  embeddingSumBackward: (ck, dt, dout, idx, R, n, C, V) => {
    ck.dim(3, R); ck.dim(4, n); ck.dim(5, C); ck.dim(6, V);
    ck.buf("dtable", dt, n * V * C); ck.buf("dout", dout, R * C); ck.buf("idx", idx, R * n);
  },
  tanhForward: ew2("y", "x"),
  tanhBackward: ew3("dx", "dy", "y"),
  geluForward: (ck, y, dydx, x, n, _approximate, withSlope) => {
    ck.dim(4, n); ck.buf("y", y, n); ck.buf("x", x, n);
    if (withSlope) ck.buf("dydx", dydx, n);
  },
  multiplyAccumulate: ew3("dx", "dy", "m"),
  add: ew3("y", "a", "b"),
  accumulate: ew2("y", "x"),
  scale: ew2("y", "x"),
  zero: ew1("buf"),
  copy: ew2("dst", "src"),
  sumSquares: ew1("x"),
  dropoutForward: ew3("y", "mask", "x"),
  batchnormForward: (ck, y, xhat, invstd, x, g, b, rm, rv, R, C) => {
    ck.dim(8, R); ck.dim(9, C);
    ck.buf("y", y, R * C); ck.buf("xhat", xhat, R * C); ck.buf("invstd", invstd, C); ck.buf("x", x, R * C);
    ck.buf("gamma", g, C); ck.buf("beta", b, C); ck.buf("runningMean", rm, C); ck.buf("runningVar", rv, C);
  },
  batchnormBackward: (ck, dx, dg, db, dy, xhat, invstd, g, R, C) => {
    ck.dim(7, R); ck.dim(8, C);
    ck.buf("dx", dx, R * C); ck.buf("dgamma", dg, C); ck.buf("dbeta", db, C); ck.buf("dy", dy, R * C);
    ck.buf("xhat", xhat, R * C); ck.buf("invstd", invstd, C); ck.buf("gamma", g, C);
  },
  layernormForward: (ck, y, mean, rstd, x, w, b, R, C) => {
    ck.dim(6, R); ck.dim(7, C);
    ck.buf("y", y, R * C); ck.buf("mean", mean, R); ck.buf("rstd", rstd, R); ck.buf("x", x, R * C); ck.buf("w", w, C); ck.buf("b", b, C);
  },
  layernormBackward: (ck, dx, dw, db, dy, x, mean, rstd, w, R, C) => {
    ck.dim(8, R); ck.dim(9, C);
    ck.buf("dx", dx, R * C); ck.buf("dw", dw, C); ck.buf("db", db, C); ck.buf("dy", dy, R * C); ck.buf("x", x, R * C);
    ck.buf("mean", mean, R); ck.buf("rstd", rstd, R); ck.buf("w", w, C);
  },
  softmaxCrossEntropyForward: (ck, p, l, t, R, V) => {
    ck.dim(3, R); ck.dim(4, V);
    ck.buf("probs", p, R * V); ck.buf("logits", l, R * V); ck.buf("targets", t, R);
  },
  softmaxCrossEntropyBackward: (ck, dl, p, t, R, V) => {
    ck.dim(3, R); ck.dim(4, V);
    ck.buf("dlogits", dl, R * V); ck.buf("probs", p, R * V); ck.buf("targets", t, R);
  },
  attentionForward: (ck, out, att, qkv, B, T, C, NH, p, _seed, dropped) => {
    ck.dim(3, B); ck.dim(4, T); ck.dim(5, C); ck.dim(6, NH); ck.probability(7, p);
    ck.buf("out", out, B * T * C); ck.buf("att", att, B * NH * T * T); ck.buf("qkv", qkv, B * T * 3 * C);
    if (p > 0) ck.buf("dropped", dropped, B * NH * T * T);
  },
  attentionBackward: (ck, dqkv, datt, dout, qkv, att, B, T, C, NH, p, _seed, dropped) => {
    ck.dim(5, B); ck.dim(6, T); ck.dim(7, C); ck.dim(8, NH); ck.probability(9, p);
    ck.buf("dqkv", dqkv, B * T * 3 * C); ck.buf("datt", datt, T * T); ck.buf("dout", dout, B * T * C);
    ck.buf("qkv", qkv, B * T * 3 * C); ck.buf("att", att, B * NH * T * T);
    if (p > 0) ck.buf("dropped", dropped, B * NH * T * T);
  },
  sgdStep: ew3("param", "grad", "velocity"),
  adamwStep: (ck, p, g, m, v, n) => { ck.dim(4, n); ck.buf("param", p, n); ck.buf("grad", g, n); ck.buf("m", m, n); ck.buf("v", v, n); },
};

/** Check one call given its arguments as an array (for tools; the kernels' wrappers call SPECS directly). */
export function checkCall(arena: Arena, kernel: string, args: number[]): void {
  const ck = new Checker(arena);
  ck.kernel = kernel;
  const a = args;
  SPECS[kernel as keyof KernelOps](ck, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
}
