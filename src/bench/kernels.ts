// Kernel benchmark: the matmul family in all three layouts over the makemore and GPT shapes (plus
// 256³ and 1024³) and with its two epilogues (bias, tanh′), and the loss, BatchNorm, transpose, summed-embedding, tanh, GELU, LayerNorm and
// attention kernels, on each backend. Kernels are called unchecked (the raw backend functions, as the
// WASM exports are), so the numbers are the kernels' own cost.
// A kernel a backend does not have yet (missing, or throwing "not implemented"/"lacks kernel") is skipped.
import { Arena } from "../memory/arena.js";
import { createJsKernels } from "../kernels/js/index.js";
import type { KernelOps } from "../kernels/types.js";
import { createWasmKernels } from "../kernels/wasm.js";
import { median, timeIt, type TimingOptions } from "./stats.js";

export type BenchBackend = "js" | "wasm-scalar" | "wasm-simd";
const BENCH_BACKENDS: BenchBackend[] = ["js", "wasm-scalar", "wasm-simd"];

export interface KernelBenchRow {
  kernel: string;
  /** NN = A·B, TN = Aᵀ·B, NT = A·Bᵀ; "-" for kernels without layouts. */
  layout: string;
  /** Operand shapes as used, e.g. "[32x30]@[30x200]" (M,K,N the same in every layout) or "[32x27]". */
  shape: string;
  backend: BenchBackend;
  /** Median time per call, ms. */
  median_ms: number;
  /** Matmuls: 2·M·K·N / time. */
  gflops: number | null;
  /** js time / this time (null when js could not run it). */
  speedup_vs_js: number | null;
}

export interface KernelBenchOptions {
  /** For the caller (the CLI prints JSON instead of the table); the rows are the same. */
  json?: boolean;
  /** Only cases whose "kernel layout shape" contains this text (case-insensitive). */
  filter?: string;
  /** Shorter samples, fewer of them, and no 1024³. */
  quick?: boolean;
}

/** The lecture (makemore, batch 32) matmul shapes as [M, K, N]. */
export const LECTURE_SHAPES: [number, number, number][] = [
  [32, 30, 200], [128, 48, 128], [64, 256, 128], [32, 256, 128], [32, 128, 27], [32, 200, 27],
];
const LAYOUTS = [
  ["NN", "matmul"],
  ["TN", "matmulTN"],
  ["NT", "matmulNT"],
] as const;
type Layout = (typeof LAYOUTS)[number][0];

type Setup = (arena: Arena, ops: KernelOps) => () => void;
interface Case {
  kernel: string;
  layout: string;
  shape: string;
  flops: number | null;
  /** Every kernel the case calls (a backend lacking one skips the case). */
  needs: (keyof KernelOps)[];
  /** Allocates and fills the case's buffers, returns the timed call. */
  setup: Setup;
}

/** Deterministic data in [-1, 1) (a small LCG; benchmark inputs need no statistical quality). */
function fill(arena: Arena, ptr: number, n: number, seed: number): void {
  const f = arena.f32;
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f[(ptr >> 2) + i] = s / 2 ** 31 - 1;
  }
}
function randomF32(arena: Arena, n: number, seed: number, name: string): number {
  const r = arena.alloc(n, name);
  fill(arena, r.ptr, n, seed);
  return r.ptr;
}

/**
 * The matmuls of the GPT preset's step (R = B·T = 512 rows) for each Linear in → out (c_attn 64 → 192,
 * attn c_proj 64 → 64, c_fc 64 → 256, mlp c_proj 256 → 64): forward NT [R,in,out], input gradient NN
 * [R,out,in], weight gradient TN [out,R,in], as [layout, M, K, N].
 */
export const GPT_MATMULS: [Layout, number, number, number][] = [[64, 192], [64, 64], [64, 256], [256, 64]].flatMap(
  ([i, o]): [Layout, number, number, number][] => [["NT", 512, i, o], ["NN", 512, o, i], ["TN", o, 512, i]],
);

