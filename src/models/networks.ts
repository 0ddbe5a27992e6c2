// Model configurations and the networks they build. Defaults reproduce the makemore lectures;
// the PyTorch twins of these networks are in reference/torch_reference.py (same state-dict names).
import { Embedding } from "../nn/embedding.js";
import { Linear } from "../nn/linear.js";
import { BatchNorm1d } from "../nn/batchnorm.js";
import { Tanh, GELU, Dropout } from "../nn/activations.js";
import { FlattenConsecutive, Residual, Sequential } from "../nn/structure.js";
import { constant, normal } from "../nn/init.js";
import type { Layer } from "../nn/layer.js";
import { buildGpt, checkGptConfig, type GptConfig } from "./gpt.js";

/** Count bigram: no network, a smoothed count table (src/models/bigram.ts). */
export interface BigramConfig {
  type: "bigram";
  vocabSize: number;
  /** add-α smoothing */
  smoothing: number;
}

/** Neural bigram: logits = W[x], a V×V table trained by gradient descent. */
export interface NeuralBigramConfig {
  type: "nbigram";
  vocabSize: number;
}

/** Bengio et al. 2003 MLP, optionally with BatchNorm after the hidden Linear (lecture 3). */
export interface MlpConfig {
  type: "mlp";
  vocabSize: number;
  blockSize: number;
  nEmbd: number;
  nHidden: number;
  batchnorm: boolean;
}

/** Hierarchical WaveNet-style model (lecture 5) and the options of its improved variant. */
export interface WaveNetConfig {
  type: "wavenet";
  vocabSize: number;
  blockSize: number;
  nEmbd: number;
  nHidden: number;
  activation: "tanh" | "gelu";
  /** residual blocks (Linear → BatchNorm → activation) added after each fusion stage */
  residualBlocks: number;
  dropout: number;
  /** one fusion Linear reused by every stage (needs nEmbd == nHidden) instead of one per stage */
  sharedFusion: boolean;
}

/** GPT (src/models/gpt.ts): a transformer over whole sequences, output [blockSize, V] per example. */
export type GptNetworkConfig = { type: "gpt" } & GptConfig;

export type NetworkConfig = NeuralBigramConfig | MlpConfig | WaveNetConfig | GptNetworkConfig;
export type ModelConfig = BigramConfig | NetworkConfig;

/** Whether the model predicts every position of a sequence (GPT) rather than the next character. */
export const isSequenceModel = (config: ModelConfig): boolean => config.type === "gpt";

/** Context length each example needs (the model's input shape is [contextSize]). */
export function contextSize(config: ModelConfig): number {
  return config.type === "bigram" || config.type === "nbigram" ? 1 : config.blockSize;
}

/** Validate a configuration, with a message a user can act on. */
export function checkConfig(config: ModelConfig): void {
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  };
  positive("vocabSize", config.vocabSize);
  if (config.type === "gpt") return checkGptConfig(config);
  if (config.type === "bigram") {
    if (!(config.smoothing >= 0)) throw new RangeError(`smoothing must be ≥ 0, got ${config.smoothing}`);
    return;
  }
  if (config.type === "nbigram") return;
  positive("blockSize", config.blockSize);
  positive("nEmbd", config.nEmbd);
  positive("nHidden", config.nHidden);
  if (config.type === "wavenet") {
    const stages = Math.log2(config.blockSize);
    if (!Number.isInteger(stages) || stages < 1)
      throw new RangeError(`a WaveNet halves its context at every stage: blockSize must be a power of two ≥ 2, got ${config.blockSize}`);
    if (!(config.dropout >= 0 && config.dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${config.dropout}`);
    if (!Number.isInteger(config.residualBlocks) || config.residualBlocks < 0)
      throw new RangeError(`residualBlocks must be an integer ≥ 0, got ${config.residualBlocks}`);
    if (config.sharedFusion && config.nEmbd !== config.nHidden)
      throw new RangeError(`a shared fusion block needs nEmbd == nHidden, got ${config.nEmbd} and ${config.nHidden}`);
  }
}

/** Build the network for a configuration; parameter names follow nn.Sequential ("0.weight", …). */
export function buildNetwork(config: NetworkConfig): Layer {
  checkConfig(config);
  const V = config.vocabSize;
  switch (config.type) {
    case "gpt":
      return buildGpt(config);
    case "nbigram":
      // lecture 2: W = randn(27, 27)
      return new Sequential(new Embedding(V, V, normal(1)));
    case "mlp": {
      const { blockSize: T, nEmbd: C, nHidden: H } = config;
      if (!config.batchnorm)
        // lecture 2: every parameter ~ randn
        return new Sequential(
          new Embedding(V, C, normal(1)),
          new FlattenConsecutive(T),
          new Linear(T * C, H, { weightInit: normal(1), biasInit: normal(1) }),
          new Tanh(),
          new Linear(H, V, { weightInit: normal(1), biasInit: normal(1) }),
        );
      // lecture 3: Kaiming init with tanh gain 5/3, no bias before BatchNorm, small last layer
      return new Sequential(
        new Embedding(V, C, normal(1)),
        new FlattenConsecutive(T),
        new Linear(T * C, H, { bias: false, weightInit: normal(5 / 3 / Math.sqrt(T * C)) }),
        new BatchNorm1d(H),
        new Tanh(),
        new Linear(H, V, { weightInit: normal(0.01), biasInit: constant(0) }),
      );
    }
    case "wavenet": {
      // lecture 5: W ~ randn/√fan_in, last layer × 0.1; each stage fuses pairs of positions
      const { blockSize: T, nEmbd: C, nHidden: H } = config;
      const act = () => (config.activation === "gelu" ? new GELU() : new Tanh());
      const layers: Layer[] = [new Embedding(V, C, normal(1))];
      let width = C;
      let shared: Linear | undefined;
      for (let t = T; t > 1; t /= 2) {
        const fusion = new Linear(2 * width, H, { bias: false, sharedWith: shared });
        if (config.sharedFusion) shared ??= fusion;
        layers.push(new FlattenConsecutive(2), fusion, new BatchNorm1d(H), act());
        if (config.dropout > 0) layers.push(new Dropout(config.dropout));
        for (let r = 0; r < config.residualBlocks; r++)
          layers.push(new Residual(new Linear(H, H, { bias: false }), new BatchNorm1d(H), act()));
        width = H;
      }
      layers.push(new Linear(H, V, { weightInit: normal(0.1 / Math.sqrt(H)) }));
      return new Sequential(...layers);
    }
  }
}
