// Training benchmark: steady-state training steps (and tokens) per second on one core, for each
// preset at its recipe's batch size, on wasmore's wasm and js backends and — in the same run, when
// installed — the same model and step in TensorFlow.js (wasm and cpu backends, src/bench/tfjs.ts; not
// the GPTs) and PyTorch (reference/bench_torch.py, one thread). A step is what training does: sample
// a minibatch, zero the gradients, forward, mean cross-entropy, backward, the recipe's update
// (wasmore: Trainer.trainStep(); the lecture models SGD, the GPTs AdamW with gradient clipping at 1
// and their dropout). Tokens per step: B for the next-character models, B·T for a GPT (every
// position is predicted; padding past a name's end is counted too).
//
// Timing (every engine alike, PyTorch in Python): warm up, then take 5 samples of consecutive steps
// and report the median of their steps/s. With `steps` each sample is a fixed step count (the warm-up
// is `steps` steps); otherwise each sample lasts a fixed time.
// FLOPs per step are counted analytically: each Linear layer (a GPT's lm_head included) does
// 2·R·in·out FLOPs forward and twice that backward (dW = doutᵀ·x and dx = dout·W), so 3 × Σ 2·R·in·out.
// A GPT's attention adds its two matmuls, QKᵀ and att·V, 2·2·B·NH·T²·hs = 4·B·T²·C forward per layer,
// counted over the FULL T×T square (what PyTorch computes; the causal lower triangle is about half) and
// likewise ×3. Everything else (norms, activations, softmax, loss, optimiser, embeddings) is left out.
// GFLOP/s is that count × steps/s, for every engine alike.
import { makeSchedule } from "../optim/schedule.js";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildContexts, splitWords, Vocab } from "../data/index.js";
import { loadNames } from "../data/load-node.js";
import { Model, namedLayers } from "../models/model.js";
import { buildNetwork, contextSize, type NetworkConfig } from "../models/networks.js";
import { Linear } from "../nn/linear.js";
import { size } from "../nn/layer.js";
import { PRESETS } from "../train/presets.js";
import { Trainer, type Examples } from "../train/trainer.js";
import type { BackendName } from "../kernels/types.js";
import { median } from "./stats.js";
import { createTfjsTrainer, loadTfjs, tfjsUnavailable, useTfjsBackend, type TfjsBackend } from "./tfjs.js";

export const TRAIN_BENCH_MODELS = ["mlp", "bnmlp", "wavenet"] as const;
export const TRAIN_BENCH_ENGINES = ["wasmore-wasm", "wasmore-js", "tfjs-wasm", "tfjs-cpu", "pytorch"] as const;
export type TrainBenchEngine = (typeof TRAIN_BENCH_ENGINES)[number];

/** 128-bit SIMD peak of one core of the reference machine: ~3.86 GHz × 16 FLOP/cycle. */
export const PEAK_GFLOPS = 62;
export const BENCH_BATCH = 32;
/** Vocabulary of the synthetic data (names.txt has 26 letters + '.'). */
const SYNTHETIC_VOCAB = 27;
/** Examples in the synthetic data (about names.txt's training split). */
const SYNTHETIC_COUNT = 182_625;
const SAMPLES = 5;
const DEFAULT_SECONDS = 3;

export interface Row {
  model: string;
  engine: TrainBenchEngine;
  /** median steps/s over the samples */
  steps_per_sec: number;
  ms_per_step: number;
  /** analytic Linear-layer FLOPs per step × steps/s, in 1e9/s */
  gflops: number;
  /** what the engine used, e.g. PyTorch's BLAS or TensorFlow.js's embedding */
  detail?: string;
}