/** Every layout of each [M, K, N] shape, or the given layout of [layout, M, K, N] entries. */
function matmulCases(shapes: [number, number, number][], only: [Layout, number, number, number][] = []): Case[] {
  const cases: Case[] = [];
  const entries = [
    ...shapes.flatMap(([M, K, N]) => LAYOUTS.map(([layout, kernel]) => ({ layout, kernel, M, K, N }))),
    ...only.map(([layout, M, K, N]) => ({ layout, kernel: LAYOUTS.find(([l]) => l === layout)![1], M, K, N })),
  ];
  for (const { layout, kernel, M, K, N } of entries)
    cases.push({
      kernel: "matmul",
      layout,
      shape: `[${M}x${K}]@[${K}x${N}]`,
      flops: 2 * M * K * N,
      needs: [kernel],
      setup: (arena, ops) => {
        const a = randomF32(arena, M * K, 1, "A");
        const b = randomF32(arena, K * N, 2, "B");
        const c = arena.alloc(M * N, "C").ptr;
        if (kernel === "matmulTN") return () => ops.matmulTN(c, a, b, M, K, N, 0);
        const fn = ops[kernel];
        return () => fn(c, a, b, M, K, N, 0, 0);
      },
    });
  return cases;
}

/**
 * One matmul with an epilogue: C [M,N] from A [M,K], B (K·N floats) and the epilogue's operand
 * (`extra` floats), computed by `call`.
 */
function epilogueCase(
  epilogue: string, layout: Layout, need: keyof KernelOps, [M, K, N]: [number, number, number], extra: number,
  call: (ops: KernelOps, c: number, a: number, b: number, extra: number) => void,
): Case {
  return {
    kernel: `matmul + ${epilogue}`,
    layout,
    shape: `[${M}x${K}]@[${K}x${N}]`,
    flops: 2 * M * K * N,
    needs: [need],
    setup: (arena, ops) => {
      const [a, b, e] = [randomF32(arena, M * K, 1, "A"), randomF32(arena, K * N, 2, "B"), randomF32(arena, extra, 3, epilogue)];
      const c = arena.alloc(M * N, "C").ptr;
      return () => call(ops, c, a, b, e);
    },
  };
}

/** The matmul epilogues the MLP's step uses: a Linear's bias, and a Tanh's backward in the next Linear's. */
function epilogueCases(): Case[] {
  return [
    epilogueCase("bias", "NT", "matmulNT", [32, 30, 200], 200, (ops, c, a, b, bias) => ops.matmulNT(c, a, b, 32, 30, 200, 0, bias)),
    epilogueCase("tanh′", "NN", "matmul", [32, 27, 200], 32 * 200, (ops, c, a, b, y) => ops.matmul(c, a, b, 32, 27, 200, 0, y)),
  ];
}

