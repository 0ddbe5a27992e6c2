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
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildContexts, buildSequences, maxWordLength, splitWords, TextDataset, Vocab } from "../data/index.js";
import { loadNames, loadText } from "../data/load-node.js";
import { Model, namedLayers } from "../models/model.js";
import { buildNetwork, contextSize, type GptNetworkConfig, type NetworkConfig } from "../models/networks.js";
import { Linear } from "../nn/linear.js";
import { size } from "../nn/layer.js";
import { PRESETS } from "../train/presets.js";
import { paddedLengths, textWindows, Trainer, type Examples, type TextWindows, type TrainingData } from "../train/trainer.js";
import type { BackendName } from "../kernels/types.js";
import { median } from "./stats.js";
import { createTfjsTrainer, loadTfjs, tfjsUnavailable, useTfjsBackend, type TfjsBackend } from "./tfjs.js";

export const TRAIN_BENCH_MODELS = ["mlp", "bnmlp", "wavenet", "gpt", "gpt-shakespeare"] as const;
/** what `bench train` runs without --model */
export const DEFAULT_TRAIN_BENCH_MODELS = ["mlp", "bnmlp", "wavenet", "gpt"];
export const TRAIN_BENCH_ENGINES = ["wasmore-wasm", "wasmore-js", "tfjs-wasm", "tfjs-cpu", "pytorch"] as const;
export type TrainBenchEngine = (typeof TRAIN_BENCH_ENGINES)[number];

/** 128-bit SIMD peak of one core of the reference machine: ~3.86 GHz × 16 FLOP/cycle. */
export const PEAK_GFLOPS = 62;
/** the lecture models' batch (their recipes' and TensorFlow.js's) */
export const BENCH_BATCH = 32;
/** Vocabulary of the synthetic names data (names.txt has 26 letters + '.'). */
const SYNTHETIC_VOCAB = 27;
/** Examples in the synthetic names data (about names.txt's training split). */
const SYNTHETIC_COUNT = 182_625;
/** Longest synthetic "name" (names.txt's longest is 15 letters, so the GPT's block is 16). */
const SYNTHETIC_MAX_LENGTH = 15;
/** Vocabulary and training tokens of the synthetic text (about tinyshakespeare.txt's 65 characters and 90% split). */
const SYNTHETIC_TEXT_VOCAB = 65;
const SYNTHETIC_TEXT_TOKENS = 1_003_854;
/** tinyshakespeare.txt beside the checkout: gpt-shakespeare's data when present. */
const SHARED_TEXT = fileURLToPath(new URL("../../../../shared/data/tinyshakespeare.txt", import.meta.url));
const SAMPLES = 5;
const DEFAULT_SECONDS = 3;

export interface Row {
  model: string;
  engine: TrainBenchEngine;
  /** median steps/s over the samples */
  steps_per_sec: number;
  ms_per_step: number;
  /** steps/s × tokens per step (B, or B·T for a GPT) */
  tokens_per_sec: number;
  /** analytic matmul FLOPs per step × steps/s, in 1e9/s */
  gflops: number;
  /** what the engine used, e.g. PyTorch's BLAS or TensorFlow.js's embedding */
  detail?: string;
}

export interface BenchTrainOptions {
  /** presets to run (default mlp, bnmlp, wavenet, gpt) */
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
  /** gpt-shakespeare's text (default ../shared/data/tinyshakespeare.txt when present, else synthetic ids over 65 characters) */
  text?: string;
  /** the Python with torch (default /usr/bin/python3) */
  python?: string;
  /** progress and skip notes (default: to stderr) */
  log?: (line: string) => void;
}

/** gpt-shakespeare's data: windows over a character stream. */
export interface BenchText {
  vocabSize: number;
  source: string;
  /** the file (when loaded from one), to hand the same text to PyTorch */
  path?: string;
  windows(T: number): TextWindows;
}

/** Training data for every model the benchmark runs, and the vocabulary sizes. */
export interface BenchData {
  vocabSize: number;
  /** where the examples came from */
  source: string;
  /** the names (when loaded from a file), to hand the same data to PyTorch */
  words?: string[];
  /** longest name (a names GPT's block size is this + 1) */
  maxLength: number;
  /** next-character contexts of blockSize ids (the lecture models) */
  examples(blockSize: number): Examples;
  /** one padded sequence per name, blockSize long (makemore's CharDataset, the names GPT) */
  sequences(blockSize: number): Examples;
  text: BenchText;
}

