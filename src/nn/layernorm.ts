import { Layer, size, type Context, type ParamSpec } from "./layer.js";
import { constant } from "./init.js";
import type { Region } from "../memory/arena.js";

/** LayerNorm over the last dimension as nn.LayerNorm(C): (B,…,C) → (B,…,C). */
export class LayerNorm extends Layer {
  readonly kind = "LayerNorm";
  private x!: Region;
  private out!: Region;
  private mean!: Region;
  private rstd!: Region;
  private dx!: Region;

  constructor(
    readonly normalizedShape: number,
    readonly eps = 1e-5,
  ) {
    super();
  }

  override paramSpecs(): ParamSpec[] {
    return [
      { name: "weight", shape: [this.normalizedShape], init: constant(1), decay: false },
      { name: "bias", shape: [this.normalizedShape], init: constant(0), decay: false },
    ];
  }

  protected outputShape(shape: number[]): number[] {
    if (shape[shape.length - 1] !== this.normalizedShape)
      throw new Error(`LayerNorm(${this.normalizedShape}) cannot take input of shape (B,${shape})`);
    return shape;
  }

  override allocate(ctx: Context): void {
    super.allocate(ctx);
    const rows = size(this.inShape) / this.normalizedShape;
    this.out = this.alloc(size(this.inShape), "out");
    this.mean = this.alloc(rows, "mean");
    this.rstd = this.alloc(rows, "rstd");
  }
  override allocateGrads(_ctx?: Context): void {
    this.dx = this.allocGrad(size(this.inShape), "dx");
  }

  // x (R,C) → out (R,C)
  forward(x: Region, B: number): Region {
    const R = B * (size(this.inShape) / this.normalizedShape);
    this.x = x;
    this.ctx.k.layernormForward(
      this.out.ptr, this.mean.ptr, this.rstd.ptr, x.ptr, this.param("weight").ptr, this.param("bias").ptr,
      R, this.normalizedShape, this.eps,
    );
    return this.out;
  }

  backward(dout: Region, B: number): Region {
    const R = B * (size(this.inShape) / this.normalizedShape);
    this.ctx.k.layernormBackward(
      this.dx.ptr, this.grad("weight").ptr, this.grad("bias").ptr, dout.ptr, this.x.ptr, this.mean.ptr,
      this.rstd.ptr, this.param("weight").ptr, R, this.normalizedShape,
    );
    return this.dx;
  }
}