export interface BenchTrainOptions {
  /** presets to run (default mlp, bnmlp, wavenet) */
  models?: string[];
  /** engines to run (default all) */
  engines?: string[];
  /** fixed-count mode: warm up `steps` steps, then 5 samples of ⌈steps/5⌉ steps each */
  steps?: number;
  /** timed mode (when `steps` is not given): seconds per row, 40% warm-up, 5 samples share the rest (default 3) */
  seconds?: number;
  /** for the caller (the CLI prints JSON instead of the table); rows are the same */
  json?: boolean;
  /** a names file to build the examples from (default: synthetic ids over a 27-character vocabulary) */
  data?: string;
  /** the Python with torch (default /usr/bin/python3) */
  python?: string;
  /** progress and skip notes (default: to stderr) */
  log?: (line: string) => void;
}

/** Training examples for every context size the models need, and the vocabulary size. */
export interface BenchData {
  vocabSize: number;
  /** where the examples came from */
  source: string;
  /** the names (when loaded from a file), to hand the same data to PyTorch */
  words?: string[];
  examples(blockSize: number): Examples;
}

/** Examples from a names file (lecture pipeline: Python-compatible shuffle, 80% train split) or synthetic ids. */
export async function loadBenchData(path?: string): Promise<BenchData> {
  if (path) {
    const words = await loadNames(path);
    const vocab = Vocab.forWords(words, path);
    const train = splitWords(words).train;
    const cache = new Map<number, Examples>();
    return {
      vocabSize: vocab.size,
      source: path,
      words,
      examples: (T) => {
        if (!cache.has(T)) cache.set(T, buildContexts(train, vocab, T));
        return cache.get(T)!;
      },
    };
  }
  return {
    vocabSize: SYNTHETIC_VOCAB,
    source: `synthetic ids (vocabulary ${SYNTHETIC_VOCAB}, ${SYNTHETIC_COUNT} examples)`,
    examples: (T) => syntheticExamples(T, SYNTHETIC_COUNT, SYNTHETIC_VOCAB),
  };
}

function syntheticExamples(T: number, count: number, V: number): Examples {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % V);
  const X = new Int32Array(count * T).map(next);
  const Y = new Int32Array(count).map(next);
  return { X, Y, count };
}

/** The model and trainer exactly as `wasmore train` builds them for a preset (batch 32, seed 42). */
export function createWasmoreTrainer(preset: string, backend: BackendName, data: BenchData): Trainer {
  const p = PRESETS[preset];
  if (!p) throw new RangeError(`unknown preset ${preset}`);
  const config = p.model(data.vocabSize) as NetworkConfig;
  const model = new Model(buildNetwork(config), { backend, maxBatch: BENCH_BATCH, inputShape: [contextSize(config)] });
  const r = p.recipe;
  return new Trainer(model, data.examples(contextSize(config)), {
    steps: r.steps,
    batchSize: BENCH_BATCH,
    schedule: makeSchedule(r.schedule, r.steps, r.lr),
    optimizer: r.optimizer,
    gradClip: r.gradClip,
    seed: 42,
  });
}

/** Analytic FLOPs of one training step of a preset: 3 × Σ over Linear layers of 2·R·in·out. */
export function trainStepFlops(preset: string, vocabSize = SYNTHETIC_VOCAB, B = BENCH_BATCH): number {
  const config = PRESETS[preset].model(vocabSize) as NetworkConfig;
  const net = buildNetwork(config);
  net.setInputShape([contextSize(config)]);
  let flops = 0;
  for (const [, layer] of namedLayers(net))
    if (layer instanceof Linear) flops += 3 * 2 * B * (size(layer.inShape) / layer.inFeatures) * layer.inFeatures * layer.outFeatures;
  return flops;
}

export interface MeasurePlan {
  steps?: number;
  seconds?: number;
}