/**
 * Examples from a names file (lecture pipeline: Python-compatible shuffle, 80% train split) or synthetic
 * ids; text windows from a text file (nanoGPT's 90% train split, every offset) or synthetic ids.
 */
export async function loadBenchData(path?: string, textPath?: string): Promise<BenchData> {
  const text = textPath ? await loadBenchText(textPath) : syntheticText();
  if (path) {
    const words = await loadNames(path);
    const vocab = Vocab.forWords(words, path);
    const train = splitWords(words).train;
    return {
      vocabSize: vocab.size,
      source: path,
      words,
      maxLength: maxWordLength(words),
      examples: memo((T) => buildContexts(train, vocab, T)),
      sequences: memo((T) => buildSequences(train, vocab, T)),
      text,
    };
  }
  return {
    vocabSize: SYNTHETIC_VOCAB,
    source: `synthetic ids (vocabulary ${SYNTHETIC_VOCAB}, ${SYNTHETIC_COUNT} examples)`,
    maxLength: SYNTHETIC_MAX_LENGTH,
    examples: (T) => syntheticExamples(T, 1, SYNTHETIC_COUNT, SYNTHETIC_VOCAB),
    sequences: (T) => syntheticExamples(T, T, SYNTHETIC_COUNT, SYNTHETIC_VOCAB),
    text,
  };
}

async function loadBenchText(path: string): Promise<BenchText> {
  const { train } = TextDataset.fromText(await loadText(path)).split(0.9);
  return { vocabSize: train.vocab.size, source: path, path, windows: (T) => textWindows(train.tokens, T, 1) };
}

function syntheticText(): BenchText {
  const tokens = memo(() => lcg(12345, SYNTHETIC_TEXT_VOCAB, SYNTHETIC_TEXT_TOKENS));
  return {
    vocabSize: SYNTHETIC_TEXT_VOCAB,
    source: `synthetic ids (vocabulary ${SYNTHETIC_TEXT_VOCAB}, ${SYNTHETIC_TEXT_TOKENS} tokens)`,
    windows: (T) => textWindows(tokens(0), T, 1),
  };
}

function memo<T>(make: (n: number) => T): (n: number) => T {
  const cache = new Map<number, T>();
  return (n) => {
    if (!cache.has(n)) cache.set(n, make(n));
    return cache.get(n)!;
  };
}

/** `count` ids below V from a fixed linear congruential generator. */
function lcg(seed: number, V: number, count: number): Int32Array {
  let s = seed;
  return new Int32Array(count).map(() => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % V);
}

/** count examples of T input ids and R target ids. */
function syntheticExamples(T: number, R: number, count: number, V: number): Examples {
  const ids = lcg(12345, V, count * (T + R));
  return { X: ids.subarray(0, count * T), Y: ids.subarray(count * T), count };
}

const isGpt = (preset: string) => PRESETS[preset]?.model(SYNTHETIC_VOCAB).type === "gpt";

/** A preset as the benchmark trains it: the architecture, the batch, tokens per step and the training data. */
export interface BenchSetup {
  config: NetworkConfig;
  batch: number;
  /** positions per example a step runs: E[T] and E[T²] (a GPT on names is trimmed to each batch's longest name) */
  length: { mean: number; meanSquare: number };
  tokensPerStep: number;
  train: TrainingData;
}

export function benchSetup(preset: string, data: BenchData): BenchSetup {
  const p = PRESETS[preset];
  if (!p) throw new RangeError(`unknown preset ${preset}`);
  const text = p.data === "text";
  const config = p.model(text ? data.text.vocabSize : data.vocabSize, data.maxLength) as NetworkConfig;
  const T = contextSize(config);
  if (config.type !== "gpt")
    return { config, batch: BENCH_BATCH, length: { mean: T, meanSquare: T * T }, tokensPerStep: BENCH_BATCH, train: data.examples(T) };
  const batch = p.recipe.batchSize;
  const train = text ? data.text.windows(T) : data.sequences(T);
  const length = "tokens" in train ? { mean: T, meanSquare: T * T } : batchLengthMoments(paddedLengths(train), T, batch);
  return { config, batch, length, tokensPerStep: batch * length.mean, train };
}

