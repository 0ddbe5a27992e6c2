import { Layer, size, type Context } from "./layer.js";
import type { Region } from "../memory/arena.js";

/** Elementwise layers keep their input or output for the backward pass and own out/dx buffers. */
abstract class Elementwise extends Layer {
  protected out!: Region;
  protected dx!: Region;
  protected outputShape(shape: number[]): number[] {
    return shape;
  }
  override allocate(ctx: Context): void {
    super.allocate(ctx);
    this.out = this.alloc(size(this.inShape), "out");
  }
  override allocateGrads(_ctx?: Context): void {
    this.dx = this.allocGrad(size(this.inShape), "dx");
  }
}

/** y = tanh(x); dx = dy·(1 − y²) */
export class Tanh extends Elementwise {
  readonly kind = "Tanh";
  /** whether a Linear after this Tanh writes dx (TanhLinear): whole, so dx is not zeroed every step */
  private gradFromLinear = false;
  /** Called by the TanhLinear step of this Tanh, before allocation. */
  routeInputGradFromLinear(): void {
    this.gradFromLinear = true;
  }
  override allocate(ctx: Context): void {
    super.allocate(ctx);
    if (this.gradFromLinear) this.dx = this.allocGrad(size(this.inShape), "dx"); // outside the zeroed block
  }
  override allocateGrads(ctx: Context): void {
    if (!this.gradFromLinear) super.allocateGrads(ctx);
  }
  /** y of the last forward (the Linear after this Tanh reads it to fold this backward into its own) */
  get output(): Region {
    return this.out;
  }
  /** dx: accumulated by backward, or written whole by that Linear */
  get inputGrad(): Region {
    return this.dx;
  }
  forward(x: Region, B: number): Region {
    this.ctx.k.tanhForward(this.out.ptr, x.ptr, B * size(this.inShape));
    return this.out;
  }
  backward(dout: Region, B: number): Region {
    this.ctx.k.tanhBackward(this.dx.ptr, dout.ptr, this.out.ptr, B * size(this.inShape));
    return this.dx;
  }
}

/**
 * nn.GELU(approximate='none' | 'tanh'). A forward that a backward may follow (B ≤ ctx.gradBatch, in
 * either mode) also keeps GELU'(x), so the backward is dx += dy·GELU'(x).
 */
export class GELU extends Elementwise {
  readonly kind = "GELU";
  /** GELU'(x) of the last forward of ≤ ctx.gradBatch examples (outside the zeroed gradients) */
  private slope!: Region;
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
  }
  override allocate(ctx: Context): void {
    super.allocate(ctx);
    this.slope = ctx.arena.alloc(size(this.inShape) * ctx.gradBatch, "GELU.slope");
  }
  forward(x: Region, B: number): Region {
    const withSlope = B <= this.ctx.gradBatch ? 1 : 0;
    this.ctx.k.geluForward(this.out.ptr, this.slope.ptr, x.ptr, B * size(this.inShape), this.approximate === "tanh" ? 1 : 0, withSlope);
    return this.out;
  }
  backward(dout: Region, B: number): Region {
    this.ctx.k.multiplyAccumulate(this.dx.ptr, dout.ptr, this.slope.ptr, B * size(this.inShape));
    return this.dx;
  }
}

/** Inverted dropout: in training y = x·mask with mask ∈ {0, 1/(1−p)}; identity in eval. */
export class Dropout extends Layer {
  readonly kind = "Dropout";
  private out!: Region;
  private dx!: Region;
  /** the mask of the last training forward: 0 or 1/(1−p) per element */
  mask!: Region;
  /** whether the last forward applied a mask */
  active = false;
  constructor(readonly p: number) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
  }
  protected outputShape(shape: number[]): number[] {
    return shape;
  }
  override allocate(ctx: Context): void {
    super.allocate(ctx);
    this.out = this.alloc(size(this.inShape), "out");
    this.mask = this.alloc(size(this.inShape), "mask");
  }
  override allocateGrads(_ctx?: Context): void {
    this.dx = this.allocGrad(size(this.inShape), "dx");
  }
  forward(x: Region, B: number, training: boolean): Region {
    this.active = training && this.p > 0;
    if (!this.active) return x;
    this.ctx.k.dropoutForward(this.out.ptr, this.mask.ptr, x.ptr, B * size(this.inShape), this.p, this.ctx.nextSeed());
    return this.out;
  }
  backward(dout: Region, B: number): Region {
    if (!this.active) return dout;
    this.ctx.k.multiplyAccumulate(this.dx.ptr, dout.ptr, this.mask.ptr, B * size(this.inShape));
    return this.dx;
  }
}
