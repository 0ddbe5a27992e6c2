// wasmore's library API: the same functions the CLI and the web app use, typed, with no Node-only
// import (file loading for Node is in "wasmore/node": src/node.ts).
export { runTraining, prepareData, getPreset, RunError, type RunConfig, type RunHooks, type RunResult, type RunSummary, type StepInfo, type EvalInfo } from "./train/run.js";
export { Trainer, evaluate, scoreBatches, type Examples, type ScoredBatch, type TrainOptions } from "./train/trainer.js";
export { ensembleLoss, bigramScores } from "./train/ensemble.js";
export { PRESETS, PRESET_NAMES, type Preset, type Recipe } from "./train/presets.js";
export { lossCurveSvg, type CurvePoint } from "./train/plot.js";
export { Model, bindParameters, namedLayers, type ModelOptions } from "./models/model.js";
export { buildNetwork, checkConfig, contextSize, type ModelConfig, type NetworkConfig } from "./models/networks.js";
export { CountBigram } from "./models/bigram.js";
export { sampleTokens, sampleBigram, sampleEnsemble, drawFromLogits, type SampleOptions } from "./models/sample.js";
export { encodeCheckpoint, decodeCheckpoint, encodeOptimizerState, decodeOptimizerState, CheckpointError, FORMAT, type Trained, type CheckpointMeta } from "./io/checkpoint.js";
export { encodeSafetensors, decodeSafetensors, SafetensorsError } from "./io/safetensors.js";
export { gradcheck, type GradcheckRow } from "./gradcheck/gradcheck.js";
export { Arena, Region, ArenaError } from "./memory/arena.js";
export { createKernels, BACKENDS, type BackendName, type Kernels, type KernelOps } from "./kernels/index.js";
export { Optimizer, type OptimizerOptions } from "./optim/optimizers.js";
export { learningRate, type Schedule } from "./optim/schedule.js";
export * from "./data/index.js";