function otherCases(): Case[] {
  const cases: Case[] = [];
  for (const [R, V] of [[32, 27], [4096, 27]])
    cases.push({
      kernel: "softmaxCrossEntropy fwd+bwd",
      layout: "-",
      shape: `[${R}x${V}]`,
      flops: null,
      needs: ["softmaxCrossEntropyForward", "softmaxCrossEntropyBackward"],
      setup: (arena, ops) => {
        const logits = randomF32(arena, R * V, 3, "logits");
        const probs = arena.alloc(R * V, "probs").ptr;
        const dlogits = arena.alloc(R * V, "dlogits").ptr;
        const targets = arena.alloc(R, "targets", "i32");
        const t = targets.ints;
        for (let i = 0; i < R; i++) t[i] = (i * 7) % V;
        return () => {
          ops.softmaxCrossEntropyForward(probs, logits, targets.ptr, R, V);
          ops.softmaxCrossEntropyBackward(dlogits, probs, targets.ptr, R, V);
        };
      },
    });
  for (const [R, C] of [[32, 200], [256, 128]])
    cases.push({
      kernel: "batchnorm fwd+bwd",
      layout: "-",
      shape: `[${R}x${C}]`,
      flops: null,
      needs: ["batchnormForward", "batchnormBackward"],
      setup: (arena, ops) => {
        const x = randomF32(arena, R * C, 4, "x");
        const dy = randomF32(arena, R * C, 5, "dy");
        const gamma = randomF32(arena, C, 6, "gamma");
        const beta = randomF32(arena, C, 7, "beta");
        const y = arena.alloc(R * C, "y").ptr;
        const xhat = arena.alloc(R * C, "xhat").ptr;
        const dx = arena.alloc(R * C, "dx").ptr;
        const invstd = arena.alloc(C, "invstd").ptr;
        const runningMean = arena.alloc(C, "runningMean").ptr;
        const runningVar = arena.alloc(C, "runningVar").ptr;
        const dgamma = arena.alloc(C, "dgamma").ptr;
        const dbeta = arena.alloc(C, "dbeta").ptr;
        return () => {
          ops.batchnormForward(y, xhat, invstd, x, gamma, beta, runningMean, runningVar, R, C, 0.1, 1e-5, 1);
          ops.batchnormBackward(dx, dgamma, dbeta, dy, xhat, invstd, gamma, R, C, 1);
        };
      },
    });
  // the lecture WaveNet's first layer as tables (src/nn/fusion.ts): W [128, 48] transposed, and
  // 128 rows of 2 summed lookups of 128-wide table rows, forward and scatter-add backward
  cases.push({
    kernel: "transpose",
    layout: "-",
    shape: "[128x48]",
    flops: null,
    needs: ["transpose"],
    setup: (arena, ops) => {
      const src = randomF32(arena, 128 * 48, 17, "src");
      const dst = arena.alloc(128 * 48, "dst").ptr;
      return () => ops.transpose(dst, src, 128, 48, 0);
    },
  });
  cases.push({
    kernel: "embeddingSum fwd+bwd",
    layout: "-",
    shape: "R128 n2 C128 V27",
    flops: null,
    needs: ["embeddingSumForward", "embeddingSumBackward"],
    setup: (arena, ops) => {
      const [R, n, C, V] = [128, 2, 128, 27];
      const table = randomF32(arena, n * V * C, 18, "table");
      const dout = randomF32(arena, R * C, 19, "dout");
      const out = arena.alloc(R * C, "out").ptr;
      const dtable = arena.alloc(n * V * C, "dtable").ptr;
      const idx = arena.alloc(R * n, "idx", "i32");
      for (let i = 0; i < R * n; i++) idx.ints[i] = (i * 11) % V;
      return () => {
        ops.embeddingSumForward(out, table, idx.ptr, R, n, C, V);
        ops.embeddingSumBackward(dtable, dout, idx.ptr, R, n, C, V);
      };
    },
  });
  const n = 32 * 200;
  cases.push({
    kernel: "tanhForward",
    layout: "-",
    shape: `[32x200]`,
    flops: null,
    needs: ["tanhForward"],
    setup: (arena, ops) => {
      const x = randomF32(arena, n, 8, "x");
      const y = arena.alloc(n, "y").ptr;
      return () => ops.tanhForward(y, x, n);
    },
  });
  return cases.concat(gptCases());
}

/** The GPT preset's kernels at its training shape: B 32 × T 16 = 512 rows, C 64, 4 heads. */
export const GPT_SHAPE = { B: 32, T: 16, C: 64, NH: 4 };

