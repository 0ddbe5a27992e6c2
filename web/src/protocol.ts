// Messages between the page (main.ts) and the training worker (worker.ts). Byte payloads travel
// as transferred ArrayBuffers; everything else is structured-clone plain data.
import type { BackendName } from "../../src/kernels/types.js";

/** Where the training names come from. */
export type DataChoice =
  | { kind: "builtin" }
  | { kind: "paste"; text: string }
  | { kind: "file"; name: string; bytes: ArrayBuffer };

export interface TrainRequest {
  type: "train";
  data: DataChoice;
  preset: string;
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  backend: BackendName;
  /** names drawn from the live model at each sampling point */
  sampleCount: number;
}

export type ToWorker =
  | TrainRequest
  | { type: "pause" }
  | { type: "resume" }
  | { type: "stop" }
  | { type: "load"; name: string; bytes: ArrayBuffer }
  | { type: "sample"; count: number; temperature: number; seed: number };

export interface Sample {
  text: string;
  /** true when the name is in the training data, null when the data is not known */
  inData: boolean | null;
}

export interface ModelInfo {
  preset: string;
  step: number;
  params: number;
  data: string;
  vocabSize: number;
}

export type FromWorker =
  | { type: "ready"; builtinCount: number; builtinSource: string }
  | { type: "started"; names: number; source: string; steps: number; evalEvery: number }
  | { type: "progress"; step: number; steps: number; loss: number; lr: number; stepsPerSec: number; seconds: number }
  | { type: "eval"; step: number; trainLoss: number; valLoss: number; params: number }
  | { type: "samples"; step: number; samples: Sample[]; origin: "live" | "request" }
  | { type: "paused" }
  | { type: "resumed" }
  | {
      type: "finished";
      stopped: boolean;
      summary: { steps: number; seconds: number; stepsPerSec: number; trainLoss: number; valLoss: number; testLoss: number; params: number };
      checkpoint: ArrayBuffer;
      fileName: string;
    }
  | { type: "loaded"; info: ModelInfo; fileName: string }
  | { type: "error"; context: "train" | "load" | "sample"; message: string };