/** Warm up, then 5 samples; returns the median steps/s (see the top of this file). */
export function measureStepsPerSec(step: () => unknown, plan: MeasurePlan): number {
  const rates: number[] = [];
  if (plan.steps !== undefined) {
    const n = Math.max(1, Math.ceil(plan.steps / SAMPLES));
    for (let i = 0; i < plan.steps; i++) step();
    for (let s = 0; s < SAMPLES; s++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) step();
      rates.push((n * 1000) / (performance.now() - t0));
    }
  } else {
    const ms = (plan.seconds ?? DEFAULT_SECONDS) * 1000;
    const sampleMs = (0.6 * ms) / SAMPLES;
    for (let t0 = performance.now(), i = 0; i < 3 || performance.now() - t0 < 0.4 * ms; i++) step();
    for (let s = 0; s < SAMPLES; s++) {
      const t0 = performance.now();
      let n = 0;
      let t = t0;
      do {
        step();
        n++;
        t = performance.now();
      } while (t - t0 < sampleMs);
      rates.push((n * 1000) / (t - t0));
    }
  }
  return median(rates);
}

function row(model: string, engine: TrainBenchEngine, stepsPerSec: number, flops: number, detail?: string): Row {
  return { model, engine, steps_per_sec: stepsPerSec, ms_per_step: 1000 / stepsPerSec, gflops: (flops * stepsPerSec) / 1e9, ...(detail ? { detail } : {}) };
}

/** Run the benchmark; rows come back ordered by model, then engine. Unavailable engines are skipped with a note. */
export async function benchTrain(opts: BenchTrainOptions = {}): Promise<Row[]> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const models = opts.models ?? [...TRAIN_BENCH_MODELS];
  const engines = (opts.engines ?? [...TRAIN_BENCH_ENGINES]) as TrainBenchEngine[];
  for (const m of models)
    if (!(TRAIN_BENCH_MODELS as readonly string[]).includes(m)) throw new RangeError(`bench train: unknown model ${m} (have ${TRAIN_BENCH_MODELS.join(", ")})`);
  for (const e of engines)
    if (!(TRAIN_BENCH_ENGINES as readonly string[]).includes(e)) throw new RangeError(`bench train: unknown engine ${e} (have ${TRAIN_BENCH_ENGINES.join(", ")})`);
  if (opts.steps !== undefined && !(Number.isInteger(opts.steps) && opts.steps >= 1)) throw new RangeError(`bench train: steps must be a positive integer, got ${opts.steps}`);
  const plan: MeasurePlan = opts.steps !== undefined ? { steps: opts.steps } : { seconds: opts.seconds ?? DEFAULT_SECONDS };
  const data = await loadBenchData(opts.data);
  const flops = new Map(models.map((m) => [m, trainStepFlops(m, data.vocabSize)]));
  const rows: Row[] = [];

  for (const engine of engines) {
    if (engine === "wasmore-wasm" || engine === "wasmore-js") {
      const backend = engine === "wasmore-wasm" ? "wasm" : "js";
      for (const m of models) {
        log(`bench train: ${m} on ${engine}…`);
        const trainer = createWasmoreTrainer(m, backend, data);
        rows.push(row(m, engine, measureStepsPerSec(() => trainer.trainStep(), plan), flops.get(m)!));
      }
    } else if (engine === "tfjs-wasm" || engine === "tfjs-cpu") {
      const tf = await loadTfjs();
      const backend: TfjsBackend = engine === "tfjs-wasm" ? "wasm" : "cpu";
      if (!tf || !(await useTfjsBackend(tf, backend))) {
        log(`bench train: skipping ${engine}: ${tfjsUnavailable}`);
        continue;
      }
      for (const m of models) {
        log(`bench train: ${m} on ${engine}…`);
        const T = contextSize(PRESETS[m].model(data.vocabSize));
        const tr = createTfjsTrainer(tf, m, { ...data.examples(T), blockSize: T, vocabSize: data.vocabSize }, BENCH_BATCH);
        try {
          rows.push(row(m, engine, measureStepsPerSec(() => tr.step(), plan), flops.get(m)!, `TensorFlow.js ${tf.version_core}, embedding by ${tr.embedding}`));
        } finally {
          tr.dispose();
        }
      }
    } else {
      log(`bench train: ${models.join(", ")} on pytorch…`);
      const result = await runTorch(models, plan, data, opts.python ?? "/usr/bin/python3");
      if ("error" in result) {
        log(`bench train: skipping pytorch: ${result.error}`);
        continue;
      }
      for (const r of result.rows) rows.push(row(r.model, "pytorch", r.steps_per_sec, flops.get(r.model)!, result.detail));
    }
  }
  const order = (r: Row) => models.indexOf(r.model) * 100 + TRAIN_BENCH_ENGINES.indexOf(r.engine);
  return rows.sort((a, b) => order(a) - order(b));
}