function gptCases(): Case[] {
  const { B, T, C, NH } = GPT_SHAPE;
  const R = B * T;
  const hs = C / NH;
  const cases: Case[] = [];
  for (const approximate of [0, 1] as const)
    cases.push({
      kernel: `gelu fwd+bwd (${approximate ? "tanh" : "erf"})`,
      layout: "-",
      shape: `[${R}x${4 * C}]`,
      flops: null,
      needs: ["geluForward", "multiplyAccumulate"],
      setup: (arena, ops) => {
        const n = R * 4 * C;
        const x = randomF32(arena, n, 9, "x");
        const dy = randomF32(arena, n, 10, "dy");
        const y = arena.alloc(n, "y").ptr;
        const dx = arena.alloc(n, "dx").ptr;
        const dydx = arena.alloc(n, "dydx").ptr;
        return () => {
          ops.geluForward(y, dydx, x, n, approximate, 1);
          ops.multiplyAccumulate(dx, dy, dydx, n);
        };
      },
    });
  cases.push({
    kernel: "layernorm fwd+bwd",
    layout: "-",
    shape: `[${R}x${C}]`,
    flops: null,
    needs: ["layernormForward", "layernormBackward"],
    setup: (arena, ops) => {
      const x = randomF32(arena, R * C, 11, "x");
      const dy = randomF32(arena, R * C, 12, "dy");
      const w = randomF32(arena, C, 13, "w");
      const b = randomF32(arena, C, 14, "b");
      const [y, dx] = [arena.alloc(R * C, "y").ptr, arena.alloc(R * C, "dx").ptr];
      const [mean, rstd] = [arena.alloc(R, "mean").ptr, arena.alloc(R, "rstd").ptr];
      const [dw, db] = [arena.alloc(C, "dw").ptr, arena.alloc(C, "db").ptr];
      return () => {
        ops.layernormForward(y, mean, rstd, x, w, b, R, C, 1e-5);
        ops.layernormBackward(dx, dw, db, dy, x, mean, rstd, w, R, C);
      };
    },
  });
  // q·k and att·v forward, then datt, dq, dk, dv backward: 6 products of 2·hs flops per causal pair
  const pairs = B * NH * ((T * (T + 1)) / 2);
  // with nanoGPT-style dropout on the probabilities too (the mask drawn forward, recomputed backward)
  for (const p of [0, 0.1])
    cases.push({
      kernel: p > 0 ? `attention fwd+bwd, dropout ${p}` : "attention fwd+bwd",
      layout: "-",
      shape: `B${B} T${T} C${C} NH${NH}`,
      flops: 6 * 2 * hs * pairs,
      needs: ["attentionForward", "attentionBackward"],
      setup: (arena, ops) => {
        const qkv = randomF32(arena, R * 3 * C, 15, "qkv");
        const dout = randomF32(arena, R * C, 16, "dout");
        const out = arena.alloc(R * C, "out").ptr;
        const att = arena.alloc(B * NH * T * T, "att").ptr;
        const dropped = arena.alloc(B * NH * T * T, "dropped").ptr;
        const datt = arena.alloc(T * T, "datt").ptr;
        const dqkv = arena.alloc(R * 3 * C, "dqkv").ptr;
        return () => {
          ops.attentionForward(out, att, qkv, B, T, C, NH, p, 7, dropped);
          ops.attentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH, p, 7, dropped);
        };
      },
    });
  return cases;
}

const notYet = (e: unknown): boolean => /lacks kernel|not implemented/i.test(String((e as Error)?.message ?? e));

export async function benchKernels(opts: KernelBenchOptions = {}): Promise<KernelBenchRow[]> {
  const big: [number, number, number][] = opts.quick ? [[256, 256, 256]] : [[256, 256, 256], [1024, 1024, 1024]];
  const filter = opts.filter?.toLowerCase();
  const cases = [...matmulCases([...LECTURE_SHAPES, ...big], GPT_MATMULS), ...epilogueCases(), ...otherCases()].filter(
    (c) => !filter || `${c.kernel} ${c.layout} ${c.shape}`.toLowerCase().includes(filter),
  );
  const timing: TimingOptions = opts.quick ? { minSampleMs: 5, samples: 5, warmupMs: 10 } : {};

  const arena = new Arena({ initialBytes: 64 << 20 });
  const backends: Record<BenchBackend, Partial<KernelOps> | null> = {
    js: tryCreate(() => createJsKernels(arena)),
    "wasm-scalar": tryCreate(() => createWasmKernels(arena, "scalar")),
    "wasm-simd": tryCreate(() => createWasmKernels(arena, "simd")),
  };

  const rows: KernelBenchRow[] = [];
  if (!filter || "ceiling".includes(filter)) rows.push(measureCeiling(arena, timing));
  for (const c of cases) {
    let jsMs: number | null = null;
    for (const backend of BENCH_BACKENDS) {
      const ops = backends[backend];
      if (!ops || c.needs.some((name) => typeof ops[name] !== "function")) continue;
      const mark = arena.mark();
      try {
        const call = c.setup(arena, ops as KernelOps);
        const { median_ms } = timeIt(call, timing);
        if (backend === "js") jsMs = median_ms;
        rows.push({
          kernel: c.kernel,
          layout: c.layout,
          shape: c.shape,
          backend,
          median_ms,
          gflops: c.flops === null ? null : c.flops / median_ms / 1e6,
          speedup_vs_js: jsMs === null ? null : jsMs / median_ms,
        });
      } catch (e) {
        if (!notYet(e)) throw e;
      } finally {
        arena.release(mark);
      }
    }
    // Let the event loop breathe between cases (the CLI may print progress or handle signals).
    await new Promise((resolve) => setImmediate(resolve));
  }
  return rows;
}

