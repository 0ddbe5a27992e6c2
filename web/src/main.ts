// The page: data and preset choice, run controls, live stats, loss chart, samples and checkpoints.
// All model work happens in the worker (worker.ts); this thread only renders what it reports.
import { PRESETS } from "../../src/train/presets.js";
import { lossCurveSvg } from "../../src/train/plot.js";
import type { BackendName } from "../../src/kernels/types.js";
import type { DataChoice, FromWorker, Sample, ToWorker, TrainRequest } from "./protocol.js";
import { LossChart } from "./chart.js";

/** Live samples per refresh, and per "Sample again". */
const SAMPLE_COUNT = 24;
/** Steps the page proposes: the lectures' 200k steps take minutes in a browser tab. */
const DEFAULT_STEPS = 20_000;

type State = "loading" | "idle" | "training" | "paused" | "finished";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};
const ui = {
  status: $("status-text"),
  preset: $<HTMLSelectElement>("preset"),
  presetDescription: $("preset-description"),
  steps: $<HTMLInputElement>("steps"),
  batch: $<HTMLInputElement>("batch"),
  lr: $<HTMLInputElement>("lr"),
  seed: $<HTMLInputElement>("seed"),
  backend: $<HTMLSelectElement>("backend"),
  pasteText: $<HTMLTextAreaElement>("paste-text"),
  dataFile: $<HTMLInputElement>("data-file"),
  dataFileName: $("data-file-name"),
  builtinCount: $("builtin-count"),
  start: $<HTMLButtonElement>("start"),
  pause: $<HTMLButtonElement>("pause"),
  stop: $<HTMLButtonElement>("stop"),
  error: $("error"),
  errorTitle: $("error-title"),
  errorText: $("error-text"),
  errorClose: $<HTMLButtonElement>("error-close"),
  step: $("stat-step"),
  stepsTotal: $("stat-steps"),
  progressBar: $("progress-bar"),
  speed: $("stat-speed"),
  trainLoss: $("stat-train"),
  valLoss: $("stat-val"),
  time: $("stat-time"),
  chart: $<HTMLCanvasElement>("chart"),
  chartEmpty: $("chart-empty"),
  runInfo: $("run-info"),
  samples: $<HTMLUListElement>("samples"),
  samplesEmpty: $("samples-empty"),
  samplesCaption: $("samples-caption"),
  temperature: $<HTMLInputElement>("temperature"),
  temperatureOut: $<HTMLOutputElement>("temp-out"),
  sample: $<HTMLButtonElement>("sample"),
  download: $<HTMLAnchorElement>("download"),
  downloadSvg: $<HTMLAnchorElement>("download-svg"),
  loadFile: $<HTMLInputElement>("load-file"),
  modelInfo: $("model-info"),
  isolation: $("isolation"),
};