/**
 * E[T] and E[T²] of a batch's longest example for B draws with replacement:
 * P(max ≤ L) = F(L)^B, F the lengths' distribution function.
 */
export function batchLengthMoments(lengths: Int32Array, maxLength: number, B: number): { mean: number; meanSquare: number } {
  const counts = new Float64Array(maxLength + 1);
  for (const n of lengths) counts[n]++;
  let mean = 0;
  let meanSquare = 0;
  let below = 0; // F(L − 1)^B
  let cumulative = 0;
  for (let L = 1; L <= maxLength; L++) {
    cumulative += counts[L] / lengths.length;
    const atMost = Math.min(1, cumulative) ** B;
    mean += L * (atMost - below);
    meanSquare += L * L * (atMost - below);
    below = atMost;
  }
  return { mean, meanSquare };
}

/** The model and trainer as `wasmore train` builds them for a preset (its recipe's update and batch, seed 42). */
export function createWasmoreTrainer(preset: string, backend: BackendName, data: BenchData): Trainer {
  const { config, batch, train } = benchSetup(preset, data);
  const model = new Model(buildNetwork(config), { backend, maxBatch: batch, inputShape: [contextSize(config)] });
  const r = PRESETS[preset].recipe;
  return new Trainer(model, train, {
    steps: r.steps,
    batchSize: batch,
    schedule: makeSchedule(r.schedule, r.steps, r.lr),
    optimizer: r.optimizer,
    gradClip: r.gradClip,
    seed: 42,
  });
}

/**
 * Analytic matmul FLOPs of one training step at batch B: 3 × (Σ over Linear layers of 2·R·in·out, plus
 * a GPT's attention 4·B·T²·C per layer over the full square). vocabSize defaults to the synthetic
 * data's (27 names, 65 text), maxLength to names.txt's longest name (15).
 */
export function trainStepFlops(preset: string, vocabSize?: number, B?: number, maxLength = SYNTHETIC_MAX_LENGTH): number {
  const p = PRESETS[preset];
  const config = p.model(vocabSize ?? (p.data === "text" ? SYNTHETIC_TEXT_VOCAB : SYNTHETIC_VOCAB), maxLength) as NetworkConfig;
  return stepFlops(config, B ?? (config.type === "gpt" ? p.recipe.batchSize : BENCH_BATCH));
}

export function stepFlops(config: NetworkConfig, B: number, length?: BenchSetup["length"]): number {
  if (config.type === "gpt") return gptStepFlops(config, B, length);
  const net = buildNetwork(config);
  net.setInputShape([contextSize(config)]);
  let flops = 0;
  for (const [, layer] of namedLayers(net))
    if (layer instanceof Linear) flops += 3 * 2 * B * (size(layer.inShape) / layer.inFeatures) * layer.inFeatures * layer.outFeatures;
  return flops;
}

/**
 * Per layer forward: c_attn C→3C, attn c_proj C→C, c_fc C→4C, mlp c_proj 4C→C over R = B·T rows
 * (2·R·12C²) + attention 4·B·T²·C; then lm_head C→V. T (and T²) are the mean positions a step runs.
 */
