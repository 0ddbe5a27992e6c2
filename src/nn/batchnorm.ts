import { Layer, size, type Context, type ParamSpec } from "./layer.js";
import { constant } from "./init.js";
import type { Region } from "../memory/arena.js";

/**
 * BatchNorm1d over the last (channel) dimension with PyTorch semantics: (B,C) or (B,T,C), statistics
 * per channel over all B·T rows (the lectures' 3-D BatchNorm). Training normalises with the biased
 * batch variance and updates running stats with the unbiased one; eval uses the running stats.
 */
export class BatchNorm1d extends Layer {
  readonly kind = "BatchNorm1d";
  private out!: Region;
  private xhat!: Region;
  private invstd!: Region;
  private dx!: Region;
  private training = true;

  constructor(
    readonly numFeatures: number,
    readonly eps = 1e-5,
    readonly momentum = 0.1,
  ) {
    super();
  }

  override paramSpecs(): ParamSpec[] {
    return [
      { name: "weight", shape: [this.numFeatures], init: constant(1), decay: false },
      { name: "bias", shape: [this.numFeatures], init: constant(0), decay: false },
    ];
  }
  override bufferSpecs() {
    return [
      { name: "running_mean", shape: [this.numFeatures], init: 0 },
      { name: "running_var", shape: [this.numFeatures], init: 1 },
    ];
  }

  protected outputShape(shape: number[]): number[] {
    if (shape.length < 1 || shape.length > 2 || shape[shape.length - 1] !== this.numFeatures)
      throw new Error(`BatchNorm1d(${this.numFeatures}) cannot take input of shape (B,${shape})`);
    return shape;
  }

  override allocate(ctx: Context): void {
    super.allocate(ctx);
    this.out = this.alloc(size(this.inShape), "out");
    this.xhat = this.alloc(size(this.inShape), "xhat");
    this.invstd = ctx.arena.alloc(this.numFeatures, "BatchNorm1d.invstd");
  }
  override allocateGrads(_ctx?: Context): void {
    this.dx = this.allocGrad(size(this.inShape), "dx");
  }

  // x (R,C) → out (R,C), R = B·T
  forward(x: Region, B: number, training: boolean): Region {
    const R = B * (size(this.inShape) / this.numFeatures);
    this.training = training;
    if (training && R < 2) throw new Error("BatchNorm1d: training needs more than one value per channel (batch size ≥ 2)");
    this.ctx.k.batchnormForward(
      this.out.ptr, this.xhat.ptr, this.invstd.ptr, x.ptr, this.param("weight").ptr, this.param("bias").ptr,
      this.buffer("running_mean").ptr, this.buffer("running_var").ptr, R, this.numFeatures, this.momentum, this.eps,
      training ? 1 : 0,
    );
    return this.out;
  }

  backward(dout: Region, B: number): Region {
    const R = B * (size(this.inShape) / this.numFeatures);
    this.ctx.k.batchnormBackward(
      this.dx.ptr, this.grad("weight").ptr, this.grad("bias").ptr, dout.ptr, this.xhat.ptr, this.invstd.ptr,
      this.param("weight").ptr, R, this.numFeatures, this.training ? 1 : 0,
    );
    return this.dx;
  }
}
