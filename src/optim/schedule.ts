// Learning-rate schedules: the lectures' step decay and linear warmup + cosine decay.

export type Schedule =
  /** lr = values[i] from step milestones[i-1] on (lectures: 0.1, then 0.01 from step 100k/150k) */
  | { type: "step"; values: number[]; milestones: number[] }
  /** linear warmup to lr over `warmup` steps, then cosine to minLr at `steps` */
  | { type: "cosine"; lr: number; minLr: number; warmup: number; steps: number };

export function learningRate(s: Schedule, step: number): number {
  if (s.type === "step") {
    let i = 0;
    while (i < s.milestones.length && step >= s.milestones[i]) i++;
    return s.values[i];
  }
  if (step < s.warmup) return (s.lr * (step + 1)) / s.warmup;
  const progress = Math.min(1, (step - s.warmup) / Math.max(1, s.steps - s.warmup));
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos(Math.PI * progress));
}

/** A schedule as a recipe states it, independent of the run's length and base learning rate. */
export type ScheduleSpec =
  /** the lectures: lr until `at`·steps, then lr·factor */
  | { type: "step"; at: number; factor: number }
  /** linear warmup over `warmup` steps, cosine decay to lr·minRatio at the last step */
  | { type: "cosine"; warmup: number; minRatio: number }
  | { type: "constant" };

export function makeSchedule(spec: ScheduleSpec, steps: number, lr: number): Schedule {
  switch (spec.type) {
    case "step":
      return { type: "step", values: [lr, lr * spec.factor], milestones: [Math.round(steps * spec.at)] };
    case "cosine":
      return { type: "cosine", lr, minLr: lr * spec.minRatio, warmup: spec.warmup, steps };
    case "constant":
      return { type: "step", values: [lr], milestones: [] };
  }
}