function gptStepFlops(c: GptNetworkConfig, B: number, length = { mean: c.blockSize, meanSquare: c.blockSize ** 2 }): number {
  const C = c.nEmbd;
  const R = B * length.mean;
  const forward = c.nLayer * (2 * R * 12 * C * C + 4 * B * length.meanSquare * C) + 2 * R * C * c.vocabSize;
  return 3 * forward;
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

function row(model: string, engine: TrainBenchEngine, stepsPerSec: number, setup: BenchSetup, flops: number, detail?: string): Row {
  return {
    model,
    engine,
    steps_per_sec: stepsPerSec,
    ms_per_step: 1000 / stepsPerSec,
    tokens_per_sec: stepsPerSec * setup.tokensPerStep,
    gflops: (flops * stepsPerSec) / 1e9,
    ...(detail ? { detail } : {}),
  };
}

/** Run the benchmark; rows come back ordered by model, then engine. Unavailable engines are skipped with a note. */
export async function benchTrain(opts: BenchTrainOptions = {}): Promise<Row[]> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const models = opts.models ?? [...DEFAULT_TRAIN_BENCH_MODELS];
  const engines = (opts.engines ?? [...TRAIN_BENCH_ENGINES]) as TrainBenchEngine[];
  for (const m of models)
    if (!(TRAIN_BENCH_MODELS as readonly string[]).includes(m)) throw new RangeError(`bench train: unknown model ${m} (have ${TRAIN_BENCH_MODELS.join(", ")})`);
  for (const e of engines)
    if (!(TRAIN_BENCH_ENGINES as readonly string[]).includes(e)) throw new RangeError(`bench train: unknown engine ${e} (have ${TRAIN_BENCH_ENGINES.join(", ")})`);
  if (opts.steps !== undefined && !(Number.isInteger(opts.steps) && opts.steps >= 1)) throw new RangeError(`bench train: steps must be a positive integer, got ${opts.steps}`);
  const plan: MeasurePlan = opts.steps !== undefined ? { steps: opts.steps } : { seconds: opts.seconds ?? DEFAULT_SECONDS };
  const wantsText = models.some((m) => PRESETS[m].data === "text");
  const textPath = opts.text ?? (wantsText && existsSync(SHARED_TEXT) ? SHARED_TEXT : undefined);
  const data = await loadBenchData(opts.data, wantsText ? textPath : undefined);
  const setups = new Map(models.map((m) => [m, benchSetup(m, data)]));
  const flops = new Map(models.map((m) => [m, stepFlops(setups.get(m)!.config, setups.get(m)!.batch, setups.get(m)!.length)]));
  const add = (rows: Row[], m: string, engine: TrainBenchEngine, stepsPerSec: number, detail?: string) =>
    rows.push(row(m, engine, stepsPerSec, setups.get(m)!, flops.get(m)!, detail));
  const rows: Row[] = [];

  for (const engine of engines) {
    if (engine === "wasmore-wasm" || engine === "wasmore-js") {
      const backend = engine === "wasmore-wasm" ? "wasm" : "js";
      for (const m of models) {
        log(`bench train: ${m} on ${engine}…`);
        const trainer = createWasmoreTrainer(m, backend, data);
        add(rows, m, engine, measureStepsPerSec(() => trainer.trainStep(), plan));
      }
    } else if (engine === "tfjs-wasm" || engine === "tfjs-cpu") {
      const gpts = models.filter(isGpt);
      if (gpts.length) log(`bench train: skipping ${gpts.join(", ")} on ${engine}: no TensorFlow.js GPT in this benchmark`);
      const tfModels = models.filter((m) => !isGpt(m));
      if (!tfModels.length) continue;
      const tf = await loadTfjs();
      const backend: TfjsBackend = engine === "tfjs-wasm" ? "wasm" : "cpu";
      if (!tf || !(await useTfjsBackend(tf, backend))) {
        log(`bench train: skipping ${engine}: ${tfjsUnavailable}`);
        continue;
      }
      for (const m of tfModels) {
        log(`bench train: ${m} on ${engine}…`);
        const T = contextSize(setups.get(m)!.config);
        const tr = createTfjsTrainer(tf, m, { ...data.examples(T), blockSize: T, vocabSize: data.vocabSize }, BENCH_BATCH);
        try {
          add(rows, m, engine, measureStepsPerSec(() => tr.step(), plan), `TensorFlow.js ${tf.version_core}, embedding by ${tr.embedding}`);
        } finally {
          tr.dispose();
        }
      }
    } else {
      log(`bench train: ${models.join(", ")} on pytorch…`);
      const result = await runTorch(models, setups, plan, data, opts.python ?? "/usr/bin/python3");
      if ("error" in result) {
        log(`bench train: skipping pytorch: ${result.error}`);
        continue;
      }
      for (const r of result.rows) add(rows, r.model, "pytorch", r.steps_per_sec, result.detail);
    }
  }
  const order = (r: Row) => models.indexOf(r.model) * 100 + TRAIN_BENCH_ENGINES.indexOf(r.engine);
  return rows.sort((a, b) => order(a) - order(b));
}

interface TorchResult {
  rows: { model: string; steps_per_sec: number }[];
  detail: string;
}

