// Checkpoints as safetensors: F32 tensors under PyTorch state-dict names ("2.weight",
// "3.running_mean", plus I64 "3.num_batches_tracked" so torch's load_state_dict is strict-clean),
// and __metadata__ with the format version, model config, vocabulary, training step, recipe and split.
// Loading treats the bytes as untrusted: every tensor is checked against the config's shapes.
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type NamedTensor, type SafetensorsFile } from "./safetensors.js";
import { buildNetwork, checkConfig, contextSize, type ModelConfig, type NetworkConfig } from "../models/networks.js";
import { Model } from "../models/model.js";
import { CountBigram } from "../models/bigram.js";
import { Vocab, type VocabJSON } from "../data/vocab.js";
import { SPLIT_NAMES, type SplitName } from "../data/dataset.js";
import type { BackendName } from "../kernels/types.js";
import type { Optimizer } from "../optim/optimizers.js";
import type { Recipe } from "../train/presets.js";

export const FORMAT = "wasmore/1";

export class CheckpointError extends Error {
  override name = "CheckpointError";
}

export interface CheckpointMeta {
  preset: string;
  config: ModelConfig;
  vocab: VocabJSON;
  step: number;
  /** where the training data came from (a path, URL or the embedded set's label) */
  data: string;
  /** how it was trained (absent in checkpoints written by other tools) */
  recipe?: Recipe;
  /** names: the split it was trained on (absent: the lectures') */
  split?: SplitName;
}

export type Trained = { kind: "bigram"; bigram: CountBigram } | { kind: "network"; model: Model };

function metadataOf(meta: CheckpointMeta): Record<string, string> {
  return {
    format: FORMAT,
    preset: meta.preset,
    config: JSON.stringify(meta.config),
    vocab: JSON.stringify(meta.vocab),
    step: String(meta.step),
    data: meta.data,
    ...(meta.recipe ? { recipe: JSON.stringify(meta.recipe) } : {}),
    ...(meta.split ? { split: meta.split } : {}),
  };
}

/** Serialise a trained model (parameters and running statistics) to safetensors bytes. */
export function encodeCheckpoint(trained: Trained, meta: CheckpointMeta): Uint8Array {
  const tensors: NamedTensor[] = [];
  if (trained.kind === "bigram") {
    const V = trained.bigram.vocabSize;
    tensors.push({ name: "probs", dtype: "F32", shape: [V, V], data: trained.bigram.toFloat32() });
  } else {
    const { model } = trained;
    for (const p of model.params) tensors.push({ name: p.name, dtype: "F32", shape: p.shape, data: p.value.data.slice() });
    for (const b of model.buffers) tensors.push({ name: b.name, dtype: "F32", shape: b.shape, data: b.value.data.slice() });
    // PyTorch's BatchNorm keeps a step counter; writing it lets load_state_dict(strict=True) succeed
    for (const b of model.buffers)
      if (b.name.endsWith(".running_mean"))
        tensors.push({ name: b.name.replace(/running_mean$/, "num_batches_tracked"), dtype: "I64", shape: [], data: BigInt64Array.of(BigInt(meta.step)) });
  }
  return encodeSafetensors(tensors, metadataOf(meta));
}

function parseJSON<T>(text: string | undefined, what: string): T {
  if (text === undefined) throw new CheckpointError(`checkpoint metadata has no "${what}"`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CheckpointError(`checkpoint metadata "${what}" is not valid JSON`);
  }
}

/** Read and validate the metadata of a decoded checkpoint. */
export function readMeta(file: SafetensorsFile): CheckpointMeta {
  const m = file.metadata;
  if (m.format !== FORMAT) throw new CheckpointError(`not a wasmore checkpoint (format ${JSON.stringify(m.format ?? null)}, expected "${FORMAT}")`);
  const config = parseJSON<ModelConfig>(m.config, "config");
  if (typeof config !== "object" || config === null || !["bigram", "nbigram", "mlp", "wavenet", "gpt"].includes(config.type))
    throw new CheckpointError(`checkpoint config has an unknown model type`);
  try {
    checkConfig(config);
  } catch (e) {
    throw new CheckpointError(`checkpoint config is invalid: ${(e as Error).message}`);
  }
  let vocab: Vocab;
  try {
    vocab = Vocab.fromJSON(parseJSON<VocabJSON>(m.vocab, "vocab"));
  } catch (e) {
    throw new CheckpointError(`checkpoint vocabulary is invalid: ${(e as Error).message}`);
  }
  if (vocab.size !== config.vocabSize)
    throw new CheckpointError(`checkpoint vocabulary has ${vocab.size} characters but the model expects ${config.vocabSize}`);
  const step = Number(m.step);
  if (!Number.isSafeInteger(step) || step < 0) throw new CheckpointError(`checkpoint step ${JSON.stringify(m.step)} is not a non-negative integer`);
  const recipe = m.recipe === undefined ? undefined : parseJSON<Recipe>(m.recipe, "recipe");
  if (recipe !== undefined && (typeof recipe !== "object" || recipe === null || !Number.isInteger(recipe.steps)))
    throw new CheckpointError("checkpoint metadata \"recipe\" is malformed");
  if (m.split !== undefined && !SPLIT_NAMES.includes(m.split as SplitName))
    throw new CheckpointError(`checkpoint metadata "split" is ${JSON.stringify(m.split)}, not one of ${SPLIT_NAMES.join(", ")}`);
  const split = m.split as SplitName | undefined;
  return { preset: m.preset ?? config.type, config, vocab: vocab.toJSON(), step, data: m.data ?? "", ...(recipe ? { recipe } : {}), ...(split ? { split } : {}) };
}

