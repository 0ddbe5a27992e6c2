// The CLI commands. Each validates its arguments (UsageError → exit 2), does its work through the
// library, and prints for people or, with --json, one JSON object on the last line of stdout.
import { existsSync, appendFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { defaultNames, DEFAULT_NAMES_SOURCE } from "../data/default-names.js";
import { loadNames, loadText } from "../data/load-node.js";
import { maxWordLength, type SplitName } from "../data/dataset.js";
import { Vocab } from "../data/vocab.js";
import { runTraining, prepareData, trainLossData, type DataSource, type RunSummary } from "../train/run.js";
import { scoreBatches, writeBatch, type Examples } from "../train/trainer.js";
import { bigramScores, ensembleLoss } from "../train/ensemble.js";
import { PRESETS, PRESET_NAMES } from "../train/presets.js";
import { lossCurveSvg, type CurvePoint } from "../train/plot.js";
import { decodeCheckpoint, type CheckpointMeta, type LoadOptions, type Trained } from "../io/checkpoint.js";
import { contextSize, buildNetwork, type NetworkConfig } from "../models/networks.js";
import { Model } from "../models/model.js";
import { sampleEnsemble } from "../models/sample.js";
import { gradcheck } from "../gradcheck/gradcheck.js";
import type { BackendName } from "../kernels/types.js";
import { Progress } from "./progress.js";
import { writeAtomic, prepareOutDir, readCheckpointFile } from "./files.js";
import { UsageError } from "./errors.js";

const out = (s = "") => process.stdout.write(`${s}\n`);

function positive(name: string, v: number | undefined, integer = true): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
    throw new UsageError(`--${name} must be a positive ${integer ? "integer" : "number"}, got ${v}`);
}

/** Names from --data (path or URL) or the embedded set. */
async function namesFrom(data: string | undefined): Promise<{ words: string[]; source: string }> {
  if (data === undefined || data === DEFAULT_NAMES_SOURCE) return { words: defaultNames(), source: DEFAULT_NAMES_SOURCE };
  if (data.trim() === "") throw new UsageError("--data is empty; pass a file path or an http(s) URL");
  return { words: await loadNames(data), source: data };
}

/** The data a run or checkpoint needs: names (default: the embedded set) or plain text (--data required). */
async function dataFrom(data: string | undefined, kind: "names" | "text"): Promise<DataSource> {
  if (kind === "names") {
    const { words, source } = await namesFrom(data);
    return { words, label: source };
  }
  if (data === undefined || data.trim() === "")
    throw new UsageError("this model trains on plain text: pass --data FILE|URL (e.g. ../shared/data/tinyshakespeare.txt)");
  return { text: await loadText(data), label: data };
}

/** Text models start from a newline when the text has one, else from its first character. */
const defaultPrompt = (vocab: Vocab) => (vocab.idOf("\n") >= 0 ? "\n" : vocab.chars[0]);

function decodeName(vocab: Vocab, ids: number[]): string {
  return vocab.decode(Int32Array.from(ids));
}

function samplesOf(
  members: Trained[],
  vocab: Vocab,
  count: number,
  o: { temperature?: number; topK?: number; seed?: number; prompt?: string; length?: number },
): string[] {
  const prompt = o.prompt === undefined ? undefined : Array.from(vocab.encode(o.prompt));
  const opts = { count, temperature: o.temperature, topK: o.topK, seed: o.seed, prompt, maxLength: o.length, stopAtBoundary: vocab.boundary };
  if (!vocab.boundary && prompt === undefined) throw new UsageError("a text model needs --prompt to start from");
  const tokens = sampleEnsemble(members.map((t) => (t.kind === "bigram" ? t.bigram : t.model)), opts);
  return tokens.map((ids) => decodeName(vocab, prompt && !vocab.boundary ? [...prompt, ...ids] : ids));
}

