// GPT (nanoGPT's model.py, Karpathy's "Let's build GPT" lecture): token + position embeddings,
// nLayer pre-norm transformer blocks, a final LayerNorm and the LM head. State-dict names match
// nanoGPT's and the PyTorch twin in reference/torch_reference.py (GPT):
//   transformer.wte.weight, transformer.wpe.weight, transformer.h.<i>.ln_1.weight, …,
//   transformer.ln_f.weight/bias, lm_head.weight (absent when tied to transformer.wte.weight).
import { Layer, type Context, type ParamSpec } from "../nn/layer.js";
import { Linear } from "../nn/linear.js";
import { LayerNorm } from "../nn/layernorm.js";
import { Dropout } from "../nn/activations.js";
import { Sequential } from "../nn/structure.js";
import { Block, TokenPositionEmbedding } from "../nn/gpt.js";
import { normal } from "../nn/init.js";
import type { Region } from "../memory/arena.js";

export interface GptConfig {
  vocabSize: number;
  /** context length T (the model's input shape is [blockSize]; output [blockSize, vocabSize]) */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** C, a multiple of nHead */
  nEmbd: number;
  /** dropout after the embeddings, on the attention probabilities and on both residual branches (nanoGPT's) */
  dropout: number;
  /** biases in the Linear layers (LayerNorms always have one) */
  bias: boolean;
  /** lm_head.weight is transformer.wte.weight (one tensor, gradients of both uses summed) */
  tied: boolean;
}

/** nanoGPT's `transformer` ModuleDict: wte + wpe → drop → h.0 … h.{n−1} → ln_f. (B,T) int32 → (B,T,C). */
export class GptTransformer extends Layer {
  readonly kind = "GptTransformer";
  readonly embedding: TokenPositionEmbedding;
  readonly drop: Dropout;
  readonly h: Sequential;
  readonly lnF: LayerNorm;

  constructor(readonly config: GptConfig) {
    super();
    const { vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, bias } = config;
    this.embedding = new TokenPositionEmbedding(vocabSize, blockSize, nEmbd);
    this.drop = new Dropout(dropout);
    const projStd = 0.02 / Math.sqrt(2 * nLayer);
    this.h = new Sequential(...Array.from({ length: nLayer }, () => new Block(nEmbd, nHead, { dropout, bias, projStd })));
    this.lnF = new LayerNorm(nEmbd);
  }

  // wte/wpe are declared here, so their names are "transformer.wte.weight"; the embedding layer uses them
  override paramSpecs(): ParamSpec[] {
    return this.embedding.paramSpecs();
  }
  override bindParam(name: string, value: Region, grad: Region): void {
    super.bindParam(name, value, grad);
    this.embedding.bindParam(name, value, grad);
  }
  override children(): [string, Layer][] {
    return [["h", this.h], ["ln_f", this.lnF]];
  }

  protected outputShape(shape: number[]): number[] {
    shape = this.embedding.setInputShape(shape);
    shape = this.drop.setInputShape(shape);
    shape = this.h.setInputShape(shape);
    return this.lnF.setInputShape(shape);
  }
  override allocate(ctx: Context): void {
    super.allocate(ctx);
    for (const layer of [this.embedding, this.drop, this.h, this.lnF]) layer.allocate(ctx);
  }
  override allocateGrads(ctx: Context): void {
    for (const layer of [this.drop, this.h, this.lnF]) layer.allocateGrads(ctx);
  }
  forward(idx: Region, B: number, training: boolean): Region {
    let x = this.embedding.forward(idx, B);
    x = this.drop.forward(x, B, training);
    x = this.h.forward(x, B, training);
    return this.lnF.forward(x, B);
  }
  backward(dout: Region, B: number): Region {
    let d = this.lnF.backward(dout, B);
    d = this.h.backward(d, B);
    d = this.drop.backward(d, B);
    return this.embedding.backward(d, B);
  }
}

/** The whole model: (B,T) int32 → logits (B,T,V). */
export class GPT extends Layer {
  readonly kind = "GPT";
  readonly transformer: GptTransformer;
  /** logits = x · Wᵀ; W is transformer.wte.weight when tied */
  readonly lmHead: Linear;

  constructor(readonly config: GptConfig) {
    super();
    checkGptConfig(config);
    this.transformer = new GptTransformer(config);
    this.lmHead = new Linear(config.nEmbd, config.vocabSize, { bias: false, weightInit: normal(0.02) });
  }

  override children(): [string, Layer][] {
    return this.config.tied ? [["transformer", this.transformer]] : [["transformer", this.transformer], ["lm_head", this.lmHead]];
  }
  protected outputShape(shape: number[]): number[] {
    return this.lmHead.setInputShape(this.transformer.setInputShape(shape));
  }
  override allocate(ctx: Context): void {
    super.allocate(ctx);
    if (this.config.tied) this.lmHead.bindParam("weight", this.transformer.param("wte.weight"), this.transformer.grad("wte.weight"));
    this.transformer.allocate(ctx);
    this.lmHead.allocate(ctx);
  }
  override allocateGrads(ctx: Context): void {
    this.transformer.allocateGrads(ctx); // (lm_head keeps its input gradient among its forward buffers)
  }
  forward(idx: Region, B: number, training: boolean): Region {
    return this.lmHead.forward(this.transformer.forward(idx, B, training), B);
  }
  // with tying, lm_head's dW and the embedding's scatter-add both accumulate into wte's gradient
  backward(dout: Region, B: number): Region {
    return this.transformer.backward(this.lmHead.backward(dout, B), B);
  }
}

export function checkGptConfig(config: GptConfig): void {
  for (const key of ["vocabSize", "blockSize", "nLayer", "nHead", "nEmbd"] as const) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${key} must be a positive integer, got ${v}`);
  }
  if (config.nEmbd % config.nHead !== 0)
    throw new RangeError(`nEmbd (${config.nEmbd}) must be a multiple of nHead (${config.nHead})`);
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${config.dropout}`);
}

/**
 * Build a GPT network for `new Model(buildGpt(config), { inputShape: [config.blockSize], maxBatch })`:
 * per example, input [blockSize] token ids, output [blockSize, vocabSize] logits, so the model's
 * softmax-CE runs over B·blockSize rows (targets −1 ignored). nanoGPT initialisation: N(0, 0.02)
 * weights and embeddings, N(0, 0.02/√(2·nLayer)) residual projections, zero biases, LayerNorm 1/0.
 */
export function buildGpt(config: GptConfig): GPT {
  return new GPT(config);
}

/** Parameters as PyTorch counts them (tied weights once). */
export function gptParameterCount(c: GptConfig): number {
  const C = c.nEmbd;
  const b = c.bias ? 1 : 0;
  const block = 2 * 2 * C + (3 * C * C + b * 3 * C) + (C * C + b * C) + (4 * C * C + b * 4 * C) + (4 * C * C + b * C);
  return c.vocabSize * C + c.blockSize * C + c.nLayer * block + 2 * C + (c.tied ? 0 : c.vocabSize * C);
}
