// Training progress on the terminal: a one-line bar redrawn in place on a TTY, or a plain line at
// every evaluation otherwise (logs, CI).
import type { EvalInfo, StepInfo } from "../train/run.js";

const fmtTime = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, "0")}s` : `${s.toFixed(0)}s`);

export class Progress {
  private lastDraw = 0;
  private valLoss = NaN;
  private loss = NaN;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly quiet: boolean,
  ) {}

  get tty(): boolean {
    return Boolean(this.stream.isTTY) && !this.quiet;
  }

  step(info: StepInfo): void {
    this.loss = Number.isNaN(this.loss) ? info.loss : 0.98 * this.loss + 0.02 * info.loss;
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && info.step !== info.steps) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round((width * info.step) / Math.max(1, info.steps));
    const eta = (info.steps - info.step) / Math.max(info.stepsPerSec, 1e-9);
    const line =
      `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${info.step}/${info.steps}` +
      ` loss ${this.loss.toFixed(4)} val ${Number.isNaN(this.valLoss) ? "—" : this.valLoss.toFixed(4)}` +
      ` ${info.stepsPerSec.toFixed(0)} steps/s ETA ${fmtTime(eta)}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
  }

  eval(info: EvalInfo, steps: number): void {
    this.valLoss = info.valLoss;
    if (this.quiet) return;
    if (this.tty) return;
    this.stream.write(`step ${info.step}/${steps}  train ${info.trainLoss.toFixed(4)}  val ${info.valLoss.toFixed(4)}\n`);
  }

  done(): void {
    if (this.tty) this.stream.write("\n");
  }
}
