// Layer runs computed as one step (Sequential finds the patterns): EmbeddingLinear and TanhLinear.
//
// Embedding → FlattenConsecutive(n) → Linear:
// With E [V,C] the embedding table and W [H, n·C] split into column blocks W_j [H,C], row r of the
// Linear's output is
//     out[r] = Σ_j E[idx[r·n + j]] · W_jᵀ = Σ_j P_j[idx[r·n + j]],   P_j = E · W_jᵀ  [V,H]
// so after n·V·C·H multiply-adds for the tables P_j the product is a gather-sum, instead of the
// R·n·C·H of the Linear over R rows: cheaper when the rows outnumber the vocabulary (a lecture
// WaveNet step has R = 4·32 = 128 rows and V = 27). With G_j [V,H] the rows of dout scattered back
// by slot j's indices,
//     G_j[v] = Σ_{r: idx[r·n + j] = v} dout[r],   dW_j += G_jᵀ · E,   dE += Σ_j G_j · W_j.
// The same function and gradients as the three layers in another summation order, so results agree
// to rounding; below the row threshold the three layers run as they are.
import type { Region } from "../memory/arena.js";
import { MATMUL_TANH_MAX_K } from "../kernels/types.js";
import type { Context } from "./layer.js";
import type { Tanh } from "./activations.js";
import type { Embedding } from "./embedding.js";
import type { FlattenConsecutive } from "./structure.js";
import type { Linear } from "./linear.js";

export class EmbeddingLinear {
  /**
   * Rows per vocabulary entry from which the tables pay off: V·C·H·n multiply-adds for the tables
   * against R·C·H·n for the plain product, plus the transposes and the gather. Measured on whole
   * training steps (BN-MLP n = 3, WaveNet n = 2, V = 27): even near R = 48, the tables 10% faster
   * at R = 64, 13% at the lecture WaveNet's 128 (`bench profile --model wavenet`: 985 → 834 µs).
   */
  static rowsPerToken = 2;
  private ctx!: Context;
  private idx!: Region;
  /** Wᵀ [n·C, H]: block j is W_jᵀ, contiguous */
  private weightT!: Region;
  /** P [n·V, H]: block j is P_j */
  private tables!: Region;
  private out!: Region;
  /**
   * G [n·V, H]: block j is G_j. Outside the activation-gradient block that the model zeroes every
   * step: only a step that uses the tables zeroes it (an MLP at batch 32 never does).
   */
  private scattered!: Region;
  private dweightT!: Region;
  /** whether the last forward used the tables (its backward must match) */
  private tabled = false;

  constructor(
    readonly embedding: Embedding,
    readonly flatten: FlattenConsecutive,
    readonly linear: Linear,
  ) {}

  allocate(ctx: Context): void {
    this.ctx = ctx;
    const { arena } = ctx;
    const { n } = this.flatten;
    const [V, C, H] = [this.embedding.numEmbeddings, this.embedding.embeddingDim, this.linear.outFeatures];
    this.weightT = arena.alloc(n * C * H, "EmbeddingLinear.weightT");
    this.tables = arena.alloc(n * V * H, "EmbeddingLinear.tables");
    this.out = arena.alloc(ctx.maxBatch * this.rowsPerExample * H, "EmbeddingLinear.out");
    this.scattered = arena.alloc(n * V * H, "EmbeddingLinear.scattered");
    this.dweightT = arena.alloc(n * C * H, "EmbeddingLinear.dweightT");
  }

  private get rowsPerExample(): number {
    return this.flatten.outShape.length === 1 ? 1 : this.flatten.outShape[0];
  }