/**
 * What bench_torch.py needs to build a GPT exactly as wasmore does: torch_reference's snake_case
 * config, the batch, the recipe's AdamW and clipping, and which data it trains on.
 */
function torchGptSpec(preset: string, setup: BenchSetup): object {
  const c = setup.config as GptNetworkConfig;
  const r = PRESETS[preset].recipe;
  if (r.optimizer.type !== "adamw") throw new Error(`bench train: ${preset}'s optimizer is ${r.optimizer.type}; bench_torch.py runs AdamW`);
  return {
    cfg: {
      vocab_size: c.vocabSize, block_size: c.blockSize, n_layer: c.nLayer, n_head: c.nHead, n_embd: c.nEmbd,
      dropout: c.dropout, bias: c.bias, tied: c.tied,
    },
    batch: setup.batch,
    data: PRESETS[preset].data,
    lr: r.lr,
    betas: [r.optimizer.beta1, r.optimizer.beta2],
    eps: r.optimizer.eps,
    weight_decay: r.optimizer.weightDecay,
    grad_clip: r.gradClip,
  };
}

/** Run reference/bench_torch.py with one thread; an { error } when Python or torch is missing. */
async function runTorch(
  models: string[], setups: Map<string, BenchSetup>, plan: MeasurePlan, data: BenchData, python: string,
): Promise<TorchResult | { error: string }> {
  const script = fileURLToPath(new URL("../../../reference/bench_torch.py", import.meta.url));
  const args = [script, "--models", models.join(",")];
  args.push(...(plan.steps !== undefined ? ["--steps", String(plan.steps)] : ["--seconds", String(plan.seconds)]));
  const gpts = models.filter(isGpt);
  if (gpts.length) args.push("--gpt", JSON.stringify(Object.fromEntries(gpts.map((m) => [m, torchGptSpec(m, setups.get(m)!)]))));
  if (data.text.path && gpts.some((m) => PRESETS[m].data === "text")) args.push("--text", data.text.path);
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

/** One table: steps/s, ms/step, tokens/s, GFLOP/s and % of the 62 GFLOP/s peak, and wasmore-wasm ÷ each row (same run). */
export function formatTrainTable(rows: Row[]): string {
  const header = ["model", "engine", "steps/s", "ms/step", "tokens/s", "GFLOP/s", "% peak", "wasmore-wasm ÷ this"];
  const body = rows.map((r) => {
    const ours = rows.find((o) => o.model === r.model && o.engine === "wasmore-wasm");
    return [
      r.model,
      r.engine,
      fmt(r.steps_per_sec, r.steps_per_sec < 100 ? 1 : 0),
      fmt(r.ms_per_step, 3),
      fmt(r.tokens_per_sec, 0),
      fmt(r.gflops, 2),
      fmt((100 * r.gflops) / PEAK_GFLOPS, 1) + "%",
      ours ? fmt(ours.steps_per_sec / r.steps_per_sec, 2) + "×" : "-",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
  const models = [...new Set(rows.map((r) => r.model))];
  const perStep = (m: string) => {
    const r = rows.find((x) => x.model === m)!;
    const tokens = r.tokens_per_sec / r.steps_per_sec;
    const shape = isGpt(m) ? `B·T ${fmt(tokens, 0)}` : `B ${fmt(tokens, 0)}`;
    return `${m} ${fmt((r.gflops * 1e3) / r.steps_per_sec, 2)} M (${shape})`;
  };
  out.push(
    "",
    `One core; median steps/s of ${SAMPLES} samples after warm-up; tokens/s = steps/s × B (× T for a GPT). ` +
      `FLOPs/step = 3 × forward matmuls (fwd, dW, dx): Σ 2·R·in·out over Linear layers, plus a GPT's attention 4·B·T²·C per layer (full T×T square): ` +
      models.map(perStep).join(", ") +
      `; the same count for every engine, so GFLOP/s compares them (wasmore computes an Embedding → Linear from per-token tables when B·T/n ≥ 2·V, fewer FLOPs than counted). ` +
      `% peak: of ${PEAK_GFLOPS} GFLOP/s (128-bit SIMD, one core).`,
  );
  const details = [...new Set(rows.filter((r) => r.detail).map((r) => `${r.engine}: ${r.detail}`))];
  out.push(...details);
  return out.join("\n");
}
