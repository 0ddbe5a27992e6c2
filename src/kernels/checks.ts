// Argument checks shared by every backend: dimensions must be positive integers and every buffer
// must lie inside the arena. A bad call throws an error naming the kernel instead of silently
// corrupting memory. Each entry maps a kernel's arguments to [name, ptr, elements] triples.
import type { Arena } from "../memory/arena.js";
import type { KernelOps } from "./types.js";

type Buffers = (args: number[]) => [string, number, number][];
type Spec = { dims: number[]; buffers: Buffers };

const mm = (aLen: (M: number, K: number, N: number) => number, bLen: (M: number, K: number, N: number) => number): Spec => ({
  dims: [3, 4, 5],
  buffers: ([c, a, b, M, K, N]) => [["C", c, M * N], ["A", a, aLen(M, K, N)], ["B", b, bLen(M, K, N)]],
});
const elementwise = (...names: string[]): Spec => ({
  dims: [names.length],
  buffers: (args) => names.map((name, i) => [name, args[i], args[names.length]] as [string, number, number]),
});

export const SPECS: Record<keyof KernelOps, Spec> = {
  matmul: mm((M, K) => M * K, (_M, K, N) => K * N),
  matmulTN: mm((M, K) => K * M, (_M, K, N) => K * N),
  matmulNT: mm((M, K) => M * K, (_M, K, N) => N * K),
  addBias: { dims: [2, 3], buffers: ([y, b, M, N]) => [["y", y, M * N], ["bias", b, N]] },
  biasBackward: { dims: [2, 3], buffers: ([db, dy, M, N]) => [["dbias", db, N], ["dy", dy, M * N]] },
  embeddingForward: {
    dims: [3, 4, 5],
    buffers: ([out, table, idx, n, C, V]) => [["out", out, n * C], ["table", table, V * C], ["idx", idx, n]],
  },
  embeddingBackward: {
    dims: [3, 4, 5],
    buffers: ([dt, dout, idx, n, C, V]) => [["dtable", dt, V * C], ["dout", dout, n * C], ["idx", idx, n]],
  },
  tanhForward: elementwise("y", "x"),
  tanhBackward: elementwise("dx", "dy", "y"),
  geluForward: elementwise("y", "x"),
  geluBackward: elementwise("dx", "dy", "x"),
  add: elementwise("y", "a", "b"),
  accumulate: elementwise("y", "x"),
  scale: elementwise("y", "x"),
  zero: elementwise("buf"),
  copy: elementwise("dst", "src"),
  sumSquares: elementwise("x"),
  dropoutForward: elementwise("y", "mask", "x"),
  dropoutBackward: elementwise("dx", "dy", "mask"),
  batchnormForward: {
    dims: [8, 9],
    buffers: ([y, xhat, invstd, x, g, b, rm, rv, R, C]) => [
      ["y", y, R * C], ["xhat", xhat, R * C], ["invstd", invstd, C], ["x", x, R * C],
      ["gamma", g, C], ["beta", b, C], ["runningMean", rm, C], ["runningVar", rv, C],
    ],
  },
  batchnormBackward: {
    dims: [7, 8],
    buffers: ([dx, dg, db, dy, xhat, invstd, g, R, C]) => [
      ["dx", dx, R * C], ["dgamma", dg, C], ["dbeta", db, C], ["dy", dy, R * C],
      ["xhat", xhat, R * C], ["invstd", invstd, C], ["gamma", g, C],
    ],
  },
  layernormForward: {
    dims: [6, 7],
    buffers: ([y, mean, rstd, x, w, b, R, C]) => [
      ["y", y, R * C], ["mean", mean, R], ["rstd", rstd, R], ["x", x, R * C], ["w", w, C], ["b", b, C],
    ],
  },
  layernormBackward: {
    dims: [8, 9],
    buffers: ([dx, dw, db, dy, x, mean, rstd, w, R, C]) => [
      ["dx", dx, R * C], ["dw", dw, C], ["db", db, C], ["dy", dy, R * C], ["x", x, R * C],
      ["mean", mean, R], ["rstd", rstd, R], ["w", w, C],
    ],
  },
  softmaxCrossEntropyForward: {
    dims: [3, 4],
    buffers: ([p, l, t, R, V]) => [["probs", p, R * V], ["logits", l, R * V], ["targets", t, R]],
  },
  softmaxCrossEntropyBackward: {
    dims: [3, 4],
    buffers: ([dl, p, t, R, V]) => [["dlogits", dl, R * V], ["probs", p, R * V], ["targets", t, R]],
  },
  attentionForward: {
    dims: [3, 4, 5, 6],
    buffers: ([out, att, qkv, B, T, C, NH]) => [
      ["out", out, B * T * C], ["att", att, B * NH * T * T], ["qkv", qkv, B * T * 3 * C],
    ],
  },
  attentionBackward: {
    dims: [5, 6, 7, 8],
    buffers: ([dqkv, datt, dout, qkv, att, B, T, C, NH]) => [
      ["dqkv", dqkv, B * T * 3 * C], ["datt", datt, T * T], ["dout", dout, B * T * C],
      ["qkv", qkv, B * T * 3 * C], ["att", att, B * NH * T * T],
    ],
  },
  sgdStep: elementwise("param", "grad", "velocity"),
  adamwStep: { dims: [4], buffers: ([p, g, m, v, n]) => [["param", p, n], ["grad", g, n], ["m", m, n], ["v", v, n]] },
};

export function checkCall(arena: Arena, kernel: string, args: number[]): void {
  const spec = SPECS[kernel as keyof KernelOps];
  for (const i of spec.dims) {
    const d = args[i];
    if (!Number.isInteger(d) || d < 1 || d > 0x7fffffff)
      throw new RangeError(`${kernel}: dimension argument ${i} must be a positive integer, got ${d}`);
  }
  for (const [name, ptr, len] of spec.buffers(args)) arena.check(kernel, name, ptr, len);
}
