// One training run from words to a trained, evaluated model: vocabulary, the lectures' (or makemore's) split,
// contexts, the preset's model and recipe, periodic validation, checkpoints through hooks (the
// caller decides where bytes go: files in Node, downloads in a browser).
import { buildContexts, buildSequences, maxWordLength, splitsOf, TextDataset, Vocab, type SplitName } from "../data/index.js";
import { contextSize, isSequenceModel, type ModelConfig, type NetworkConfig } from "../models/networks.js";
import { buildNetwork } from "../models/networks.js";
import { Model } from "../models/model.js";
import { CountBigram } from "../models/bigram.js";
import { encodeCheckpoint, encodeOptimizerState, decodeCheckpoint, decodeOptimizerState, type CheckpointMeta, type Trained } from "../io/checkpoint.js";
import type { BackendName } from "../kernels/types.js";
import { evaluate, textWindows, Trainer, type Examples, type TrainingData } from "./trainer.js";
import { PRESETS, type Preset, type Recipe } from "./presets.js";
import { makeSchedule } from "../optim/schedule.js";
import { checkConfig } from "../models/networks.js";
import type seedrandom from "seedrandom";

export interface RunConfig {
  preset: string;
  /** names, one example each (names presets) */
  words?: string[];
  /** a character stream (text presets) */
  text?: string;
  /** label of the data (path, URL, or the embedded set) */
  dataSource: string;
  /** names: the lectures' split (default) or makemore.py's */
  split?: SplitName;
  steps?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  backend?: BackendName;
  /** validate every N steps (default: the recipe's evals, 20, times per run) */
  evalEvery?: number;
  /** overrides of the preset's model config or recipe, e.g. { activation: "tanh", optimizer: "sgd" } */
  set?: Record<string, string>;
  /** continue from these checkpoint bytes (model + optimizer state) */
  resume?: { model: Uint8Array; optimizer: Uint8Array };
}

export interface StepInfo {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  /** steps per second over the recent window */
  stepsPerSec: number;
}
export interface EvalInfo {
  step: number;
  /** mean training loss since the previous evaluation */
  trainLoss: number;
  valLoss: number;
  /** wall time since the run started (this process), validation passes included */
  seconds: number;
}

export interface RunHooks {
  onStep?(info: StepInfo): void;
  /** after each validation; `model` is the live model (eval-mode forwards, e.g. sampling, are safe here) */
  onEval?(info: EvalInfo, model: Model): void;
  /** called with checkpoint bytes: "best" after a new best validation loss, "last" at the end or when stopped */
  onCheckpoint?(kind: "best" | "last", model: Uint8Array, optimizer: Uint8Array | null): void;
  /** polled every step; true stops the run early (Ctrl-C) */
  shouldStop?(): boolean;
  /** awaited at each yield to the event loop; a pending promise pauses the run (the web app's Pause) */
  waitWhilePaused?(): Promise<void> | void;
}

export interface RunSummary {
  preset: string;
  params: number;
  steps: number;
  /** over the whole training split in eval mode (text: evenly spaced windows, as many as validation's) */
  train_loss: number;
  val_loss: number;
  test_loss: number;
  best_val_loss: number;
  seconds: number;
  steps_per_sec: number;
  stopped: boolean;
  backend: BackendName;
  examples: { train: number; val: number; test: number };
}

/** A bad run configuration (the user's to fix). */
export class RunError extends Error {
  override name = "RunError";
}

/** The loss became NaN or infinite. */
export class DivergenceError extends Error {
  override name = "DivergenceError";
}

export function getPreset(name: string): Preset {
  const preset = PRESETS[name];
  if (!preset) throw new RunError(`unknown preset "${name}"; choose one of ${Object.keys(PRESETS).join(", ")}`);
  return preset;
}

const positiveInt = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new RunError(`${name} must be a positive integer, got ${v}`);
  return v;
};

export interface PreparedData {
  vocab: Vocab;
  train: TrainingData;
  val: TrainingData;
  test: TrainingData;
}

/** Where a run's examples come from: names (one a line) or a character stream. */
export interface DataSource {
  words?: string[];
  text?: string;
  /** path, URL or the embedded set's label, for messages and checkpoints */
  label: string;
  /** names: which split (default the lectures') */
  split?: SplitName;
}

/** The vocabulary a data source implies: names mode ('.' boundary) or text mode. */
export function vocabFor(source: DataSource): Vocab {
  if (source.text !== undefined) return Vocab.forText(source.text);
  return Vocab.forWords(source.words ?? [], source.label);
}