  // idx (B,T) int32 → out (R,H), R = B·T/n
  forward(idx: Region, B: number): Region {
    const R = B * this.rowsPerExample;
    const V = this.embedding.numEmbeddings;
    this.tabled = R >= EmbeddingLinear.rowsPerToken * V;
    if (!this.tabled) return this.linear.forward(this.flatten.forward(this.embedding.forward(idx, B)), B);
    const { k } = this.ctx;
    const { n } = this.flatten;
    const [C, H] = [this.embedding.embeddingDim, this.linear.outFeatures];
    const E = this.embedding.param("weight").ptr;
    k.transpose(this.weightT.ptr, this.linear.param("weight").ptr, H, n * C, 0);
    // P_j[V,H] = E[V,C] · W_jᵀ[C,H]
    for (let j = 0; j < n; j++) k.matmul(this.tables.ptr + 4 * j * V * H, E, this.weightT.ptr + 4 * j * C * H, V, C, H, 0, 0);
    const bad = k.embeddingSumForward(this.out.ptr, this.tables.ptr, idx.ptr, R, n, H, V);
    if (bad) throw new RangeError(`Embedding: ${bad} token indices outside [0, ${V})`);
    if (this.linear.bias) k.addBias(this.out.ptr, this.linear.param("bias").ptr, R, H);
    this.idx = idx;
    return this.out;
  }

  // the input is integer: returns dout, as Embedding.backward does
  backward(dout: Region, B: number): Region {
    if (!this.tabled) return this.embedding.backward(this.flatten.backward(this.linear.backward(dout, B)), B);
    const { k } = this.ctx;
    const R = B * this.rowsPerExample;
    const { n } = this.flatten;
    const [V, C, H] = [this.embedding.numEmbeddings, this.embedding.embeddingDim, this.linear.outFeatures];
    const E = this.embedding.param("weight").ptr;
    const dE = this.embedding.grad("weight").ptr;
    k.zero(this.scattered.ptr, n * V * H);
    k.embeddingSumBackward(this.scattered.ptr, dout.ptr, this.idx.ptr, R, n, H, V);
    for (let j = 0; j < n; j++) {
      const G = this.scattered.ptr + 4 * j * V * H;
      k.matmulTN(this.dweightT.ptr + 4 * j * C * H, E, G, C, V, H, 0); // dW_jᵀ[C,H] = Eᵀ · G_j
      k.matmulNT(dE, G, this.weightT.ptr + 4 * j * C * H, V, H, C, 1, 0); // dE[V,C] += G_j · W_j
    }
    k.transpose(this.linear.grad("weight").ptr, this.dweightT.ptr, n * C, H, 1);
    if (this.linear.bias) k.biasBackward(this.linear.grad("bias").ptr, dout.ptr, R, H);
    return dout;
  }
}

/**
 * Tanh → (FlattenConsecutive) → Linear with the Tanh's backward folded into the Linear's input
 * gradient: the Tanh's dx = (dout · W) ⊙ (1 − y²) is one matmul whose tiles multiply by tanh′ as they
 * store (Linear.backwardThroughTanh), instead of a matmul into the Linear's dx and a tanhBackward pass
 * over it. The same operations on the same values: bit-identical to the layers one by one. The
 * forward is theirs. (The Flatten is a free view: its backward is the identity.)
 */
export class TanhLinear {
  /** Made before the layers allocate: the Linear then needs no dx, and the Tanh's dx is written whole. */
  constructor(
    readonly tanh: Tanh,
    readonly flatten: FlattenConsecutive | null,
    readonly linear: Linear,
  ) {
    linear.routeInputGradToTanh();
    tanh.routeInputGradFromLinear();
  }

  /** whether the fused backward applies (the kernel needs the Linear's outputs ≤ MATMUL_TANH_MAX_K) */
  static fits(linear: Linear): boolean {
    return linear.outFeatures <= MATMUL_TANH_MAX_K;
  }

  forward(x: Region, B: number): Region {
    const y = this.tanh.forward(x, B);
    return this.linear.forward(this.flatten ? this.flatten.forward(y) : y, B);
  }

  backward(dout: Region, B: number): Region {
    return this.linear.backwardThroughTanh(dout, B, this.tanh);
  }
}
