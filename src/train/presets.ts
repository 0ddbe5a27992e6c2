// Presets: a model configuration and a training recipe each. The lecture presets reproduce the
// makemore lectures' configurations and schedules (batch 32, SGD 0.1 → 0.01); wavenet-plus is the
// improved hierarchical model (residual blocks, GELU, dropout, AdamW, warmup + cosine).
import type { ModelConfig } from "../models/networks.js";
import type { OptimizerOptions } from "../optim/optimizers.js";
import type { ScheduleSpec } from "../optim/schedule.js";

/** How to train: plain data, stored in checkpoints so a resumed run continues the same recipe. */
export interface Recipe {
  steps: number;
  batchSize: number;
  lr: number;
  schedule: ScheduleSpec;
  optimizer: OptimizerOptions;
  /** clip the global gradient norm to this value (0 = off) */
  gradClip: number;
  /** full validation passes over the run (default 20); each costs a forward over the whole split */
  evals?: number;
}

export interface Preset {
  name: string;
  description: string;
  /** what it trains on: names (one a line) or a plain character stream */
  data: "names" | "text";
  /** the architecture, completed with the data's vocabulary size and longest name */
  model: (vocabSize: number, maxLength?: number) => ModelConfig;
  recipe: Recipe;
}

const SGD: OptimizerOptions = { type: "sgd", momentum: 0, weightDecay: 0 };
/** the lectures: batch 32, SGD at 0.1, then 0.01 from `at`·steps */
const lecture = (steps: number, at: number): Recipe => ({
  steps,
  batchSize: 32,
  lr: 0.1,
  schedule: { type: "step", at, factor: 0.1 },
  optimizer: SGD,
  gradClip: 0,
});

export const PRESETS: Record<string, Preset> = {
  bigram: {
    name: "bigram",
    data: "names",
    description: "count bigram with add-1 smoothing (lecture 1); fitted in one pass, no gradient steps",
    model: (vocabSize) => ({ type: "bigram", vocabSize, smoothing: 1 }),
    recipe: lecture(0, 1),
  },
  nbigram: {
    data: "names",
    name: "nbigram",
    description: "neural bigram: a V×V logit table trained by gradient descent (lecture 1)",
    model: (vocabSize) => ({ type: "nbigram", vocabSize }),
    recipe: { steps: 3000, batchSize: 512, lr: 10, schedule: { type: "step", at: 0.8, factor: 0.1 }, optimizer: SGD, gradClip: 0 },
  },
  mlp: {
    data: "names",
    name: "mlp",
    description: "Bengio MLP: block 3, 10-d embeddings, 200 tanh units (lecture 2), 200k steps",
    model: (vocabSize) => ({ type: "mlp", vocabSize, blockSize: 3, nEmbd: 10, nHidden: 200, batchnorm: false }),
    recipe: lecture(200_000, 0.5),
  },
  bnmlp: {
    data: "names",
    name: "bnmlp",
    description: "MLP with BatchNorm and Kaiming init (lecture 3): 12,097 parameters, 200k steps",
    model: (vocabSize) => ({ type: "mlp", vocabSize, blockSize: 3, nEmbd: 10, nHidden: 200, batchnorm: true }),
    recipe: lecture(200_000, 0.5),
  },
  wavenet: {
    data: "names",
    name: "wavenet",
    description: "hierarchical WaveNet (lecture 5): block 8, 24-d embeddings, 128 hidden, 76,579 parameters, 200k steps",
    model: (vocabSize) => ({
      type: "wavenet", vocabSize, blockSize: 8, nEmbd: 24, nHidden: 128, activation: "tanh", residualBlocks: 0, dropout: 0, sharedFusion: false,
    }),
    recipe: lecture(200_000, 0.75),
  },
  "wavenet-plus": {
    data: "names",
    name: "wavenet-plus",
    description: "improved hierarchical model: wider, a residual block per stage, GELU, dropout, AdamW with warmup + cosine",
    model: (vocabSize) => ({
      type: "wavenet", vocabSize, blockSize: 8, nEmbd: 32, nHidden: 192, activation: "gelu", residualBlocks: 1, dropout: 0.2, sharedFusion: false,
    }),
    recipe: {
      steps: 75_000,
      batchSize: 64,
      lr: 3e-3,
      schedule: { type: "cosine", warmup: 1000, minRatio: 0.01 },
      optimizer: { type: "adamw", beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05 },
      gradClip: 1,
    },
  },
  gpt: {
    data: "names",
    name: "gpt",
    description: "GPT over whole names: 6 layers, 4 heads, 64-d (makemore's Transformer has 4), dropout 0.1, AdamW with warmup + cosine",
    model: (vocabSize, maxLength = 15) => ({
      type: "gpt", vocabSize, blockSize: maxLength + 1, nLayer: 6, nHead: 4, nEmbd: 64, dropout: 0.1, bias: false, tied: true,
    }),
    // from full runs on names.txt, chosen on the lectures' validation split (README, GPT): 4 layers
    // val 1.9800 at batch 32 and lr 1e-3 × 20,000 steps, 1.9678 at 4e-3, 1.9593 at batch 64 and
    // 6e-3 × 10,000; then 6 layers 1.9506 (8 layers 1.9497 in 37% more time; 96-d 1.9599)
    recipe: {
      steps: 10_000,
      batchSize: 64,
      lr: 6e-3,
      schedule: { type: "cosine", warmup: 500, minRatio: 0.1 },
      optimizer: { type: "adamw", beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 },
      gradClip: 1,
    },
  },
  "gpt-shakespeare": {
    data: "text",
    name: "gpt-shakespeare",
    description:
      "character-level GPT on plain text in under 3 minutes on one core: nanoGPT's shakespeare_char CPU layout (4 layers, 4 heads, context 64) at half its width (64-d), batch 24, lr 1.2e-2",
    // Chosen from 3-minute runs on Tiny Shakespeare (README, GPT): at this compute budget a
    // narrower model seeing more tokens beats nanoGPT's 128-d one (val 1.74 vs 1.90 in ~3 minutes).
    model: (vocabSize) => ({ type: "gpt", vocabSize, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 64, dropout: 0, bias: false, tied: true }),
    recipe: {
      steps: 1700,
      batchSize: 24,
      lr: 1.2e-2,
      schedule: { type: "cosine", warmup: 50, minRatio: 0.1 },
      optimizer: { type: "adamw", beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 },
      gradClip: 1,
      // a pass over the 111k-character validation split costs ~25 training steps: 4, not 20, of them
      evals: 4,
    },
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