function finite(name: string, data: Float32Array): Float32Array {
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i])) throw new CheckpointError(`tensor "${name}" has a non-finite value at index ${i}`);
  return data;
}

function tensorOf(file: SafetensorsFile, name: string, shape: number[]): Float32Array {
  const t = file.tensors.get(name);
  if (!t) throw new CheckpointError(`checkpoint has no tensor "${name}"`);
  if (t.dtype !== "F32") throw new CheckpointError(`tensor "${name}" is ${t.dtype}, expected F32`);
  if (t.shape.join() !== shape.join())
    throw new CheckpointError(`tensor "${name}" has shape [${t.shape}], the config needs [${shape}]`);
  return finite(name, t.data);
}

export interface LoadOptions {
  backend?: BackendName;
  /**
   * largest batch the loaded model must handle (evaluation chunk, sampling count), or a function of
   * the checkpoint's metadata (evaluation uses the training batch, so it reproduces the run's losses)
   */
  maxBatch?: number | ((meta: CheckpointMeta) => number);
}

/** Decode and validate checkpoint bytes into a ready model. Throws CheckpointError on any problem. */
export function decodeCheckpoint(bytes: Uint8Array, options: LoadOptions = {}): { trained: Trained; meta: CheckpointMeta } {
  let file: SafetensorsFile;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(e.message);
    throw e;
  }
  const meta = readMeta(file);
  const config = meta.config;
  if (config.type === "bigram") {
    const V = config.vocabSize;
    const bigram = new CountBigram(V, config.smoothing);
    const probs = tensorOf(file, "probs", [V, V]);
    for (let i = 0; i < probs.length; i++)
      if (probs[i] < 0) throw new CheckpointError(`tensor "probs" has a negative probability at index ${i}`);
    bigram.probs.set(probs);
    return { trained: { kind: "bigram", bigram }, meta };
  }
  const model = new Model(buildNetwork(config as NetworkConfig), {
    backend: options.backend,
    maxBatch: typeof options.maxBatch === "function" ? options.maxBatch(meta) : (options.maxBatch ?? 512),
    inputShape: [contextSize(config)],
  });
  const expected = new Set<string>();
  for (const p of model.params) {
    p.value.data.set(tensorOf(file, p.name, p.shape));
    expected.add(p.name);
  }
  for (const b of model.buffers) {
    b.value.data.set(tensorOf(file, b.name, b.shape));
    expected.add(b.name);
    if (b.name.endsWith(".running_var") && b.value.data.some((v) => v < 0))
      throw new CheckpointError(`tensor "${b.name}" has a negative variance`);
  }
  for (const name of file.tensors.keys())
    if (!expected.has(name) && !name.endsWith(".num_batches_tracked"))
      throw new CheckpointError(`checkpoint has an unexpected tensor "${name}" for a ${meta.preset} model`);
  return { trained: { kind: "network", model }, meta };
}

/** Where the trainer's random streams and counters stand, for exact resume. */
export interface TrainerState {
  step: number;
  optimizerStep: number;
  rngState: object;
  dropoutSeed: number;
}

/** Optimiser state and the trainer's random state, for exact resume (OUT/optimizer.safetensors). */
export function encodeOptimizerState(optimizer: Optimizer, state: TrainerState): Uint8Array {
  const n = optimizer.state1.length;
  return encodeSafetensors(
    [
      { name: "state1", dtype: "F32", shape: [n], data: optimizer.state1.data.slice() },
      { name: "state2", dtype: "F32", shape: [optimizer.state2.length], data: optimizer.state2.data.slice() },
    ],
    {
      format: FORMAT,
      optimizer: optimizer.options.type,
      optimizer_step: String(state.optimizerStep),
      step: String(state.step),
      rng: JSON.stringify(state.rngState),
      dropout_seed: String(state.dropoutSeed),
    },
  );
}

export function decodeOptimizerState(bytes: Uint8Array, optimizer: Optimizer): TrainerState {
  let file: SafetensorsFile;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`optimizer state: ${e.message}`);
    throw e;
  }
  const m = file.metadata;
  if (m.format !== FORMAT || m.optimizer !== optimizer.options.type)
    throw new CheckpointError(`optimizer state is for ${m.optimizer ?? "an unknown optimizer"}, this run uses ${optimizer.options.type}`);
  optimizer.state1.data.set(tensorOf(file, "state1", [optimizer.state1.length]));
  optimizer.state2.data.set(tensorOf(file, "state2", [optimizer.state2.length]));
  const [step, optimizerStep, dropoutSeed] = [Number(m.step), Number(m.optimizer_step), Number(m.dropout_seed)];
  if (![step, optimizerStep, dropoutSeed].every((v) => Number.isSafeInteger(v) && v >= 0))
    throw new CheckpointError("optimizer state has an invalid step or seed");
  return { step, optimizerStep, dropoutSeed, rngState: parseJSON<object>(m.rng, "rng") };
}