/**
 * Examples for a model: names → the lectures' split (Python random.seed(42) shuffle, 80/10/10) or
 * makemore.py's (src/data/dataset.ts) as next-character contexts, or as padded sequences for a GPT;
 * text → nanoGPT's 90/10 split into windows (every offset for training, non-overlapping for
 * validation; no test split).
 */
export function prepareData(source: DataSource, config: ModelConfig, vocab: Vocab = vocabFor(source)): PreparedData {
  const T = contextSize(config);
  if (source.text !== undefined) {
    if (source.split !== undefined && source.split !== "lectures")
      throw new RunError(`${source.label}: the ${source.split} split is for names; plain text splits 90/10`);
    if (!isSequenceModel(config)) throw new RunError(`${source.label}: plain text trains sequence models (gpt presets); give names, one a line, for ${config.type}`);
    const { train, val } = TextDataset.fromText(source.text, vocab).split(0.9);
    const data = { vocab, train: textWindows(train.tokens, T, 1), val: textWindows(val.tokens, T, T), test: textWindows(new Int32Array(0), T, T) };
    if (data.train.count < 1 || data.val.count < 1) throw new RunError(`${source.label}: too little text for a context of ${T} characters`);
    return data;
  }
  const split = splitsOf(source.words ?? [], source.split ?? "lectures");
  const build = (words: string[]) => (isSequenceModel(config) ? buildSequences(words, vocab, T) : buildContexts(words, vocab, T));
  try {
    return { vocab, train: build(split.train), val: build(split.val), test: build(split.test) };
  } catch (e) {
    if (e instanceof RangeError) throw new RunError(`${source.label}: ${e.message}`);
    throw e;
  }
}

/** Train a preset on `words`; returns the summary and the trained model. */
export interface RunResult {
  summary: RunSummary;
  trained: Trained;
  meta: CheckpointMeta;
  vocab: Vocab;
}

/** Yield to the event loop this often (ms) so signals, worker messages and UI updates get through. */
const YIELD_MS = 100;

/** Keys of a model config or recipe that `RunConfig.set` may override, with how to apply them. */
const RECIPE_KEYS = ["optimizer", "schedule", "warmup", "weightDecay", "momentum", "gradClip", "beta2"] as const;

function parseValue(v: string): string | number | boolean {
  if (v === "true" || v === "false") return v === "true";
  const n = Number(v);
  return v.trim() !== "" && Number.isFinite(n) ? n : v;
}

/**
 * What a train loss is measured on (a run's summary and `eval` alike): the training examples, or
 * for text non-overlapping windows, evenly spaced so there are about as many as validation windows
 * (all of the 1M-character Tiny Shakespeare training split would cost ~9 validation passes even
 * without overlap, ~600 with the training's window at every offset).
 */
export function trainLossData(data: Pick<PreparedData, "train" | "val">): TrainingData {
  if (!("tokens" in data.train)) return data.train;
  const { tokens, T } = data.train;
  const all = textWindows(tokens, T, T).count;
  return textWindows(tokens, T, T * Math.max(1, Math.floor(all / Math.max(1, data.val.count))));
}

/** Apply `key=value` overrides to a model config and recipe (for experiments and ablations). */
export function applyOverrides(model: ModelConfig, recipe: Recipe, set: Record<string, string>): { model: ModelConfig; recipe: Recipe } {
  const m: Record<string, unknown> = { ...model };
  const r: Recipe = { ...recipe, optimizer: { ...recipe.optimizer }, schedule: { ...recipe.schedule } };
  for (const [key, raw] of Object.entries(set)) {
    const value = parseValue(raw);
    if (key in m && key !== "type" && key !== "vocabSize") {
      if (typeof value !== typeof m[key]) throw new RunError(`--set ${key}: expected a ${typeof m[key]}, got "${raw}"`);
      m[key] = value;
      continue;
    }
    const num = () => {
      if (typeof value !== "number" || value < 0) throw new RunError(`--set ${key}: expected a number ≥ 0, got "${raw}"`);
      return value;
    };
    switch (key as (typeof RECIPE_KEYS)[number]) {
      case "optimizer":
        if (value === "sgd") r.optimizer = { type: "sgd", momentum: 0, weightDecay: 0 };
        else if (value === "adamw") r.optimizer = { type: "adamw", beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 };
        else throw new RunError(`--set optimizer: expected sgd or adamw, got "${raw}"`);
        break;
      case "schedule":
        if (value === "step") r.schedule = { type: "step", at: 0.75, factor: 0.1 };
        else if (value === "cosine") r.schedule = { type: "cosine", warmup: 1000, minRatio: 0.01 };
        else if (value === "constant") r.schedule = { type: "constant" };
        else throw new RunError(`--set schedule: expected step, cosine or constant, got "${raw}"`);
        break;
      case "warmup":
        if (r.schedule.type !== "cosine") throw new RunError("--set warmup needs the cosine schedule");
        r.schedule.warmup = num();
        break;
      case "weightDecay":
        r.optimizer.weightDecay = num();
        break;
      case "momentum":
        if (r.optimizer.type !== "sgd") throw new RunError("--set momentum needs the sgd optimizer");
        r.optimizer.momentum = num();
        break;
      case "beta2":
        if (r.optimizer.type !== "adamw") throw new RunError("--set beta2 needs the adamw optimizer");
        r.optimizer.beta2 = num();
        break;
      case "gradClip":
        r.gradClip = num();
        break;
      default:
        throw new RunError(
          `--set ${key}: unknown setting; this model takes ${Object.keys(m).filter((k) => k !== "type" && k !== "vocabSize").join(", ")}, and any recipe takes ${RECIPE_KEYS.join(", ")}`,
        );
    }
  }
  try {
    checkConfig(m as unknown as ModelConfig);
  } catch (e) {
    throw new RunError((e as Error).message);
  }
  return { model: m as unknown as ModelConfig, recipe: r };
}