interface TorchResult {
  rows: { model: string; steps_per_sec: number }[];
  detail: string;
}

/** Run reference/bench_torch.py with one thread; an { error } when Python or torch is missing. */
async function runTorch(models: string[], plan: MeasurePlan, data: BenchData, python: string): Promise<TorchResult | { error: string }> {
  const script = fileURLToPath(new URL("../../../reference/bench_torch.py", import.meta.url));
  const args = [script, "--models", models.join(",")];
  args.push(...(plan.steps !== undefined ? ["--steps", String(plan.steps)] : ["--seconds", String(plan.seconds)]));
  let dir: string | undefined;
  if (data.words) {
    dir = mkdtempSync(join(tmpdir(), "wasmore-bench-"));
    writeFileSync(join(dir, "names.txt"), data.words.join("\n") + "\n");
    args.push("--data", join(dir, "names.txt"));
  }
  try {
    const env = { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      let stdout = "";
      let stderr = "";
      const child = spawn(python, args, { env, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", (err) => resolve({ code: null, stdout, stderr: err.message }));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    if (code !== 0) return { error: `${python} ${script} failed: ${stderr.trim().split("\n").pop() ?? `exit ${code}`}` };
    const out = JSON.parse(stdout) as { torch: string; blas: string; threads: number; rows: TorchResult["rows"] };
    return { rows: out.rows, detail: `PyTorch ${out.torch}, ${out.threads} thread, BLAS: ${out.blas}` };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number, digits: number) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** One table: steps/s, ms/step, GFLOP/s and % of the 62 GFLOP/s peak, and wasmore-wasm ÷ each row (same run). */
export function formatTrainTable(rows: Row[]): string {
  const header = ["model", "engine", "steps/s", "ms/step", "GFLOP/s", "% peak", "wasmore-wasm ÷ this"];
  const body = rows.map((r) => {
    const ours = rows.find((o) => o.model === r.model && o.engine === "wasmore-wasm");
    return [
      r.model,
      r.engine,
      fmt(r.steps_per_sec, r.steps_per_sec < 100 ? 1 : 0),
      fmt(r.ms_per_step, 3),
      fmt(r.gflops, 2),
      fmt((100 * r.gflops) / PEAK_GFLOPS, 1) + "%",
      ours ? fmt(ours.steps_per_sec / r.steps_per_sec, 2) + "×" : "-",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
  const models = [...new Set(rows.map((r) => r.model))];
  out.push(
    "",
    `batch ${BENCH_BATCH}, one core; median steps/s of ${SAMPLES} samples after warm-up. FLOPs/step = 3 × Σ 2·R·in·out over Linear layers (fwd, dW, dx): ` +
      models.map((m) => {
        const r = rows.find((x) => x.model === m)!;
        return `${m} ${fmt((r.gflops * 1e3) / r.steps_per_sec, 2)} M`;
      }).join(", ") +
      `. % peak: of ${PEAK_GFLOPS} GFLOP/s (128-bit SIMD, one core).`,
  );
  const details = [...new Set(rows.filter((r) => r.detail).map((r) => `${r.engine}: ${r.detail}`))];
  out.push(...details);
  return out.join("\n");
}
