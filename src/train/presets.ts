// Presets: a model configuration and a training recipe each. The lecture presets reproduce the
// makemore lectures' configurations and schedules (batch 32, SGD 0.1 → 0.01).
import type { ModelConfig } from "../models/networks.js";
import type { OptimizerOptions } from "../optim/optimizers.js";
import type { Schedule } from "../optim/schedule.js";

export interface Recipe {
  steps: number;
  batchSize: number;
  optimizer: OptimizerOptions;
  /** learning-rate schedule, built for the run's step count and base learning rate */
  schedule: (steps: number, lr: number) => Schedule;
  lr: number;
  gradClip: number;
}

export interface Preset {
  name: string;
  description: string;
  /** the architecture, completed with the data's vocabulary size */
  model: (vocabSize: number) => ModelConfig;
  recipe: Recipe;
}

const sgd: OptimizerOptions = { type: "sgd", momentum: 0, weightDecay: 0 };
/** lectures: lr for the first `fraction` of the steps, then lr/10 */
const stepDecay = (fraction: number) => (steps: number, lr: number): Schedule => ({
  type: "step",
  values: [lr, lr / 10],
  milestones: [Math.round(steps * fraction)],
});
const lecture = (steps: number, fraction: number): Recipe => ({
  steps,
  batchSize: 32,
  optimizer: sgd,
  schedule: stepDecay(fraction),
  lr: 0.1,
  gradClip: 0,
});

export const PRESETS: Record<string, Preset> = {
  bigram: {
    name: "bigram",
    description: "count bigram with add-1 smoothing (lecture 1); fitted in one pass, no gradient steps",
    model: (vocabSize) => ({ type: "bigram", vocabSize, smoothing: 1 }),
    recipe: { ...lecture(0, 1) },
  },
  nbigram: {
    name: "nbigram",
    description: "neural bigram: a V×V logit table trained by gradient descent (lecture 1)",
    model: (vocabSize) => ({ type: "nbigram", vocabSize }),
    recipe: { steps: 3000, batchSize: 512, optimizer: sgd, schedule: stepDecay(0.8), lr: 10, gradClip: 0 },
  },
  mlp: {
    name: "mlp",
    description: "Bengio MLP: block 3, 10-d embeddings, 200 tanh units (lecture 2), 200k steps",
    model: (vocabSize) => ({ type: "mlp", vocabSize, blockSize: 3, nEmbd: 10, nHidden: 200, batchnorm: false }),
    recipe: lecture(200_000, 0.5),
  },
  bnmlp: {
    name: "bnmlp",
    description: "MLP with BatchNorm and Kaiming init (lecture 3): 12,097 parameters, 200k steps",
    model: (vocabSize) => ({ type: "mlp", vocabSize, blockSize: 3, nEmbd: 10, nHidden: 200, batchnorm: true }),
    recipe: lecture(200_000, 0.5),
  },
  wavenet: {
    name: "wavenet",
    description: "hierarchical WaveNet (lecture 5): block 8, 24-d embeddings, 128 hidden, 76,579 parameters, 200k steps",
    model: (vocabSize) => ({ type: "wavenet", vocabSize, blockSize: 8, nEmbd: 24, nHidden: 128, activation: "tanh", residualBlocks: 0, dropout: 0, sharedFusion: false }),
    recipe: lecture(200_000, 0.75),
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