export async function runTraining(config: RunConfig, hooks: RunHooks = {}): Promise<RunResult> {
  const preset = getPreset(config.preset);
  const seed = config.seed ?? 42;
  const backend = config.backend ?? "wasm";
  let resumed: ReturnType<typeof decodeCheckpoint> | null = null;
  if (config.resume) resumed = decodeCheckpoint(config.resume.model, { backend, maxBatch: 1 });
  const split = config.split ?? resumed?.meta.split;
  if (resumed && (split ?? "lectures") !== (resumed.meta.split ?? "lectures"))
    throw new RunError(`the checkpoint was trained on the ${resumed.meta.split ?? "lectures"} split, not the ${split} split`);
  const source: DataSource = { words: config.words, text: config.text, label: config.dataSource, split };
  if ((preset.data === "text") !== (config.text !== undefined))
    throw new RunError(`preset ${preset.name} trains on ${preset.data === "text" ? "plain text" : "names, one a line"}`);
  const vocab = resumed ? Vocab.fromJSON(resumed.meta.vocab) : vocabFor(source);
  // a resumed run continues the checkpoint's model and recipe; a new one starts from the preset
  const base = resumed
    ? { model: resumed.meta.config, recipe: resumed.meta.recipe ?? preset.recipe }
    : applyOverrides(preset.model(vocab.size, maxWordLength(config.words ?? [])), preset.recipe, config.set ?? {});
  const modelConfig: ModelConfig = base.model;
  const recipe: Recipe = {
    ...base.recipe,
    steps: config.steps ?? base.recipe.steps,
    batchSize: config.batchSize ?? base.recipe.batchSize,
    lr: config.lr ?? base.recipe.lr,
  };
  const data = prepareData(source, modelConfig, vocab);
  if (data.train.count === 0) throw new RunError(`${config.dataSource}: too few names to make a training split`);
  const { steps, batchSize, lr } = recipe;
  if (!Number.isInteger(steps) || steps < 0) throw new RunError(`steps must be an integer ≥ 0, got ${steps}`);
  positiveInt("batch size", batchSize);
  if (batchSize > data.train.count)
    throw new RunError(`batch size ${batchSize} is larger than the ${data.train.count} training examples`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RunError(`learning rate must be a positive number, got ${lr}`);
  const meta = (step: number): CheckpointMeta => ({
    preset: preset.name, config: modelConfig, vocab: vocab.toJSON(), step, data: config.dataSource, recipe, ...(split ? { split } : {}),
  });
  const started = performance.now();
  const examples = { train: data.train.count, val: data.val.count, test: data.test.count };

  if (modelConfig.type === "bigram") {
    const bigram = new CountBigram(vocab.size, modelConfig.smoothing);
    const [train, val, test] = [data.train, data.val, data.test] as Examples[];
    bigram.fit(train.X, train.Y);
    const trained: Trained = { kind: "bigram", bigram };
    const nll = (d: Examples) => (d.count ? bigram.nll(d.X, d.Y) : NaN);
    const summary: RunSummary = {
      preset: preset.name, params: vocab.size * vocab.size, steps: 0, train_loss: nll(train), val_loss: nll(val),
      test_loss: nll(test), best_val_loss: nll(val), seconds: (performance.now() - started) / 1000, steps_per_sec: 0,
      stopped: false, backend, examples,
    };
    hooks.onCheckpoint?.("last", encodeCheckpoint(trained, meta(0)), null);
    return { summary, trained, meta: meta(0), vocab };
  }

  // Activations are planned for the training batch only and evaluation runs in chunks of it: buffers
  // planned for larger evaluation chunks spread a training step over more memory (a lecture WaveNet
  // step measured 3% slower with 512-example buffers) and evaluate no faster.
  const model = new Model(buildNetwork(modelConfig as NetworkConfig), {
    backend, maxBatch: batchSize, inputShape: [contextSize(modelConfig)], seed,
  });
  if (resumed && resumed.trained.kind === "network") {
    model.paramBlock.data.set(resumed.trained.model.paramBlock.data);
    for (let i = 0; i < model.buffers.length; i++) model.buffers[i].value.data.set(resumed.trained.model.buffers[i].value.data);
  }
  const trainer = new Trainer(model, data.train, {
    steps, batchSize, seed, gradClip: recipe.gradClip, optimizer: recipe.optimizer, schedule: makeSchedule(recipe.schedule, steps, lr),
  });
  if (resumed && config.resume) {
    const state = decodeOptimizerState(config.resume.optimizer, trainer.optimizer);
    if (state.step !== resumed.meta.step) throw new RunError(`optimizer state is from step ${state.step}, the checkpoint from step ${resumed.meta.step}`);
    trainer.restore(state.step, state.rngState as seedrandom.State.Alea, state.optimizerStep);
    model.dropoutSeed = state.dropoutSeed;
  }
  const evalEvery = config.evalEvery ?? Math.max(1, Math.ceil(steps / (recipe.evals ?? 20)));
  const checkpoint = (step: number) => encodeCheckpoint({ kind: "network", model }, meta(step));
  let best = Infinity;
  let windowStart = performance.now();
  let windowSteps = 0;
  let lossSum = 0;
  let lossCount = 0;
  let stopped = false;
  const firstStep = trainer.step;
  let lastYield = performance.now();
  while (trainer.step < steps) {
    if (performance.now() - lastYield > YIELD_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const paused = hooks.waitWhilePaused?.();
      if (paused) {
        await paused;
        windowStart = performance.now();
        windowSteps = 0;
      }
      lastYield = performance.now();
    }
    if (hooks.shouldStop?.()) {
      stopped = true;
      break;
    }
    const lrNow = trainer.learningRate;
    const loss = trainer.trainStep();
    if (!Number.isFinite(loss))
      throw new DivergenceError(
        `training diverged: the loss is ${loss} at step ${trainer.step}; ${best < Infinity ? `the best checkpoint (val ${best.toFixed(4)}) is kept` : "no checkpoint was written"}; try a smaller --lr`,
      );
    lossSum += loss;
    lossCount++;
    windowSteps++;
    const now = performance.now();
    const stepsPerSec = (windowSteps * 1000) / Math.max(now - windowStart, 1e-3);
    if (now - windowStart > 2000) {
      windowStart = now;
      windowSteps = 0;
    }
    hooks.onStep?.({ step: trainer.step, steps, loss, lr: lrNow, stepsPerSec });
    if (trainer.step % evalEvery === 0 || trainer.step === steps) {
      const valLoss = evaluate(model, data.val);
      hooks.onEval?.({ step: trainer.step, trainLoss: lossSum / lossCount, valLoss, seconds: (performance.now() - started) / 1000 }, model);
      lossSum = 0;
      lossCount = 0;
      if (valLoss < best) {
        best = valLoss;
        hooks.onCheckpoint?.("best", checkpoint(trainer.step), null);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  hooks.onCheckpoint?.("last", checkpoint(trainer.step), encodeOptimizerState(trainer.optimizer, {
    step: trainer.step, optimizerStep: trainer.optimizer.step, rngState: trainer.rngState, dropoutSeed: model.dropoutSeed,
  }));
  const summary: RunSummary = {
    preset: preset.name,
    params: model.parameterCount,
    steps: trainer.step,
    train_loss: evaluate(model, trainLossData(data)),
    val_loss: evaluate(model, data.val),
    test_loss: evaluate(model, data.test),
    best_val_loss: Math.min(best, Infinity),
    seconds,
    steps_per_sec: (trainer.step - firstStep) / seconds,
    stopped,
    backend,
    examples,
  };
  return { summary, trained: { kind: "network", model }, meta: meta(trainer.step), vocab };
}