function printSamples(samples: string[], known: Set<string> | null): void {
  const width = Math.max(8, ...samples.map((s) => [...s].length)) + 2;
  for (const s of samples) {
    const mark = known === null ? "" : known.has(s) ? "in data" : "new";
    out(`  ${s.padEnd(width)}${mark}`);
  }
}

interface TrainArgs {
  preset: string;
  data?: string;
  split?: SplitName;
  steps?: number;
  batchSize?: number;
  lr?: number;
  seed: number;
  backend: BackendName;
  out?: string;
  evalEvery?: number;
  samples: number;
  resume: boolean;
  set?: string[];
  log?: string;
  json: boolean;
}

export async function trainCommand(a: TrainArgs): Promise<void> {
  positive("steps", a.steps === 0 ? undefined : a.steps);
  positive("batch-size", a.batchSize);
  positive("lr", a.lr, false);
  positive("eval-every", a.evalEvery);
  if (!Number.isInteger(a.samples) || a.samples < 0) throw new UsageError(`--samples must be an integer ≥ 0, got ${a.samples}`);
  if (!Number.isInteger(a.seed)) throw new UsageError(`--seed must be an integer, got ${a.seed}`);
  const dir = a.out ?? join("runs", a.preset);
  prepareOutDir(dir);
  const modelPath = join(dir, "model.safetensors");
  const optimizerPath = join(dir, "optimizer.safetensors");
  let resume: { model: Uint8Array; optimizer: Uint8Array } | undefined;
  let dataArg = a.data;
  if (a.resume) {
    if (!existsSync(modelPath) || !existsSync(optimizerPath))
      throw new UsageError(`--resume needs ${modelPath} and ${optimizerPath} from an earlier run with --out ${dir}`);
    resume = { model: readCheckpointFile(modelPath), optimizer: readCheckpointFile(optimizerPath) };
    dataArg ??= decodeCheckpoint(resume.model, { maxBatch: 1 }).meta.data;
  }
  const kind = PRESETS[a.preset].data;
  const dataSource = await dataFrom(dataArg, kind);
  const source = dataSource.label;
  const set: Record<string, string> = {};
  for (const item of a.set ?? []) {
    const eq = item.indexOf("=");
    if (eq < 1) throw new UsageError(`--set expects key=value, got "${item}"`);
    set[item.slice(0, eq)] = item.slice(eq + 1);
  }
  if (a.resume && a.set?.length) throw new UsageError("--set cannot change a resumed run; it continues the checkpoint's model and recipe");

  const progress = new Progress(process.stderr, a.json);
  const curve: CurvePoint[] = [];
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const steps = a.steps ?? PRESETS[a.preset].recipe.steps;
  const size = dataSource.words ? `${dataSource.words.length} names` : `${[...dataSource.text!].length.toLocaleString("en-US")} characters`;
  if (!a.json) out(`wasmore: training ${a.preset} on ${source} (${size}), backend ${a.backend}`);
  const result = await runTraining(
    { preset: a.preset, words: dataSource.words, text: dataSource.text, dataSource: source, split: a.split, set, steps: a.steps, batchSize: a.batchSize, lr: a.lr, seed: a.seed, backend: a.backend, evalEvery: a.evalEvery, resume },
    {
      onStep: (s) => progress.step(s),
      onEval: (e) => {
        curve.push(e);
        progress.eval(e, steps);
        if (a.log) appendFileSync(a.log, `${JSON.stringify({ step: e.step, train_loss: e.trainLoss, val_loss: e.valLoss, seconds: e.seconds })}\n`);
      },
      onCheckpoint: (kind, model, optimizer) => {
        writeAtomic(join(dir, kind === "best" ? "best.safetensors" : "model.safetensors"), model);
        if (optimizer) writeAtomic(optimizerPath, optimizer);
        else if (kind === "last") rmSync(optimizerPath, { force: true });
      },
      shouldStop: () => stop,
    },
  );
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  progress.done();
  const s = result.summary;
  if (curve.length > 0) writeAtomic(join(dir, "loss.svg"), lossCurveSvg(curve, `${a.preset} on ${source.length > 60 ? "…" + source.slice(-60) : source}`));
  const summary = { ...s, checkpoint: modelPath, out: dir };
  if (a.json) {
    out(JSON.stringify(summary));
  } else {
    printSummary(s, modelPath);
    if (a.samples > 0) {
      out(dataSource.words ? `\n${a.samples} samples (marked "new" when not in the data):` : "\nsample:");
      if (dataSource.words) printSamples(samplesOf([result.trained], result.vocab, a.samples, { seed: a.seed }), new Set(dataSource.words));
      else out(samplesOf([result.trained], result.vocab, 1, { seed: a.seed, prompt: defaultPrompt(result.vocab), length: 500 })[0]);
    }
  }
  if (s.stopped) process.exitCode = 130;
}

