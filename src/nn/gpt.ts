// The GPT building blocks, named as nanoGPT names them so state dicts match PyTorch:
// transformer.{wte,wpe}.weight, transformer.h.<i>.{ln_1,attn,ln_2,mlp}.…, transformer.ln_f.…, lm_head.weight.
import { Layer, size, type Context, type Init, type ParamSpec } from "./layer.js";
import { normal } from "./init.js";
import { Linear, type LinearOptions } from "./linear.js";
import { LayerNorm } from "./layernorm.js";
import { Dropout, GELU } from "./activations.js";
import { Sequential } from "./structure.js";
import { CausalSelfAttention } from "./attention.js";
import type { Region } from "../memory/arena.js";

/** out[b,t,:] = wte[idx[b,t], :] + wpe[t, :] : (B,T) int32 → (B,T,C), T ≤ blockSize. */
export class TokenPositionEmbedding extends Layer {
  readonly kind = "TokenPositionEmbedding";
  private idx!: Region;
  private out!: Region;

  constructor(
    readonly vocabSize: number,
    readonly blockSize: number,
    readonly nEmbd: number,
    private readonly weightInit: Init = normal(0.02),
  ) {
    super();
  }

  override paramSpecs(): ParamSpec[] {
    return [
      { name: "wte.weight", shape: [this.vocabSize, this.nEmbd], init: this.weightInit, decay: true },
      { name: "wpe.weight", shape: [this.blockSize, this.nEmbd], init: this.weightInit, decay: true },
    ];
  }

  protected outputShape(shape: number[]): number[] {
    if (shape.length !== 1 || shape[0] > this.blockSize)
      throw new Error(`TokenPositionEmbedding: input must be (B,T) with T ≤ blockSize ${this.blockSize}, got (B,${shape})`);
    return [shape[0], this.nEmbd];
  }

  override allocate(ctx: Context): void {
    super.allocate(ctx);
    this.out = this.alloc(size(this.outShape), "out");
  }

  forward(idx: Region, B: number): Region {
    const { k } = this.ctx;
    const T = this.inShape[0];
    this.idx = idx;
    const bad = k.embeddingForward(this.out.ptr, this.param("wte.weight").ptr, idx.ptr, B * T, this.nEmbd, this.vocabSize);
    if (bad) throw new RangeError(`TokenPositionEmbedding: ${bad} token indices outside [0, ${this.vocabSize})`);
    k.addBias(this.out.ptr, this.param("wpe.weight").ptr, B, T * this.nEmbd); // + wpe[0..T) for every example
    return this.out;
  }

  // dwte[idx] += dout (scatter-add); dwpe[t] += Σ_b dout[b,t]; integer input: no input gradient
  backward(dout: Region, B: number): Region {
    const { k } = this.ctx;
    const T = this.inShape[0];
    k.embeddingBackward(this.grad("wte.weight").ptr, dout.ptr, this.idx.ptr, B * T, this.nEmbd, this.vocabSize);
    k.biasBackward(this.grad("wpe.weight").ptr, dout.ptr, B, T * this.nEmbd);
    return dout;
  }
}

/** nn.Sequential with module names instead of indices (nanoGPT's MLP: c_fc, gelu, c_proj, dropout). */
export class NamedSequential extends Sequential {
  constructor(private readonly named: [string, Layer][]) {
    super(...named.map(([, layer]) => layer));
  }
  override children(): [string, Layer][] {
    return this.named;
  }
}

export interface BlockOptions {
  dropout?: number;
  /** biases in Linear layers (LayerNorm always has one here) */
  bias?: boolean;
  /** GELU form in the MLP; nanoGPT uses the exact 'none' */
  gelu?: "none" | "tanh";
  /** std of the residual projections' (attn.c_proj, mlp.c_proj) weights; nanoGPT: 0.02/√(2·nLayer) */
  projStd?: number;
}

/** nanoGPT MLP: c_fc Linear(C,4C) → GELU → c_proj Linear(4C,C) → dropout. */
export function mlp(nEmbd: number, options: BlockOptions = {}): NamedSequential {
  const bias = options.bias ?? true;
  return new NamedSequential([
    ["c_fc", new Linear(nEmbd, 4 * nEmbd, { bias, weightInit: normal(0.02) })],
    ["gelu", new GELU(options.gelu ?? "none")],
    ["c_proj", new Linear(4 * nEmbd, nEmbd, { bias, weightInit: normal(options.projStd ?? 0.02) })],
    ["dropout", new Dropout(options.dropout ?? 0)],
  ]);
}

/** Pre-norm transformer block: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)). (B,T,C) → (B,T,C). */
export class Block extends Layer {
  readonly kind = "Block";
  readonly ln1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln2: LayerNorm;
  readonly mlp: NamedSequential;
  private x1!: Region;
  private out!: Region;
  private dx1!: Region;
  private dx!: Region;

  constructor(
    readonly nEmbd: number,
    readonly nHead: number,
    options: BlockOptions = {},
  ) {
    super();
    const bias = options.bias ?? true;
    const proj: LinearOptions = { bias, weightInit: normal(options.projStd ?? 0.02) };
    this.ln1 = new LayerNorm(nEmbd);
    this.attn = new CausalSelfAttention(nEmbd, nHead, { dropout: options.dropout, bias, cAttn: { weightInit: normal(0.02) }, cProj: proj });
    this.ln2 = new LayerNorm(nEmbd);
    this.mlp = mlp(nEmbd, options);
  }

  override children(): [string, Layer][] {
    return [["ln_1", this.ln1], ["attn", this.attn], ["ln_2", this.ln2], ["mlp", this.mlp]];
  }

  protected outputShape(shape: number[]): number[] {
    for (const [, layer] of this.children())
      if (layer.setInputShape(shape).join() !== shape.join()) throw new Error(`Block: ${layer.kind} changes the shape (B,${shape})`);
    return shape;
  }

  override allocate(ctx: Context): void {
    super.allocate(ctx);
    for (const [, layer] of this.children()) layer.allocate(ctx);
    this.x1 = this.alloc(size(this.inShape), "x1");
    this.out = this.alloc(size(this.inShape), "out");
  }
  override allocateGrads(ctx: Context): void {
    for (const [, layer] of this.children()) layer.allocateGrads(ctx);
    this.dx1 = this.allocGrad(size(this.inShape), "dx1");
    this.dx = this.allocGrad(size(this.inShape), "dx");
  }

  forward(x: Region, B: number, training: boolean): Region {
    const { k } = this.ctx;
    const n = B * size(this.inShape);
    k.add(this.x1.ptr, x.ptr, this.attn.forward(this.ln1.forward(x, B), B, training).ptr, n);
    k.add(this.out.ptr, this.x1.ptr, this.mlp.forward(this.ln2.forward(this.x1, B), B, training).ptr, n);
    return this.out;
  }

  // each residual: the gradient passes straight through and adds the branch's input gradient
  backward(dout: Region, B: number): Region {
    const { k } = this.ctx;
    const n = B * size(this.inShape);
    k.add(this.dx1.ptr, dout.ptr, this.ln2.backward(this.mlp.backward(dout, B), B).ptr, n);
    k.add(this.dx.ptr, this.dx1.ptr, this.ln1.backward(this.attn.backward(this.dx1, B), B).ptr, n);
    return this.dx;
  }
}
