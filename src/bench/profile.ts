// Where one training step's time goes, and whether memory stays flat over many steps.
//
// profileStep wraps every method of the model's Kernels object (the checked kernels every layer
// calls through ctx.k) with a timed checkCall + raw kernel call, runs steps, then restores the
// originals. Per step it reports each kernel category, the argument checks, the minibatch
// sampling (from the start of trainStep to its first kernel call) and JS glue: the rest of the
// profiled step (layer code, loops, calls), net of the timer's own cost. Timers add a little to every
// kernel call, so the profiled step is slightly slower than the unprofiled one, reported beside it.
import { constants as perf, PerformanceObserver } from "node:perf_hooks";
import { checkCall, SPECS } from "../kernels/checks.js";
import { createJsKernels } from "../kernels/js/index.js";
import { createWasmKernels } from "../kernels/wasm.js";
import type { BackendName, KernelOps } from "../kernels/types.js";
import { median } from "./stats.js";
import { createWasmoreTrainer, loadBenchData, measureStepsPerSec, type BenchData } from "./train.js";

export type KernelCategory = "matmul" | "batchnorm" | "elementwise" | "embedding" | "loss" | "optimizer" | "other";

const CATEGORY: Partial<Record<keyof KernelOps, KernelCategory>> = {
  matmul: "matmul",
  matmulTN: "matmul",
  matmulNT: "matmul",
  transpose: "matmul",
  addBias: "elementwise",
  biasBackward: "elementwise",
  embeddingForward: "embedding",
  embeddingBackward: "embedding",
  embeddingSumForward: "embedding",
  embeddingSumBackward: "embedding",
  tanhForward: "elementwise",
  tanhBackward: "elementwise",
  geluForward: "elementwise",
  multiplyAccumulate: "elementwise",
  add: "elementwise",
  accumulate: "elementwise",
  scale: "elementwise",
  zero: "elementwise",
  copy: "elementwise",
  sumSquares: "optimizer",
  dropoutForward: "elementwise",
  batchnormForward: "batchnorm",
  batchnormBackward: "batchnorm",
  layernormForward: "other",
  layernormBackward: "other",
  softmaxCrossEntropyForward: "loss",
  softmaxCrossEntropyBackward: "loss",
  sgdStep: "optimizer",
  adamwStep: "optimizer",
};

export interface StepProfile {
  preset: string;
  backend: BackendName;
  /** profiled steps averaged */
  steps: number;
  /** median ms per unprofiled step (measureStepsPerSec with the same step count, which also warms up) */
  step_ms: number;
  /** ms per profiled step */
  profiled_step_ms: number;
  /** ms per step: kernel categories, "checks", "sampling", "glue" */
  parts: Record<string, number>;
  /** per kernel: calls and ms per step (kernel time without its argument check) */
  kernels: { name: string; category: KernelCategory; calls: number; ms: number }[];
}

export interface ProfileOptions {
  /** profiled steps (default 2000) */
  steps?: number;
  /** names file (default synthetic ids) */
  data?: string | BenchData;
}

/** Profile one training step of `preset` on `backend` (averaged over many steps after a warm-up). */
export async function profileStep(preset: string, backend: BackendName = "wasm", opts: ProfileOptions = {}): Promise<StepProfile> {
  const steps = opts.steps ?? 2000;
  const data = typeof opts.data === "object" ? opts.data : await loadBenchData(opts.data);
  const trainer = createWasmoreTrainer(preset, backend, data);
  const model = trainer.model;
  const stepMs = 1000 / measureStepsPerSec(() => trainer.trainStep(), { steps }); // also the warm-up

  const now = performance.now.bind(performance);
  // Cost of one timer read, subtracted per read below.
  const probes = 100_000;
  const t0 = now();
  for (let i = 0; i < probes; i++) now();
  const perRead = (now() - t0) / probes;

  // The checked kernels every layer calls, and the same backend's raw kernels over the same arena
  // (a second instance of the wasm module shares the compiled code and the memory), so the
  // argument check and the kernel are timed apart.
  const k = model.k as unknown as Record<string, (...args: number[]) => unknown>;
  const raw = (backend === "js" ? createJsKernels(model.arena) : createWasmKernels(model.arena, backend === "wasm" ? "simd" : "scalar")) as unknown as Record<
    string,
    (...args: number[]) => unknown
  >;
  const names = Object.keys(SPECS) as (keyof KernelOps)[];
  const originals = names.map((name) => k[name]);
  // per kernel index: kernel ms, check ms, calls (typed arrays keep the wrappers cheap)
  const kernelMs = new Float64Array(names.length);
  const checkMs = new Float64Array(names.length);
  const calls = new Float64Array(names.length);
  let stepStart = 0;
  let firstCall = true;
  let sampling = 0;
  let reads = 0;
  names.forEach((name, i) => {
    const fn = raw[name];
    k[name] = (...args: number[]) => {
      const a = now();
      if (firstCall) {
        sampling += a - stepStart;
        firstCall = false;
      }
      checkCall(model.arena, name, args);
      const b = now();
      const r = fn(...args);
      const c = now();
      reads += 3;
      checkMs[i] += b - a;
      kernelMs[i] += c - b;
      calls[i]++;
      return r;
    };
  });
  let total = 0;
  try {
    for (let i = 0; i < steps; i++) {
      firstCall = true;
      stepStart = now();
      trainer.trainStep();
      total += now() - stepStart;
      reads += 2;
    }
  } finally {
    names.forEach((name, i) => (k[name] = originals[i]));
  }

  const parts: Record<string, number> = {};
  const kernels: StepProfile["kernels"] = [];
  let checks = 0;
  let inKernels = 0;
  names.forEach((name, i) => {
    if (calls[i] === 0) return;
    const ms = kernelMs[i] / steps;
    const category = CATEGORY[name] ?? "other";
    parts[category] = (parts[category] ?? 0) + ms;
    checks += checkMs[i] / steps;
    inKernels += ms;
    kernels.push({ name, category, calls: calls[i] / steps, ms });
  });
  parts.checks = checks;
  parts.sampling = sampling / steps;
  parts.glue = Math.max(0, (total - reads * perRead) / steps - inKernels - checks - parts.sampling);
  kernels.sort((a, b) => b.ms - a.ms);
  return { preset, backend, steps, step_ms: stepMs, profiled_step_ms: total / steps, parts, kernels };
}