function printSummary(s: RunSummary, checkpoint: string): void {
  out(`${s.stopped ? "stopped early" : "done"}: ${s.steps} steps in ${s.seconds.toFixed(1)} s (${s.steps_per_sec.toFixed(0)} steps/s), ${s.params.toLocaleString("en-US")} parameters`);
  out(`loss  train ${s.train_loss.toFixed(4)}  val ${s.val_loss.toFixed(4)}  test ${s.test_loss.toFixed(4)}`);
  out(`examples  train ${s.examples.train}  val ${s.examples.val}  test ${s.examples.test}`);
  out(`checkpoint ${checkpoint}`);
}

function loadCheckpoint(path: string, backend: BackendName, maxBatch: LoadOptions["maxBatch"]): { trained: Trained; meta: CheckpointMeta; vocab: Vocab } {
  const { trained, meta } = decodeCheckpoint(readCheckpointFile(path), { backend, maxBatch });
  return { trained, meta, vocab: Vocab.fromJSON(meta.vocab) };
}

/**
 * One or several checkpoints (an ensemble); the first one's metadata and vocabulary, which every
 * other must share, with its split.
 */
function loadMembers(paths: string | string[], backend: BackendName, maxBatch: LoadOptions["maxBatch"]) {
  const members = [paths].flat().map((path) => ({ path, ...loadCheckpoint(path, backend, maxBatch) }));
  const [{ meta, vocab, path: first }] = members;
  for (const m of members.slice(1))
    if (JSON.stringify(m.meta.vocab) !== JSON.stringify(meta.vocab) || (m.meta.split ?? "lectures") !== (meta.split ?? "lectures"))
      throw new UsageError(`${m.path} was trained with another vocabulary or split than ${first}: an ensemble needs the same`);
  return { members, meta, vocab };
}

interface SampleArgs {
  checkpoint: string[];
  prompt?: string;
  length?: number;
  count?: number;
  temperature: number;
  topK: number;
  seed: number;
  data?: string;
  backend: BackendName;
  json: boolean;
}

export async function sampleCommand(a: SampleArgs): Promise<void> {
  positive("count", a.count);
  positive("temperature", a.temperature, false);
  const count = a.count ?? 20;
  if (!Number.isInteger(a.topK) || a.topK < 0) throw new UsageError(`--top-k must be an integer ≥ 0, got ${a.topK}`);
  positive("length", a.length);
  const { members, meta, vocab } = loadMembers(a.checkpoint, a.backend, Math.min(count, 512));
  const trained = members.map((m) => m.trained);
  if (!vocab.boundary) {
    const text = samplesOf(trained, vocab, a.count ?? 1, { ...a, prompt: a.prompt ?? defaultPrompt(vocab), length: a.length ?? 500 });
    if (a.json) out(JSON.stringify({ samples: text.map((t) => ({ text: t })) }));
    else out(text.join("\n\n---\n\n"));
    return;
  }
  if (a.prompt !== undefined) throw new UsageError("--prompt is for text models; a names model starts every sample from '.'");
  const samples = samplesOf(trained, vocab, count, { ...a, prompt: undefined });
  let known: Set<string> | null = null;
  const source = a.data ?? meta.data;
  if (a.data !== undefined || source === DEFAULT_NAMES_SOURCE || existsSync(source)) known = new Set((await namesFrom(source)).words);
  if (a.json) out(JSON.stringify({ samples: samples.map((s) => ({ text: s, in_data: known ? known.has(s) : null })) }));
  else printSamples(samples, known);
}

