import { Layer, size, type Context } from "./layer.js";
import type { Region } from "../memory/arena.js";
import { Embedding } from "./embedding.js";
import { Linear } from "./linear.js";
import { Tanh } from "./activations.js";
import { EmbeddingLinear, TanhLinear } from "./fusion.js";

/**
 * (B,T,C) → (B,T/n,n·C): n consecutive positions concatenated. Row-major memory makes this a free
 * view (no copy, forward or backward). When T/n is 1 the time axis is dropped: (B, n·C).
 */
export class FlattenConsecutive extends Layer {
  readonly kind = "FlattenConsecutive";
  constructor(readonly n: number) {
    super();
  }
  protected outputShape(shape: number[]): number[] {
    if (shape.length !== 2 || shape[0] % this.n !== 0)
      throw new Error(`FlattenConsecutive(${this.n}) needs input (B,T,C) with T divisible by ${this.n}, got (B,${shape})`);
    const [T, C] = shape;
    return T / this.n === 1 ? [this.n * C] : [T / this.n, this.n * C];
  }
  forward(x: Region): Region {
    return x;
  }
  backward(dout: Region): Region {
    return dout;
  }
}

type Step = Pick<Layer, "forward" | "backward">;

/**
 * Layers applied in order; children are named "0", "1", … as in nn.Sequential. Each run of
 * Embedding → FlattenConsecutive → Linear executes as one EmbeddingLinear step, and each
 * Tanh → (FlattenConsecutive) → Linear as one TanhLinear step (src/nn/fusion.ts).
 */
export class Sequential extends Layer {
  readonly kind = "Sequential";
  readonly layers: Layer[];
  private steps: Step[] = [];
  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
  }
  override children(): [string, Layer][] {
    return this.layers.map((layer, i) => [String(i), layer]);
  }
  protected outputShape(shape: number[]): number[] {
    for (const layer of this.layers) shape = layer.setInputShape(shape);
    return shape;
  }
  override allocate(ctx: Context): void {
    super.allocate(ctx);
    this.steps = this.fusedSteps(); // before the layers allocate: a TanhLinear changes what they need
    for (const layer of this.layers) layer.allocate(ctx);
    for (const step of this.steps) if (step instanceof EmbeddingLinear) step.allocate(ctx);
  }

  /** The layers as steps, each run of a fusable pattern as one step. */
  private fusedSteps(): Step[] {
    const { layers } = this;
    const steps: Step[] = [];
    for (let i = 0; i < layers.length; i++) {
      const [a, b, c] = [layers[i], layers[i + 1], layers[i + 2]];
      if (a instanceof Embedding && b instanceof FlattenConsecutive && c instanceof Linear) {
        steps.push(new EmbeddingLinear(a, b, c));
        i += 2;
      } else if (a instanceof Tanh && b instanceof Linear && TanhLinear.fits(b)) {
        steps.push(new TanhLinear(a, null, b));
        i += 1;
      } else if (a instanceof Tanh && b instanceof FlattenConsecutive && c instanceof Linear && TanhLinear.fits(c)) {
        steps.push(new TanhLinear(a, b, c));
        i += 2;
      } else steps.push(a);
    }
    return steps;
  }
  override allocateGrads(ctx: Context): void {
    for (const layer of this.layers) layer.allocateGrads(ctx);
  }
  forward(x: Region, B: number, training: boolean): Region {
    for (const step of this.steps) x = step.forward(x, B, training);
    return x;
  }
  backward(dout: Region, B: number): Region {
    for (let i = this.steps.length - 1; i >= 0; i--) dout = this.steps[i].backward(dout, B);
    return dout;
  }
}

/** y = x + block(x); the block must keep the shape. dx = dy + block'ᵀ·dy. */
export class Residual extends Layer {
  readonly kind = "Residual";
  readonly block: Sequential;
  private out!: Region;
  private dx!: Region;
  constructor(...layers: Layer[]) {
    super();
    this.block = new Sequential(...layers);
  }
  override children(): [string, Layer][] {
    return [["block", this.block]];
  }
  protected outputShape(shape: number[]): number[] {
    const out = this.block.setInputShape(shape);
    if (out.join() !== shape.join())
      throw new Error(`Residual: block maps (B,${shape}) to (B,${out}); a residual needs equal shapes`);
    return shape;
  }
  override allocate(ctx: Context): void {
    super.allocate(ctx);
    this.block.allocate(ctx);
    this.out = this.alloc(size(this.inShape), "out");
  }
  override allocateGrads(ctx: Context): void {
    this.block.allocateGrads(ctx);
    this.dx = this.allocGrad(size(this.inShape), "dx");
  }
  forward(x: Region, B: number, training: boolean): Region {
    const h = this.block.forward(x, B, training);
    this.ctx.k.add(this.out.ptr, x.ptr, h.ptr, B * size(this.inShape));
    return this.out;
  }
  backward(dout: Region, B: number): Region {
    const n = B * size(this.inShape);
    const dblock = this.block.backward(dout, B);
    this.ctx.k.add(this.dx.ptr, dout.ptr, dblock.ptr, n);
    return this.dx;
  }
}
