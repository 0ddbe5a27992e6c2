// Count bigram (lecture 1): P[a,b] = (N[a,b] + α) / Σ_b (N[a,b] + α). No gradients, no arena.
export class CountBigram {
  readonly probs: Float64Array;

  constructor(
    readonly vocabSize: number,
    readonly smoothing = 1,
  ) {
    this.probs = new Float64Array(vocabSize * vocabSize);
  }

  /** Fit on (context, next) pairs: X holds the previous character of each example, Y the next. */
  fit(X: Int32Array, Y: Int32Array): void {
    const V = this.vocabSize;
    const counts = new Float64Array(V * V).fill(this.smoothing);
    for (let i = 0; i < Y.length; i++) counts[X[i] * V + Y[i]]++;
    for (let a = 0; a < V; a++) {
      let row = 0;
      for (let b = 0; b < V; b++) row += counts[a * V + b];
      for (let b = 0; b < V; b++) this.probs[a * V + b] = row > 0 ? counts[a * V + b] / row : 1 / V;
    }
  }

  /** Mean negative log-likelihood of the pairs (X[i] → Y[i]). */
  nll(X: Int32Array, Y: Int32Array): number {
    let sum = 0;
    for (let i = 0; i < Y.length; i++) sum -= Math.log(this.probs[X[i] * this.vocabSize + Y[i]]);
    return sum / Y.length;
  }

  /** The count table as float32 (saved as the checkpoint tensor "probs"). */
  toFloat32(): Float32Array {
    return Float32Array.from(this.probs);
  }
}