export function formatProfile(p: StepProfile): string {
  const pct = (ms: number) => ((100 * ms) / p.profiled_step_ms).toFixed(1).padStart(5) + "%";
  const us = (ms: number) => (ms * 1000).toFixed(1).padStart(8) + " µs";
  const lines = [
    `${p.preset} on ${p.backend}: ${us(p.step_ms).trim()} per step unprofiled, ${us(p.profiled_step_ms).trim()} profiled (${p.steps} steps)`,
    ...Object.entries(p.parts)
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => `  ${name.padEnd(12)} ${us(ms)} ${pct(ms)}`),
    "  per kernel (calls/step, time/step):",
    ...p.kernels.map((x) => `    ${x.name.padEnd(28)} ${String(x.calls).padStart(3)}× ${us(x.ms)} ${pct(x.ms)}`),
  ];
  return lines.join("\n");
}

export interface MemorySnapshot {
  step: number;
  rss_mb: number;
  heap_used_mb: number;
  external_mb: number;
}

export interface MemoryCheck {
  preset: string;
  backend: BackendName;
  steps: number;
  /** after warm-up, then at every tenth of the run */
  snapshots: MemorySnapshot[];
  /** garbage collections during the measured steps, by kind */
  gc: { minor: number; major: number; other: number };
  /** whether snapshots followed a forced gc (node --expose-gc) */
  forcedGc: boolean;
}

/**
 * Run `steps` training steps and record process.memoryUsage() at every tenth, plus how many garbage
 * collections ran (a step that allocates nothing triggers none). Run node with --expose-gc for
 * snapshots after a full collection.
 */
export async function memoryFlatness(preset: string, backend: BackendName = "wasm", steps = 100_000, data?: string | BenchData): Promise<MemoryCheck> {
  const d = typeof data === "object" ? data : await loadBenchData(data);
  const trainer = createWasmoreTrainer(preset, backend, d);
  for (let i = 0; i < Math.min(1000, steps); i++) trainer.trainStep(); // warm-up
  const gcFn = (globalThis as { gc?: () => void }).gc;
  const snap = (step: number): MemorySnapshot => {
    gcFn?.();
    const m = process.memoryUsage();
    const mb = (x: number) => Math.round((x / 2 ** 20) * 100) / 100;
    return { step, rss_mb: mb(m.rss), heap_used_mb: mb(m.heapUsed), external_mb: mb(m.external) };
  };
  // GC entries arrive asynchronously (after a timer tick): keep them all and afterwards count the
  // ones that started inside a stretch of steps, not the forced collections of the snapshots.
  const entries: { start: number; kind: number | undefined }[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) entries.push({ start: e.startTime, kind: (e as { detail?: { kind?: number } }).detail?.kind });
  });
  obs.observe({ entryTypes: ["gc"] });
  const stretches: [number, number][] = [];
  const snapshots = [snap(0)];
  for (let part = 1; part <= 10; part++) {
    const end = Math.round((steps * part) / 10);
    const t0 = performance.now();
    for (let i = Math.round((steps * (part - 1)) / 10); i < end; i++) trainer.trainStep();
    stretches.push([t0, performance.now()]);
    snapshots.push(snap(end));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  obs.disconnect();
  const gc = { minor: 0, major: 0, other: 0 };
  for (const e of entries) {
    if (!stretches.some(([a, b]) => e.start >= a && e.start < b)) continue;
    if (e.kind === perf.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
    else if (e.kind === perf.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
    else gc.other++;
  }
  return { preset, backend, steps, snapshots, gc, forcedGc: gcFn !== undefined };
}

export function formatMemoryCheck(m: MemoryCheck): string {
  const first = m.snapshots[0];
  const last = m.snapshots[m.snapshots.length - 1];
  const heap = m.snapshots.map((s) => s.heap_used_mb);
  return [
    `${m.preset} on ${m.backend}, ${m.steps.toLocaleString("en-US")} steps${m.forcedGc ? " (snapshots after a forced gc)" : ""}:`,
    `  rss ${first.rss_mb} → ${last.rss_mb} MB, heapUsed ${first.heap_used_mb} → ${last.heap_used_mb} MB (median ${median(heap).toFixed(2)}), external ${first.external_mb} → ${last.external_mb} MB`,
    `  garbage collections during the steps: ${m.gc.minor} minor, ${m.gc.major} major, ${m.gc.other} other (${((1000 * m.gc.minor) / m.steps).toFixed(2)} minor per 1000 steps)`,
  ].join("\n");
}