const count = (n: number) => Math.round(n).toLocaleString("en-US");
const loss = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "–");
const duration = (s: number) => (s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`);

let state: State = "loading";
let run = { preset: "", steps: 0, source: "", names: 0 };
let modelLabel = "";
let sampleSeed = 1;
const objectUrls: Record<"download" | "downloadSvg", string | null> = { download: null, downloadSvg: null };
const chart = new LossChart(ui.chart);

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);

// ---- state and messages -------------------------------------------------------------------

function setState(next: State): void {
  state = next;
  document.body.dataset.state = next;
  const busy = next === "training" || next === "paused";
  ui.status.textContent = { loading: "Loading…", idle: "Ready", training: "Training", paused: "Paused", finished: "Finished" }[next];
  ui.start.disabled = busy || next === "loading";
  ui.pause.disabled = !busy;
  ui.pause.textContent = next === "paused" ? "Resume" : "Pause";
  ui.stop.disabled = !busy;
  ui.loadFile.disabled = busy;
  ui.sample.disabled = busy || modelLabel === "";
  for (const el of document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(".sidebar input, .sidebar select, .sidebar textarea"))
    el.disabled = busy || (isBigram() && (el === ui.steps || el === ui.batch || el === ui.lr));
}

function showError(title: string, message: string): void {
  ui.errorTitle.textContent = title;
  ui.errorText.textContent = message;
  ui.error.hidden = false;
}
const clearError = () => (ui.error.hidden = true);

function setLink(which: "download" | "downloadSvg", blob: Blob | null, fileName = ""): void {
  const link = ui[which];
  if (objectUrls[which]) URL.revokeObjectURL(objectUrls[which]!);
  objectUrls[which] = blob ? URL.createObjectURL(blob) : null;
  if (objectUrls[which]) {
    link.href = objectUrls[which]!;
    link.download = fileName;
  } else link.removeAttribute("href");
  link.classList.toggle("disabled", !blob);
  link.setAttribute("aria-disabled", String(!blob));
}

function showSamples(samples: Sample[], caption: string): void {
  ui.samples.replaceChildren(
    ...samples.map((s) => {
      const li = document.createElement("li");
      li.textContent = s.text === "" ? "(empty)" : s.text;
      if (s.text === "") li.className = "empty-name";
      else if (s.inData === false) li.className = "new";
      li.title = s.inData === null ? "" : s.inData ? "in the training data" : "new: not in the training data";
      return li;
    }),
  );
  ui.samples.classList.remove("fresh");
  void ui.samples.offsetWidth; // restart the fade-in
  ui.samples.classList.add("fresh");
  ui.samplesEmpty.hidden = samples.length > 0;
  ui.samplesCaption.textContent = caption;
}

function showModelInfo(rows: [string, string][]): void {
  ui.modelInfo.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }),
  );
  ui.modelInfo.hidden = false;
}

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case "ready":
      ui.builtinCount.textContent = count(m.builtinCount);
      setState("idle");
      return;
    case "started":
      // the data is good and the run is on: only now clear the previous run's results
      run = { ...run, steps: m.steps, source: m.source, names: m.names };
      chart.reset(m.steps);
      for (const el of [ui.trainLoss, ui.valLoss, ui.speed, ui.time]) el.textContent = "–";
      ui.step.textContent = "0";
      ui.progressBar.style.width = "0";
      setLink("download", null);
      setLink("downloadSvg", null);
      ui.chartEmpty.hidden = m.steps > 0;
      ui.chartEmpty.textContent = "A count bigram is fitted in one pass: there is no curve to draw.";
      ui.stepsTotal.textContent = ` / ${count(m.steps)}`;
      ui.runInfo.textContent = `${run.preset} on ${m.source} (${count(m.names)} names), validation every ${count(m.evalEvery)} steps`;
      return;
    case "progress":
      chart.addBatch(m.step, m.loss);
      ui.step.textContent = count(m.step);
      ui.progressBar.style.width = `${(100 * m.step) / Math.max(1, m.steps)}%`;
      ui.speed.textContent = count(m.stepsPerSec);
      ui.time.textContent = duration(m.seconds);
      return;
    case "eval":
      chart.addEval(m.step, m.trainLoss, m.valLoss);
      ui.trainLoss.textContent = loss(m.trainLoss);
      ui.valLoss.textContent = loss(m.valLoss);
      ui.runInfo.textContent = `${run.preset} · ${count(m.params)} parameters · ${run.source} (${count(run.names)} names)`;
      return;
    case "samples":
      showSamples(m.samples, m.origin === "live" ? `live model · step ${count(m.step)}` : modelLabel);
      return;
    case "paused":
      setState("paused");
      return;
    case "resumed":
      setState("training");
      return;
    case "finished": {
      const s = m.summary;
      modelLabel = `trained ${run.preset} · step ${count(s.steps)}`;
      ui.step.textContent = count(s.steps);
      ui.trainLoss.textContent = loss(s.trainLoss);
      ui.valLoss.textContent = loss(s.valLoss);
      ui.time.textContent = duration(s.seconds);
      if (s.steps > 0) ui.speed.textContent = count(s.stepsPerSec);
      ui.runInfo.textContent =
        `${m.stopped ? "Stopped" : "Done"}: ${count(s.steps)} steps in ${duration(s.seconds)} · ${count(s.params)} parameters · ` +
        `loss train ${loss(s.trainLoss)}, val ${loss(s.valLoss)}, test ${loss(s.testLoss)}`;
      setLink("download", new Blob([m.checkpoint], { type: "application/octet-stream" }), m.fileName);
      const points = chart.evals;
      setLink("downloadSvg", points.length ? new Blob([lossCurveSvg(points, `${run.preset} on ${run.source}`)], { type: "image/svg+xml" }) : null, `wasmore-${run.preset}-loss.svg`);
      showModelInfo([
        ["model", `${run.preset} (trained here)`],
        ["step", count(s.steps)],
        ["parameters", count(s.params)],
        ["data", run.source],
      ]);
      setState("finished");
      return;
    }
    case "loaded":
      modelLabel = `${m.fileName} · ${m.info.preset} · step ${count(m.info.step)}`;
      showModelInfo([
        ["file", m.fileName],
        ["model", m.info.preset],
        ["step", count(m.info.step)],
        ["parameters", count(m.info.params)],
        ["data", m.info.data || "unknown"],
      ]);
      setState(state === "loading" ? "idle" : state);
      requestSamples();
      return;
    case "error": {
      const titles = { train: "Could not train", load: "Could not load the checkpoint", sample: "Could not sample" } as const;
      showError(titles[m.context], m.message);
      if (m.context === "train") setState(modelLabel ? "finished" : "idle");
      return;
    }
  }
}

worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
worker.onerror = (event) => {
  event.preventDefault();
  showError("The training worker failed", event.message || "It could not start; please reload the page.");
  setState("idle");
};

// ---- controls -----------------------------------------------------------------------------

const dataKind = () => (document.querySelector<HTMLInputElement>('input[name="data"]:checked')?.value ?? "builtin") as DataChoice["kind"];
const isBigram = () => ui.preset.value === "bigram";

function presetChanged(): void {
  const preset = PRESETS[ui.preset.value];
  const r = preset.recipe;
  ui.presetDescription.textContent = preset.description;
  ui.steps.value = String(Math.min(r.steps, DEFAULT_STEPS));
  ui.batch.value = String(r.batchSize);
  ui.lr.value = String(r.lr);
  ui.steps.disabled = isBigram();
  ui.batch.disabled = isBigram();
  ui.lr.disabled = isBigram();
}

function dataChanged(): void {
  const kind = dataKind();
  for (const pane of document.querySelectorAll<HTMLElement>(".data-pane")) pane.hidden = pane.dataset.pane !== kind;
}

/** A positive integer, positive number or integer from a form field, or a readable complaint. */
function numberField(input: HTMLInputElement, label: string, kind: "count" | "positive" | "integer"): number {
  const text = input.value.trim();
  const v = Number(text);
  const ok = text !== "" && Number.isFinite(v) && (kind === "positive" ? v > 0 : Number.isInteger(v) && (kind === "integer" || v >= 1));
  input.setAttribute("aria-invalid", String(!ok));
  if (!ok) {
    input.focus();
    throw new Error(`${label} must be ${kind === "count" ? "a whole number ≥ 1" : kind === "positive" ? "a number above 0" : "a whole number"}${text ? `, not "${text}"` : ""}`);
  }
  return v;
}

async function dataChoice(): Promise<{ data: DataChoice; transfer: Transferable[] }> {
  const kind = dataKind();
  if (kind === "builtin") return { data: { kind }, transfer: [] };
  if (kind === "paste") return { data: { kind, text: ui.pasteText.value }, transfer: [] };
  const file = ui.dataFile.files?.[0];
  if (!file) throw new Error("Choose a text file first (UTF-8, one name per line).");
  const bytes = await file.arrayBuffer();
  return { data: { kind, name: file.name, bytes }, transfer: [bytes] };
}

async function start(): Promise<void> {
  clearError();
  let request: TrainRequest;
  let transfer: Transferable[];
  try {
    const bigram = isBigram();
    const { data, transfer: t } = await dataChoice();
    transfer = t;
    request = {
      type: "train",
      data,
      preset: ui.preset.value,
      steps: bigram ? 0 : numberField(ui.steps, "Steps", "count"),
      batchSize: bigram ? 1 : numberField(ui.batch, "Batch size", "count"),
      lr: bigram ? 1 : numberField(ui.lr, "Learning rate", "positive"),
      seed: numberField(ui.seed, "Seed", "integer"),
      backend: ui.backend.value as BackendName,
      sampleCount: SAMPLE_COUNT,
    };
  } catch (e) {
    showError("Cannot start", (e as Error).message);
    return;
  }
  run = { preset: request.preset, steps: request.steps, source: "", names: 0 };
  setState("training");
  send(request, transfer);
}

function requestSamples(): void {
  send({ type: "sample", count: SAMPLE_COUNT, temperature: Number(ui.temperature.value), seed: sampleSeed++ });
}

async function loadCheckpoint(): Promise<void> {
  const file = ui.loadFile.files?.[0];
  ui.loadFile.value = ""; // choosing the same file again still triggers a change
  if (!file) return;
  clearError();
  const bytes = await file.arrayBuffer();
  send({ type: "load", name: file.name, bytes }, [bytes]);
}

/** Short labels for the preset menu (the full description shows below it). */
const PRESET_LABELS: Record<string, string> = {
  bigram: "count bigram",
  nbigram: "neural bigram",
  mlp: "MLP (Bengio et al.)",
  bnmlp: "MLP + BatchNorm",
  wavenet: "WaveNet",
};
for (const name of Object.keys(PRESETS)) ui.preset.add(new Option(`${name} — ${PRESET_LABELS[name] ?? PRESETS[name].description.split(/[:(]/)[0]}`, name));
ui.preset.value = "bnmlp";
presetChanged();
ui.preset.addEventListener("change", presetChanged);
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="data"]')) radio.addEventListener("change", dataChanged);
ui.dataFile.addEventListener("change", () => {
  const file = ui.dataFile.files?.[0];
  ui.dataFileName.textContent = file ? `${file.name} · ${count(file.size)} bytes` : "UTF-8, one name per line";
});
ui.start.addEventListener("click", () => void start());
ui.pause.addEventListener("click", () => send({ type: state === "paused" ? "resume" : "pause" }));
ui.stop.addEventListener("click", () => send({ type: "stop" }));
ui.sample.addEventListener("click", requestSamples);
ui.temperature.addEventListener("input", () => (ui.temperatureOut.textContent = Number(ui.temperature.value).toFixed(1)));
ui.loadFile.addEventListener("change", () => void loadCheckpoint());
ui.errorClose.addEventListener("click", clearError);
for (const input of [ui.steps, ui.batch, ui.lr, ui.seed]) input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
window.addEventListener("resize", () => chart.draw());
ui.isolation.textContent = crossOriginIsolated
  ? "Cross-origin isolated: shared memory available"
  : "Not cross-origin isolated (shared memory off; training works the same)";
setState("loading");
chart.draw();
