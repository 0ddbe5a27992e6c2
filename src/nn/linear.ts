import { Layer, size, type Context, type Init, type ParamSpec } from "./layer.js";
import { constant, normal } from "./init.js";
import type { Region } from "../memory/arena.js";
import type { Tanh } from "./activations.js";

export interface LinearOptions {
  bias?: boolean;
  /** weight init; default N(0, 1/fan_in) (the lectures' "Kaiming" without gain) */
  weightInit?: Init;
  biasInit?: Init;
  /** reuse another Linear's weight (and bias): one parameter, gradients from every use accumulate */
  sharedWith?: Linear;
}

/** y = x · Wᵀ + b over the last dimension: (B,…,in) → (B,…,out), W [out,in] as nn.Linear. */
export class Linear extends Layer {
  readonly kind = "Linear";
  readonly bias: boolean;
  private x!: Region;
  private out!: Region;
  /**
   * The input gradient, which backward's one matmul overwrites whole: it sits among the forward
   * buffers, outside the activation gradients the model zeroes every step. None when a TanhLinear
   * step writes this Linear's input gradient into its Tanh's (routeInputGradToTanh).
   */
  private dx!: Region;
  private inputGradToTanh = false;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    private readonly options: LinearOptions = {},
  ) {
    super();
    this.bias = options.bias ?? true;
  }

  /** the Linear whose parameters this one uses (itself unless shared) */
  get owner(): Linear {
    return this.options.sharedWith ?? this;
  }

  override paramSpecs(): ParamSpec[] {
    if (this.options.sharedWith) return [];
    const specs: ParamSpec[] = [
      { name: "weight", shape: [this.outFeatures, this.inFeatures], init: this.options.weightInit ?? normal(1 / Math.sqrt(this.inFeatures)), decay: true },
    ];
    if (this.bias) specs.push({ name: "bias", shape: [this.outFeatures], init: this.options.biasInit ?? constant(0), decay: false });
    return specs;
  }

  protected outputShape(shape: number[]): number[] {
    if (shape[shape.length - 1] !== this.inFeatures)
      throw new Error(`Linear(${this.inFeatures}, ${this.outFeatures}) cannot take input of shape (${shape})`);
    return [...shape.slice(0, -1), this.outFeatures];
  }

  override allocate(ctx: Context): void {
    super.allocate(ctx);
    const src = this.options.sharedWith;
    if (src) {
      if (src.inFeatures !== this.inFeatures || src.outFeatures !== this.outFeatures || src.bias !== this.bias)
        throw new Error(`Linear(${this.inFeatures}, ${this.outFeatures}) cannot share the parameters of Linear(${src.inFeatures}, ${src.outFeatures})`);
      this.bindParam("weight", src.param("weight"), src.grad("weight"));
      if (this.bias) this.bindParam("bias", src.param("bias"), src.grad("bias"));
    }
    this.out = this.alloc(size(this.outShape), "out");
    if (!this.inputGradToTanh) this.dx = this.allocGrad(size(this.inShape), "dx");
  }

  /** Called by the TanhLinear step of this Linear, before allocation: backwardThroughTanh will be used. */
  routeInputGradToTanh(): void {
    this.inputGradToTanh = true;
  }

  // x (R,in) → out (R,out), R = B·(leading dims)
  forward(x: Region, B: number): Region {
    const { k } = this.ctx;
    const R = B * (size(this.inShape) / this.inFeatures);
    this.x = x;
    k.matmulNT(this.out.ptr, x.ptr, this.param("weight").ptr, R, this.inFeatures, this.outFeatures, 0, this.bias ? this.param("bias").ptr : 0);
    return this.out;
  }

  // dW[out,in] += doutᵀ · x ; db += Σ_rows dout ; dx[R,in] = dout · W
  backward(dout: Region, B: number): Region {
    return this.backwardInto(this.dx, 0, dout, B);
  }

  /**
   * The backward when this Linear's input is y = tanh(x) of a Tanh (through a free view at most):
   * the Tanh's dx = (dout · W) ⊙ (1 − y²) in one matmul (no dy buffer, no tanhBackward pass); the
   * Tanh's dx is returned. Needs outFeatures ≤ MATMUL_TANH_MAX_K.
   */
  backwardThroughTanh(dout: Region, B: number, tanh: Tanh): Region {
    return this.backwardInto(tanh.inputGrad, tanh.output.ptr, dout, B);
  }

  // the parameter gradients, and dx = dout · W (⊙ (1 − y²) for a tanh output y at tanhOut unless 0)
  private backwardInto(dx: Region, tanhOut: number, dout: Region, B: number): Region {
    const { k } = this.ctx;
    const R = B * (size(this.inShape) / this.inFeatures);
    k.matmulTN(this.grad("weight").ptr, dout.ptr, this.x.ptr, this.outFeatures, R, this.inFeatures, 1);
    if (this.bias) k.biasBackward(this.grad("bias").ptr, dout.ptr, R, this.outFeatures);
    k.matmul(dx.ptr, dout.ptr, this.param("weight").ptr, R, this.outFeatures, this.inFeatures, 0, tanhOut);
    return dx;
  }
}
