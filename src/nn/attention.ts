import { Layer, size, type Context } from "./layer.js";
import { Linear, type LinearOptions } from "./linear.js";
import { Dropout } from "./activations.js";
import type { Region } from "../memory/arena.js";

export interface AttentionOptions {
  /** dropout on the attention probabilities and after the output projection (nanoGPT's attn_dropout
   * and resid_dropout, one probability as in nanoGPT); 0 disables both */
  dropout?: number;
  /** biases on both projections (nanoGPT's `bias`), default true */
  bias?: boolean;
  /** initialisers of the projections */
  cAttn?: LinearOptions;
  cProj?: LinearOptions;
}

/**
 * nanoGPT's CausalSelfAttention: (B,T,C) → (B,T,C). qkv = c_attn(x) (fused Linear(C,3C)), causal
 * dropout(softmax(q·kᵀ/√hs))·v per head (one attention kernel, forward and backward, which also
 * draws the dropout mask), then c_proj(Linear(C,C)), then dropout.
 */
export class CausalSelfAttention extends Layer {
  readonly kind = "CausalSelfAttention";
  readonly cAttn: Linear;
  readonly cProj: Linear;
  readonly residDropout: Dropout;
  /** softmax probabilities of the last forward, (B,NH,T,T) */
  att!: Region;
  /** with dropout: att ⊙ mask of the last training forward, (B,NH,T,T) */
  private dropped!: Region;
  /** dropout probability and mask seed of the last forward's attention (p 0: none) */
  private attnP = 0;
  private attnSeed = 0;
  get attentionDropout(): { p: number; seed: number } {
    return { p: this.attnP, seed: this.attnSeed };
  }
  private qkv!: Region;
  private y!: Region;
  private datt!: Region;
  private dqkv!: Region;

  readonly dropout: number;

  constructor(
    readonly nEmbd: number,
    readonly nHead: number,
    options: AttentionOptions = {},
  ) {
    super();
    if (!Number.isInteger(nEmbd / nHead) || nHead < 1)
      throw new RangeError(`CausalSelfAttention: nEmbd ${nEmbd} must be a multiple of nHead ${nHead}`);
    const bias = options.bias ?? true;
    this.cAttn = new Linear(nEmbd, 3 * nEmbd, { bias, ...options.cAttn });
    this.cProj = new Linear(nEmbd, nEmbd, { bias, ...options.cProj });
    this.dropout = options.dropout ?? 0;
    this.residDropout = new Dropout(this.dropout);
  }

  override children(): [string, Layer][] {
    return [["c_attn", this.cAttn], ["c_proj", this.cProj], ["resid_dropout", this.residDropout]];
  }

  get T(): number {
    return this.inShape[0];
  }

  protected outputShape(shape: number[]): number[] {
    if (shape.length !== 2 || shape[1] !== this.nEmbd)
      throw new Error(`CausalSelfAttention(${this.nEmbd}) needs input (B,T,${this.nEmbd}), got (B,${shape})`);
    this.cAttn.setInputShape(shape);
    this.cProj.setInputShape(shape);
    this.residDropout.setInputShape(shape);
    return shape;
  }

  override allocate(ctx: Context): void {
    super.allocate(ctx);
    this.cAttn.allocate(ctx);
    this.att = this.alloc(this.nHead * this.T * this.T, "att");
    if (this.dropout > 0) this.dropped = this.alloc(this.nHead * this.T * this.T, "dropped");
    this.y = this.alloc(size(this.inShape), "y");
    this.cProj.allocate(ctx);
    this.residDropout.allocate(ctx);
    this.datt = ctx.arena.alloc(this.T * this.T, `${this.kind}.datt`);
  }
  override allocateGrads(): void {
    // (the Linears keep their input gradients among their forward buffers)
    this.dqkv = this.allocGrad(3 * size(this.inShape), "dqkv");
    this.residDropout.allocateGrads();
  }

  // x (B,T,C) → qkv (B,T,3C) → y (B,T,C) → out (B,T,C)
  forward(x: Region, B: number, training: boolean): Region {
    this.qkv = this.cAttn.forward(x, B);
    this.attnP = training ? this.dropout : 0;
    this.attnSeed = this.attnP > 0 ? this.ctx.nextSeed() : 0;
    const dropped = this.attnP > 0 ? this.dropped.ptr : 0;
    this.ctx.k.attentionForward(this.y.ptr, this.att.ptr, this.qkv.ptr, B, this.T, this.nEmbd, this.nHead, this.attnP, this.attnSeed, dropped);
    return this.residDropout.forward(this.cProj.forward(this.y, B), B, training);
  }

  // dqkv is zeroed with the other activation gradients (Model.backward); the kernel accumulates into it
  backward(dout: Region, B: number): Region {
    const dy = this.cProj.backward(this.residDropout.backward(dout, B), B);
    const dropped = this.attnP > 0 ? this.dropped.ptr : 0;
    this.ctx.k.attentionBackward(
      this.dqkv.ptr, this.datt.ptr, dy.ptr, this.qkv.ptr, this.att.ptr, B, this.T, this.nEmbd, this.nHead, this.attnP, this.attnSeed, dropped,
    );
    return this.cAttn.backward(this.dqkv, B);
  }
}
