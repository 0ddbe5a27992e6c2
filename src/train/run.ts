// One training run from words to a trained, evaluated model: vocabulary, the lectures' split,
// contexts, the preset's model and recipe, periodic validation, checkpoints through hooks (the
// caller decides where bytes go: files in Node, downloads in a browser).
import { buildContexts, splitWords, Vocab, type Contexts } from "../data/index.js";
import { contextSize, type ModelConfig, type NetworkConfig } from "../models/networks.js";
import { buildNetwork } from "../models/networks.js";
import { Model } from "../models/model.js";
import { CountBigram } from "../models/bigram.js";
import { encodeCheckpoint, encodeOptimizerState, decodeCheckpoint, decodeOptimizerState, type CheckpointMeta, type Trained } from "../io/checkpoint.js";
import type { BackendName } from "../kernels/types.js";
import { evaluate, Trainer, type Examples } from "./trainer.js";
import { PRESETS, type Preset } from "./presets.js";
import type seedrandom from "seedrandom";

export interface RunConfig {
  preset: string;
  words: string[];
  /** label of the data (path, URL, or the embedded set) */
  dataSource: string;
  steps?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  backend?: BackendName;
  /** validate every N steps (default: 20 times per run) */
  evalEvery?: number;
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

export class RunError extends Error {
  override name = "RunError";
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
  train: Contexts;
  val: Contexts;
  test: Contexts;
}

/** Vocabulary, lecture split (Python random.seed(42) shuffle, 80/10/10) and contexts of `blockSize`. */
export function prepareData(words: string[], source: string, blockSize: number, vocab?: Vocab): PreparedData {
  vocab ??= Vocab.forWords(words, source);
  const split = splitWords(words);
  return {
    vocab,
    train: buildContexts(split.train, vocab, blockSize),
    val: buildContexts(split.val, vocab, blockSize),
    test: buildContexts(split.test, vocab, blockSize),
  };
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

export async function runTraining(config: RunConfig, hooks: RunHooks = {}): Promise<RunResult> {
  const preset = getPreset(config.preset);
  const recipe = preset.recipe;
  const seed = config.seed ?? 42;
  const backend = config.backend ?? "wasm";
  let resumed: ReturnType<typeof decodeCheckpoint> | null = null;
  if (config.resume) resumed = decodeCheckpoint(config.resume.model, { backend, maxBatch: 512 });
  const vocab = resumed ? Vocab.fromJSON(resumed.meta.vocab) : Vocab.forWords(config.words, config.dataSource);
  const modelConfig: ModelConfig = resumed ? resumed.meta.config : preset.model(vocab.size);
  const data = prepareData(config.words, config.dataSource, contextSize(modelConfig), vocab);
  if (data.train.count === 0) throw new RunError(`${config.dataSource}: too few names to make a training split`);
  const steps = config.steps ?? recipe.steps;
  if (!Number.isInteger(steps) || steps < 0) throw new RunError(`steps must be an integer ≥ 0, got ${steps}`);
  const batchSize = positiveInt("batch size", config.batchSize ?? recipe.batchSize);
  if (batchSize > data.train.count)
    throw new RunError(`batch size ${batchSize} is larger than the ${data.train.count} training examples`);
  const lr = config.lr ?? recipe.lr;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RunError(`learning rate must be a positive number, got ${config.lr}`);
  const meta = (step: number): CheckpointMeta => ({ preset: preset.name, config: modelConfig, vocab: vocab.toJSON(), step, data: config.dataSource });
  const started = performance.now();
  const examples = { train: data.train.count, val: data.val.count, test: data.test.count };

  if (modelConfig.type === "bigram") {
    const bigram = new CountBigram(vocab.size, modelConfig.smoothing);
    bigram.fit(data.train.X, data.train.Y);
    const trained: Trained = { kind: "bigram", bigram };
    const nll = (d: Examples) => (d.count ? bigram.nll(d.X, d.Y) : NaN);
    const summary: RunSummary = {
      preset: preset.name, params: vocab.size * vocab.size, steps: 0, train_loss: nll(data.train), val_loss: nll(data.val),
      test_loss: nll(data.test), best_val_loss: nll(data.val), seconds: (performance.now() - started) / 1000, steps_per_sec: 0,
      stopped: false, backend, examples,
    };
    hooks.onCheckpoint?.("last", encodeCheckpoint(trained, meta(0)), null);
    return { summary, trained, meta: meta(0), vocab };
  }

  const evalBatch = 512;
  const model = new Model(buildNetwork(modelConfig as NetworkConfig), {
    backend, maxBatch: Math.max(batchSize, evalBatch), gradBatch: batchSize, inputShape: [contextSize(modelConfig)], seed,
  });
  if (resumed && resumed.trained.kind === "network") model.paramBlock.data.set(resumed.trained.model.paramBlock.data);
  if (resumed && resumed.trained.kind === "network")
    for (let i = 0; i < model.buffers.length; i++) model.buffers[i].value.data.set(resumed.trained.model.buffers[i].value.data);
  const trainer = new Trainer(model, data.train, {
    steps, batchSize, seed, gradClip: recipe.gradClip, optimizer: recipe.optimizer, schedule: recipe.schedule(steps, lr),
  });
  if (resumed && config.resume) {
    const state = decodeOptimizerState(config.resume.optimizer, trainer.optimizer);
    if (state.step !== resumed.meta.step) throw new RunError(`optimizer state is from step ${state.step}, the checkpoint from step ${resumed.meta.step}`);
    trainer.restore(state.step, state.rngState as seedrandom.State.Arc4, state.optimizerStep);
    model.dropoutSeed = state.dropoutSeed;
  }
  const evalEvery = config.evalEvery ?? Math.max(1, Math.ceil(steps / 20));
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
    if (!Number.isFinite(loss)) throw new RunError(`training diverged: the loss is ${loss} at step ${trainer.step}; try a smaller --lr`);
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
      hooks.onEval?.({ step: trainer.step, trainLoss: lossSum / lossCount, valLoss }, model);
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
    train_loss: evaluate(model, data.train),
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
