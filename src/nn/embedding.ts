import { Layer, size, type Context, type Init, type ParamSpec } from "./layer.js";
import { normal } from "./init.js";
import type { Region } from "../memory/arena.js";

/** out[b,t,:] = weight[idx[b,t], :] : (B,T) int32 → (B,T,C); weight [V,C] as nn.Embedding. */
export class Embedding extends Layer {
  readonly kind = "Embedding";
  private idx!: Region;
  private out!: Region;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    private readonly weightInit: Init = normal(1),
  ) {
    super();
  }

  override paramSpecs(): ParamSpec[] {
    return [{ name: "weight", shape: [this.numEmbeddings, this.embeddingDim], init: this.weightInit, decay: true }];
  }

  protected outputShape(shape: number[]): number[] {
    return [...shape, this.embeddingDim];
  }

  override allocate(ctx: Context): void {
    super.allocate(ctx);
    this.out = this.alloc(size(this.outShape), "out");
  }

  forward(idx: Region, B: number): Region {
    const n = B * size(this.inShape);
    this.idx = idx;
    const bad = this.ctx.k.embeddingForward(this.out.ptr, this.param("weight").ptr, idx.ptr, n, this.embeddingDim, this.numEmbeddings);
    if (bad) throw new RangeError(`Embedding: ${bad} token indices outside [0, ${this.numEmbeddings})`);
    return this.out;
  }

  // scatter-add: dweight[idx[i]] += dout[i]; the input is integer, so there is no input gradient
  backward(dout: Region, B: number): Region {
    const n = B * size(this.inShape);
    this.ctx.k.embeddingBackward(this.grad("weight").ptr, dout.ptr, this.idx.ptr, n, this.embeddingDim, this.numEmbeddings);
    return dout;
  }
}
