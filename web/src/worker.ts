// The training worker: the same TypeScript core and WASM kernels as the CLI (runTraining,
// decodeCheckpoint, sampleTokens), driven by messages from the page. Training yields to this
// worker's event loop every 100 ms, so pause, stop and sample messages get through mid-run.
import { decodeText, defaultNames, parseNames, DEFAULT_NAMES_SOURCE, Vocab } from "../../src/data/index.js";
import { runTraining } from "../../src/train/run.js";
import { decodeCheckpoint, type Trained } from "../../src/io/checkpoint.js";
import { sampleBigram, sampleTokens } from "../../src/models/sample.js";
import type { DataChoice, FromWorker, Sample, ToWorker, TrainRequest } from "./protocol.js";

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

/** Post progress at most this often (ms); the page redraws on each message. */
const PROGRESS_MS = 150;
/** Draw fresh samples from the live model at most this often (ms). */
const SAMPLES_MS = 1000;
/** About this many validation points per run (the page's curve), at least MIN_EVAL_EVERY steps apart:
 * one validation pass costs about as much as 25 training steps of the lecture models. */
const EVAL_POINTS = 100;
const MIN_EVAL_EVERY = 25;
/** The batch the loaded model is planned for: the largest sample count the page asks for. */
const MAX_SAMPLES = 64;

let builtin: string[] | null = null;
const builtinNames = () => (builtin ??= defaultNames());

/** The model "Sample" draws from: the last trained or loaded one. */
let current: { trained: Trained; vocab: Vocab; known: Set<string> | null } | null = null;
let training = false;
let stopRequested = false;
let pause: { promise: Promise<void>; resume: () => void } | null = null;

function namesOf(data: DataChoice): { words: string[]; source: string } {
  switch (data.kind) {
    case "builtin":
      return { words: builtinNames(), source: DEFAULT_NAMES_SOURCE };
    case "paste":
      return { words: parseNames(data.text, "the pasted list"), source: "pasted list" };
    case "file":
      return { words: parseNames(decodeText(new Uint8Array(data.bytes), data.name), data.name), source: data.name };
  }
}

function draw(trained: Trained, vocab: Vocab, known: Set<string> | null, count: number, temperature: number, seed: number): Sample[] {
  const options = { count, temperature, seed };
  const tokens = trained.kind === "bigram" ? sampleBigram(trained.bigram, options) : sampleTokens(trained.model, options);
  return tokens.map((ids) => {
    const text = vocab.decode(Int32Array.from(ids));
    return { text, inData: known ? known.has(text) : null };
  });
}

/** The library's own errors carry messages fit to show as they are; anything else also names its type. */
function messageOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return /^(Data|Run|Checkpoint|Arena|Range)Error$|^Error$/.test(e.name) ? e.message : `${e.name}: ${e.message}`;
}

async function train(request: TrainRequest): Promise<void> {
  const { words, source } = namesOf(request.data);
  const vocab = Vocab.forWords(words, source); // the vocabulary runTraining builds from the same words
  const known = new Set(words);
  const { steps, sampleCount } = request;
  const evalEvery = Math.max(MIN_EVAL_EVERY, Math.ceil(steps / EVAL_POINTS));
  const started = performance.now();
  let lastProgress = 0;
  let lossSum = 0;
  let lossCount = 0;
  let lastSamples = -Infinity;
  let checkpoint: Uint8Array | null = null;
  post({ type: "started", names: words.length, source, steps, evalEvery });
  const result = await runTraining(
    { preset: request.preset, words, dataSource: source, steps, batchSize: request.batchSize, lr: request.lr, seed: request.seed, backend: request.backend, evalEvery },
    {
      onStep: (s) => {
        lossSum += s.loss;
        lossCount++;
        const now = performance.now();
        if (now - lastProgress < PROGRESS_MS && s.step !== s.steps) return;
        post({ type: "progress", step: s.step, steps: s.steps, loss: lossSum / lossCount, lr: s.lr, stepsPerSec: s.stepsPerSec, seconds: (now - started) / 1000 });
        lastProgress = now;
        lossSum = 0;
        lossCount = 0;
      },
      onEval: (e, model) => {
        post({ type: "eval", step: e.step, trainLoss: e.trainLoss, valLoss: e.valLoss, params: model.parameterCount });
        const now = performance.now();
        if (sampleCount === 0 || now - lastSamples < SAMPLES_MS) return;
        lastSamples = now;
        post({ type: "samples", step: e.step, origin: "live", samples: draw({ kind: "network", model }, vocab, known, sampleCount, 1, request.seed + e.step) });
      },
      onCheckpoint: (kind, bytes) => {
        if (kind === "last") checkpoint = bytes;
      },
      shouldStop: () => stopRequested,
      waitWhilePaused: () => pause?.promise,
    },
  );
  const s = result.summary;
  current = { trained: result.trained, vocab: result.vocab, known };
  if (sampleCount > 0)
    post({ type: "samples", step: s.steps, origin: "live", samples: draw(result.trained, result.vocab, known, sampleCount, 1, request.seed + s.steps) });
  const bytes = (checkpoint as Uint8Array | null) ?? new Uint8Array(0);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  post(
    {
      type: "finished",
      stopped: s.stopped,
      summary: { steps: s.steps, seconds: s.seconds, stepsPerSec: s.steps_per_sec, trainLoss: s.train_loss, valLoss: s.val_loss, testLoss: s.test_loss, params: s.params },
      checkpoint: buffer,
      fileName: `wasmore-${s.preset}-step${s.steps}.safetensors`,
    },
    [buffer],
  );
}

function load(name: string, bytes: ArrayBuffer): void {
  const { trained, meta } = decodeCheckpoint(new Uint8Array(bytes), { backend: "wasm", maxBatch: MAX_SAMPLES });
  const vocab = Vocab.fromJSON(meta.vocab);
  const known = meta.data === DEFAULT_NAMES_SOURCE ? new Set(builtinNames()) : null;
  current = { trained, vocab, known };
  const params = trained.kind === "bigram" ? trained.bigram.vocabSize ** 2 : trained.model.parameterCount;
  post({ type: "loaded", fileName: name, info: { preset: meta.preset, step: meta.step, params, data: meta.data, vocabSize: vocab.size } });
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "train":
      if (training) return post({ type: "error", context: "train", message: "a run is already in progress" });
      training = true;
      stopRequested = false;
      pause = null;
      train(message)
        .catch((e) => post({ type: "error", context: "train", message: messageOf(e) }))
        .finally(() => {
          training = false;
          pause = null;
        });
      return;
    case "pause":
      if (!training || pause) return;
      {
        let resume = () => {};
        const promise = new Promise<void>((r) => (resume = r));
        pause = { promise, resume };
      }
      return post({ type: "paused" });
    case "resume":
    case "stop":
      if (message.type === "stop") stopRequested = true;
      if (pause) {
        pause.resume();
        pause = null;
        if (message.type === "resume") post({ type: "resumed" });
      }
      return;
    case "load":
      try {
        load(message.name, message.bytes);
      } catch (e) {
        post({ type: "error", context: "load", message: `${message.name}: ${messageOf(e)}` });
      }
      return;
    case "sample":
      try {
        if (!current) throw new Error("there is no model yet: train one or load a checkpoint");
        post({ type: "samples", step: -1, origin: "request", samples: draw(current.trained, current.vocab, current.known, message.count, message.temperature, message.seed) });
      } catch (e) {
        post({ type: "error", context: "sample", message: messageOf(e) });
      }
      return;
  }
};

post({ type: "ready", builtinCount: builtinNames().length, builtinSource: DEFAULT_NAMES_SOURCE });
