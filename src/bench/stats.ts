// Timing helpers for benchmarks: warm up, calibrate a batch of calls to last at least
// `minSampleMs`, then take the median over several such samples (performance.now()).

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface TimingOptions {
  /** Minimum duration of one sample (a batch of calls), ms. Default 20. */
  minSampleMs?: number;
  /** Number of samples; the result is their median. Default 7. */
  samples?: number;
  /** Warm-up time before measuring (lets V8 tier wasm and JS up to optimised code), ms. Default 30. */
  warmupMs?: number;
  /** A single call slower than this (ms) gets `slowSamples` one-call samples and no warm-up loop. Default 150. */
  slowCallMs?: number;
  /** Samples taken for a slow call. Default 3. */
  slowSamples?: number;
}

export interface Timing {
  /** Median time per call, ms. */
  median_ms: number;
  /** Time per call in each sample, ms. */
  samples_ms: number[];
  /** Calls per sample. */
  batch: number;
}

/** Time `fn` per call: warm-up, batch calibration, then the median of several batch samples. */
export function timeIt(fn: () => void, options: TimingOptions = {}): Timing {
  const minSampleMs = options.minSampleMs ?? 20;
  const slowCallMs = options.slowCallMs ?? 150;
  let t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  if (first > slowCallMs) {
    const samples_ms: number[] = [];
    for (let s = 0; s < (options.slowSamples ?? 3); s++) {
      t0 = performance.now();
      fn();
      samples_ms.push(performance.now() - t0);
    }
    return { median_ms: median(samples_ms), samples_ms, batch: 1 };
  }
  // Warm up, counting calls to estimate the batch that fills one sample.
  const warmupMs = options.warmupMs ?? 30;
  let calls = 0;
  t0 = performance.now();
  let elapsed = 0;
  do {
    fn();
    calls++;
    elapsed = performance.now() - t0;
  } while (elapsed < warmupMs);
  const batch = Math.max(1, Math.ceil((minSampleMs * calls) / Math.max(elapsed, 1e-3)));
  const samples_ms: number[] = [];
  for (let s = 0; s < (options.samples ?? 7); s++) {
    t0 = performance.now();
    for (let r = 0; r < batch; r++) fn();
    samples_ms.push((performance.now() - t0) / batch);
  }
  return { median_ms: median(samples_ms), samples_ms, batch };
}