/**
 * The SIMD ceiling of this machine: the matmul tile's inner loop with every operand in registers
 * (assembly/peak.ts), 64 FLOP a step. A ceiling is a best case: the fastest of 5 medians (this
 * machine's clock varies by ~1.5× from minute to minute). Matmul rows are best read against it.
 */
function measureCeiling(arena: Arena, timing: TimingOptions): KernelBenchRow {
  const { simdPeak } = createWasmKernels(arena, "simd") as unknown as { simdPeak(n: number, p: number): number };
  const mark = arena.mark();
  const p = randomF32(arena, 16, 1, "peak");
  const steps = 100_000;
  const median_ms = Math.min(...Array.from({ length: 5 }, () => timeIt(() => simdPeak(steps, p), timing).median_ms));
  arena.release(mark);
  return { kernel: "ceiling", layout: "-", shape: "registers only", backend: "wasm-simd", median_ms, gflops: (64 * steps) / median_ms / 1e6, speedup_vs_js: null };
}

function tryCreate(create: () => Partial<KernelOps>): Partial<KernelOps> | null {
  try {
    return create();
  } catch (e) {
    if (notYet(e)) return null;
    throw e;
  }
}

/** A text table of the rows, plus the wasm-simd matmul GFLOP/s summary over the lecture shapes. */
export function formatKernelTable(rows: KernelBenchRow[]): string {
  const header = ["kernel", "layout", "shape", "backend", "ms/call", "GFLOP/s", "× js"];
  const body = rows.map((r) => [
    r.kernel,
    r.layout,
    r.shape,
    r.backend,
    r.median_ms < 0.1 ? r.median_ms.toFixed(5) : r.median_ms.toFixed(3),
    r.gflops === null ? "" : r.gflops.toFixed(1),
    r.speedup_vs_js === null ? "" : r.speedup_vs_js.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const numeric = new Set([4, 5, 6]);
  const format = (line: string[]) =>
    line.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ").trimEnd();
  const lines = [format(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(format)];

  const lecture = new Set(LECTURE_SHAPES.map(([M, K, N]) => `[${M}x${K}]@[${K}x${N}]`));
  const simd = rows.filter((r) => r.kernel === "matmul" && r.backend === "wasm-simd" && lecture.has(r.shape));
  const ceiling = rows.find((r) => r.kernel === "ceiling");
  if (simd.length > 0) {
    const gf = simd.map((r) => r.gflops ?? 0);
    const speedups = simd.map((r) => r.speedup_vs_js).filter((s): s is number => s !== null);
    lines.push(
      "",
      `wasm-simd matmul over ${simd.length} lecture shape×layout cases: median ${median(gf).toFixed(1)} GFLOP/s, ` +
        `min ${Math.min(...gf).toFixed(1)}, max ${Math.max(...gf).toFixed(1)}` +
        (speedups.length ? `; median ${median(speedups).toFixed(1)}× js` : "") +
        (ceiling?.gflops ? `; median ${((100 * median(gf)) / ceiling.gflops).toFixed(0)}% of this machine's ceiling (${ceiling.gflops.toFixed(1)} GFLOP/s)` : ""),
    );
  }
  return lines.join("\n");
}