interface EvalArgs {
  checkpoint: string[];
  data?: string;
  backend: BackendName;
  json: boolean;
}

const SPLITS = ["train", "val", "test"] as const;
type SplitLosses = Record<`${(typeof SPLITS)[number]}_loss`, number>;

/**
 * Losses of a checkpoint on each split; with several checkpoints, also of their ensemble (the mean
 * of their next-character distributions, src/train/ensemble.ts). Every checkpoint is evaluated on
 * the data and split of the first (or --data), so they must share its vocabulary.
 */
export async function evalCommand(a: EvalArgs): Promise<void> {
  // chunks of the training batch, as the training run evaluated: the same sums, the same losses
  const { members, meta, vocab } = loadMembers(a.checkpoint, a.backend, (m) => m.recipe?.batchSize ?? 512);
  const source = a.data ?? meta.data;
  if (a.data === undefined && source !== DEFAULT_NAMES_SOURCE && !existsSync(source))
    throw new UsageError(`the checkpoint was trained on ${source}, which is not here; pass --data`);
  const raw = await dataFrom(source, vocab.boundary ? "names" : "text");
  const datasets = members.map((m) => {
    const d = prepareData({ ...raw, split: meta.split }, m.meta.config, vocab);
    return { ...d, train: trainLossData(d) }; // a text's train loss on the windows its run measured
  });
  const split = vocab.boundary ? { split: meta.split ?? "lectures" } : {};
  // one pass over each split scores every member and the ensemble
  const scored = SPLITS.map((s) => {
    try {
      return ensembleLoss(members.map(({ trained }, i) => {
        const d = datasets[i][s];
        return trained.kind === "bigram" ? bigramScores(trained.bigram, d as Examples) : scoreBatches(trained.model, d);
      }));
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(`these checkpoints cannot form an ensemble: ${e.message}`);
      throw e;
    }
  });
  const losses = (f: (r: ReturnType<typeof ensembleLoss>) => number) =>
    Object.fromEntries(SPLITS.map((s, i) => [`${s}_loss`, f(scored[i])])) as SplitLosses;
  const each = members.map((_, i) => losses((r) => r.members[i]));
  const ensemble = losses((r) => r.ensemble);
  const where = `on ${source}${"split" in split ? ` (${split.split} split)` : ""}`;
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "–"); // a text has no test split
  const line = (l: SplitLosses) => `train ${f(l.train_loss)}  val ${f(l.val_loss)}  test ${f(l.test_loss)}`;
  if (members.length === 1) {
    const result = { ...each[0], preset: meta.preset, step: meta.step, data: source, ...split };
    if (a.json) out(JSON.stringify(result));
    else out(`${meta.preset} at step ${meta.step} ${where}\nloss  ${line(each[0])}`);
    return;
  }
  const models = members.map((m, i) => ({ checkpoint: m.path, preset: m.meta.preset, step: m.meta.step, ...each[i] }));
  if (a.json) out(JSON.stringify({ models, ensemble, data: source, ...split }));
  else {
    out(`${members.length} checkpoints and their ensemble (the mean of their distributions) ${where}`);
    for (const m of models) out(`${`${m.preset} at step ${m.step}`.padEnd(28)}  ${line(m)}  ${m.checkpoint}`);
    out(`${"ensemble".padEnd(28)}  ${line(ensemble)}`);
  }
}

interface GradcheckArgs {
  preset: string;
  backend: BackendName;
  batchSize: number;
  tolerance: number;
  json: boolean;
}

