// The live loss chart on a canvas: minibatch loss (mean between progress messages) as a faint
// line, and the train/validation losses of each evaluation as bold lines, against the step.
// Redraws at most once per animation frame; the canvas's aria-label and data-* attributes carry
// the first and latest validation loss for screen readers and tests.
import type { CurvePoint } from "../../src/train/plot.js";

const M = { left: 52, right: 18, top: 12, bottom: 30 };
const COLORS = { train: "#2563eb", val: "#ea580c", batch: "#9db4e8", grid: "#eceef4", axis: "#c3c8d6", text: "#5f6577" };

/** About `count` round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const mag = 10 ** Math.floor(Math.log10(span / count));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}
const stepLabel = (s: number) => (s >= 1e6 ? `${+(s / 1e6).toFixed(2)}M` : s >= 1000 ? `${+(s / 1000).toFixed(1)}k` : String(s));

export class LossChart {
  readonly evals: CurvePoint[] = [];
  private batch: { step: number; loss: number }[] = [];
  private totalSteps = 1;
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  reset(totalSteps: number): void {
    this.evals.length = 0;
    this.batch = [];
    this.totalSteps = Math.max(1, totalSteps);
    this.schedule();
  }
  addBatch(step: number, loss: number): void {
    if (Number.isFinite(loss)) this.batch.push({ step, loss });
    this.schedule();
  }
  addEval(step: number, trainLoss: number, valLoss: number): void {
    this.evals.push({ step, trainLoss, valLoss });
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private describe(): void {
    const first = this.evals[0];
    const last = this.evals[this.evals.length - 1];
    const c = this.canvas;
    c.dataset.points = String(this.evals.length);
    if (!first) {
      c.setAttribute("aria-label", "Loss curve: no data yet");
      delete c.dataset.firstVal;
      delete c.dataset.lastVal;
      return;
    }
    c.dataset.firstVal = String(first.valLoss);
    c.dataset.lastVal = String(last.valLoss);
    c.setAttribute("aria-label", `Loss curve: validation loss ${first.valLoss.toFixed(3)} at step ${first.step}, ${last.valLoss.toFixed(3)} at step ${last.step}`);
  }

  draw(): void {
    this.describe();
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (w === 0 || h === 0) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext("2d");
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);

    const values = [...this.batch.map((p) => p.loss), ...this.evals.flatMap((p) => [p.trainLoss, p.valLoss])].filter(Number.isFinite);
    let lo = values.length ? Math.min(...values) : 2;
    let hi = values.length ? Math.max(...values) : 3.5;
    const pad = (hi - lo) * 0.06 || 0.1;
    lo = Math.max(0, lo - pad);
    hi += pad;
    const x = (step: number) => M.left + (step / this.totalSteps) * (w - M.left - M.right);
    const y = (v: number) => M.top + (1 - (v - lo) / (hi - lo)) * (h - M.top - M.bottom);

    g.font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";
    g.lineWidth = 1;
    g.fillStyle = COLORS.text;
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (const v of ticks(lo, hi, 5)) {
      const py = Math.round(y(v)) + 0.5;
      g.strokeStyle = COLORS.grid;
      g.beginPath();
      g.moveTo(M.left, py);
      g.lineTo(w - M.right, py);
      g.stroke();
      g.fillText(v.toFixed(2), M.left - 8, py);
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    for (const s of ticks(0, this.totalSteps, Math.max(2, Math.floor((w - M.left - M.right) / 90)))) g.fillText(stepLabel(s), x(s), h - M.bottom + 8);
    g.strokeStyle = COLORS.axis;
    g.beginPath();
    g.moveTo(M.left + 0.5, M.top);
    g.lineTo(M.left + 0.5, h - M.bottom + 0.5);
    g.lineTo(w - M.right, h - M.bottom + 0.5);
    g.stroke();

    const line = (points: { step: number; v: number }[], color: string, width: number) => {
      if (points.length === 0) return;
      g.strokeStyle = color;
      g.lineWidth = width;
      g.lineJoin = "round";
      g.beginPath();
      points.forEach((p, i) => (i ? g.lineTo(x(p.step), y(p.v)) : g.moveTo(x(p.step), y(p.v))));
      g.stroke();
      const last = points[points.length - 1];
      g.fillStyle = color;
      g.beginPath();
      g.arc(x(last.step), y(last.v), width + 1.5, 0, 2 * Math.PI);
      g.fill();
    };
    line(this.batch.map((p) => ({ step: p.step, v: p.loss })), COLORS.batch, 1);
    line(this.evals.map((p) => ({ step: p.step, v: p.trainLoss })), COLORS.train, 2);
    line(this.evals.map((p) => ({ step: p.step, v: p.valLoss })), COLORS.val, 2);
  }
}