export async function gradcheckCommand(a: GradcheckArgs): Promise<void> {
  positive("batch-size", a.batchSize);
  positive("tolerance", a.tolerance, false);
  if (a.batchSize < 2) throw new UsageError("--batch-size must be at least 2 (BatchNorm needs two examples)");
  const words = defaultNames();
  const vocab = Vocab.forWords(words);
  const presets = a.preset === "all" ? PRESET_NAMES : [a.preset];
  const report: { preset: string; tensors: ReturnType<typeof gradcheck>; pass: boolean }[] = [];
  for (const name of presets) {
    if (PRESETS[name].data === "text") continue; // same layers as gpt, checked on names
    const config = PRESETS[name].model(vocab.size, maxWordLength(words));
    if (config.type === "bigram") continue; // counts, no gradients
    const model = new Model(buildNetwork(config as NetworkConfig), {
      backend: a.backend, maxBatch: a.batchSize, inputShape: [contextSize(config)], seed: 1,
    });
    const data = prepareData({ words, label: DEFAULT_NAMES_SOURCE }, config, vocab).train;
    writeBatch(model, data, Array.from({ length: a.batchSize }, (_, b) => (b * 7919) % data.count));
    const tensors = gradcheck(model, a.batchSize, { seed: 1 });
    report.push({ preset: name, tensors, pass: tensors.every((t) => t.relError <= a.tolerance) });
  }
  if (a.json) out(JSON.stringify({ tolerance: a.tolerance, backend: a.backend, presets: report }));
  else
    for (const r of report) {
      out(`${r.preset}: ${r.pass ? "PASS" : "FAIL"} (‖g − ĝ‖/‖ĝ‖ ≤ ${a.tolerance}, finite differences in float64)`);
      for (const t of r.tensors)
        out(`  ${t.name.padEnd(22)} [${t.shape.join("×")}]`.padEnd(40) + ` rel ${t.relError.toExponential(2)}  max abs ${t.maxAbsError.toExponential(2)}  (${t.checked} entries)`);
    }
  if (!report.every((r) => r.pass)) process.exitCode = 1;
}

interface BenchArgs {
  what: "kernels" | "train" | "profile" | "memory";
  json: boolean;
  filter?: string;
  model?: string[];
  engine?: string[];
  seconds: number;
  data?: string;
  backend: BackendName;
  steps?: number;
}

/** names.txt beside the checkout, when there (benchmarks compare on the lectures' data). */
const SHARED_NAMES = fileURLToPath(new URL("../../../../shared/data/names.txt", import.meta.url));

export async function benchCommand(a: BenchArgs): Promise<void> {
  positive("seconds", a.seconds, false);
  positive("steps", a.steps);
  const data = a.data ?? (existsSync(SHARED_NAMES) ? SHARED_NAMES : undefined);
  if (a.what === "kernels") {
    const { benchKernels, formatKernelTable } = await import("../bench/kernels.js");
    const rows = await benchKernels({ json: a.json, filter: a.filter });
    out(a.json ? JSON.stringify({ rows }) : formatKernelTable(rows));
  } else if (a.what === "train") {
    const { benchTrain, formatTrainTable } = await import("../bench/train.js");
    const rows = await benchTrain({ models: a.model, engines: a.engine, seconds: a.seconds, data });
    out(a.json ? JSON.stringify({ rows }) : formatTrainTable(rows));
  } else if (a.what === "profile") {
    const { profileStep, formatProfile } = await import("../bench/profile.js");
    const profiles = [];
    for (const model of a.model ?? ["wavenet"]) profiles.push(await profileStep(model, a.backend, { steps: a.steps ?? 2000, data }));
    out(a.json ? JSON.stringify({ profiles }) : profiles.map(formatProfile).join("\n\n"));
  } else {
    const { memoryFlatness, formatMemoryCheck } = await import("../bench/profile.js");
    const checks = [];
    for (const model of a.model ?? ["wavenet"]) checks.push(await memoryFlatness(model, a.backend, a.steps ?? 100_000, data));
    out(a.json ? JSON.stringify({ checks }) : checks.map(formatMemoryCheck).join("\n\n"));
  }
}
