// A trainable network over one arena: parameters in one contiguous block (and gradients in another,
// same layout), activations planned for the largest batch, activation gradients contiguous so a
// single kernel call zeroes them. The loss is fused softmax + cross-entropy over the last dimension.
import { Arena, Region } from "../memory/arena.js";
import { createKernels, type BackendName, type Kernels } from "../kernels/index.js";
import { Layer, size, type Context, type Param, type StateBuffer } from "../nn/layer.js";
import { createRandom } from "../nn/init.js";

export interface ModelOptions {
  backend?: BackendName;
  /** largest batch a forward pass will see (training batch and evaluation chunk) */
  maxBatch: number;
  /** largest batch a backward pass will see (default maxBatch); activation gradients are sized for it */
  gradBatch?: number;
  /** per-example input shape, e.g. [blockSize] */
  inputShape: number[];
  seed?: number;
  /** an existing arena to allocate in (default: a new one sized for this model) */
  arena?: Arena;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

export class Model {
  readonly arena: Arena;
  readonly k: Kernels;
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  readonly maxBatch: number;
  readonly gradBatch: number;
  readonly vocabSize: number;
  /** rows of logits per example (1 for next-character models, the current length T for sequence models) */
  rowsPerExample: number;
  /** sequence models: the length every buffer was planned for (the input shape's T); 0 otherwise */
  readonly maxSequenceLength: number;
  readonly paramBlock: Region;
  readonly gradBlock: Region;
  readonly input: Region;
  readonly targets: Region;
  private readonly probs: Region;
  private readonly dlogits: Region;
  private readonly gradActs: Region;
  /** state of the dropout-seed generator (saved with the optimizer state for exact resume) */
  dropoutSeed: number;
  private lastBatch = 0;

  constructor(
    readonly net: Layer,
    readonly options: ModelOptions,
  ) {
    const { maxBatch, inputShape } = options;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`batch size must be a positive integer, got ${maxBatch}`);
    this.maxBatch = maxBatch;
    this.gradBatch = options.gradBatch ?? maxBatch;
    if (!Number.isInteger(this.gradBatch) || this.gradBatch < 1 || this.gradBatch > maxBatch)
      throw new RangeError(`gradient batch must be an integer in 1..${maxBatch}, got ${this.gradBatch}`);
    const outShape = this.recordShapes(inputShape);
    this.vocabSize = outShape[outShape.length - 1];
    this.rowsPerExample = size(outShape) / this.vocabSize;
    this.maxSequenceLength = this.rowsPerExample > 1 ? inputShape[0] : 0;

    this.arena = options.arena ?? new Arena({ initialBytes: 0 });
    this.k = createKernels(options.backend ?? "wasm", this.arena);
    ({ params: this.params, buffers: this.buffers, paramBlock: this.paramBlock, gradBlock: this.gradBlock } =
      bindParameters(net, this.arena, options.seed ?? 42));
    this.dropoutSeed = (options.seed ?? 42) >>> 0;

    const ctx: Context = { arena: this.arena, k: this.k, maxBatch, gradBatch: this.gradBatch, nextSeed: () => (this.dropoutSeed = (Math.imul(this.dropoutSeed, 1664525) + 1013904223) >>> 0) };
    this.input = this.arena.alloc(maxBatch * size(inputShape), "input", "i32");
    this.targets = this.arena.alloc(maxBatch * this.rowsPerExample, "targets", "i32");
    net.allocate(ctx);
    this.probs = this.arena.alloc(maxBatch * size(outShape), "probs");
    const gradStart = this.arena.mark();
    net.allocateGrads(ctx);
    this.dlogits = this.arena.alloc(this.gradBatch * size(outShape), "dlogits");
    this.gradActs = new Region(this.arena, gradStart, (this.arena.mark() - gradStart) / 4, "f32", "activation grads");
  }

  /** Number of trainable parameters (as PyTorch counts them). */
  get parameterCount(): number {
    return this.params.reduce((n, p) => n + size(p.shape), 0);
  }

  /** Forward B examples from `input`; returns the logits (B·rowsPerExample, V), valid until the next forward. */
  forward(B: number, training: boolean): Region {
    this.checkBatch(B);
    return this.net.forward(this.input, B, training);
  }

  /** Forward + mean cross-entropy against `targets` (target −1 is ignored). */
  loss(B: number, training: boolean): number {
    this.checkBatch(B);
    const out = this.net.forward(this.input, B, training);
    this.lastBatch = B;
    return this.k.softmaxCrossEntropyForward(this.probs.ptr, out.ptr, this.targets.ptr, B * this.rowsPerExample, this.vocabSize);
  }

  /** Gradients of the last `loss` call, accumulated into the gradient block. */
  backward(): void {
    const B = this.lastBatch;
    if (B === 0) throw new Error("backward() needs a loss() first");
    if (B > this.gradBatch) throw new RangeError(`backward of ${B} examples; gradients were planned for ${this.gradBatch}`);
    this.k.zero(this.gradActs.ptr, this.gradActs.length);
    this.k.softmaxCrossEntropyBackward(this.dlogits.ptr, this.probs.ptr, this.targets.ptr, B * this.rowsPerExample, this.vocabSize);
    this.net.backward(this.dlogits, B);
  }

  /**
   * Sequence models: run the next forward/backward over the first T ≤ maxSequenceLength positions
   * of each example (input and targets then hold B rows of T). Causal attention makes this exact
   * for a batch whose targets past T are all ignored (−1): padding never influences earlier positions.
   */
  setSequenceLength(T: number): void {
    if (T === this.rowsPerExample) return;
    if (!Number.isInteger(T) || T < 1 || T > this.maxSequenceLength)
      throw new RangeError(`sequence length ${T}; this model was planned for 1..${this.maxSequenceLength}`);
    const shapes = this.shapesByLength.get(T);
    if (!shapes) this.recordShapes([T]);
    else for (let i = 0; i < shapes.layers.length; i++) {
      // the shape arrays recorded for this length: switching allocates nothing
      shapes.layers[i].inShape = shapes.inShapes[i];
      shapes.layers[i].outShape = shapes.outShapes[i];
    }
    this.rowsPerExample = T;
  }

  /** Set the network's shapes for this input shape and remember every layer's, keyed by the input's length. */
  private recordShapes(inputShape: number[]): number[] {
    const layers: Layer[] = [];
    Layer.shapeLog = layers;
    try {
      const out = this.net.setInputShape(inputShape);
      this.shapesByLength.set(inputShape[0], { layers, inShapes: layers.map((l) => l.inShape), outShapes: layers.map((l) => l.outShape) });
      return out;
    } finally {
      Layer.shapeLog = null;
    }
  }
  private readonly shapesByLength = new Map<number, { layers: Layer[]; inShapes: number[][]; outShapes: number[][] }>();

  zeroGrad(): void {
    this.k.zero(this.gradBlock.ptr, this.gradBlock.length);
  }

  /** Softmax probabilities of the last `loss` call, (B·rowsPerExample, V). */
  get lastProbs(): Region {
    return this.probs;
  }

  private checkBatch(B: number): void {
    if (!Number.isInteger(B) || B < 1 || B > this.maxBatch)
      throw new RangeError(`batch of ${B} examples; this model was planned for 1..${this.maxBatch}`);
  }
}

/** Every layer with its state-dict prefix ("", "3.", "2.block.0."). */
export function namedLayers(root: Layer, prefix = ""): [string, Layer][] {
  const out: [string, Layer][] = [[prefix, root]];
  for (const [name, child] of root.children()) out.push(...namedLayers(child, `${prefix}${name}.`));
  return out;
}

export interface BoundParameters {
  params: Param[];
  buffers: StateBuffer[];
  paramBlock: Region;
  gradBlock: Region;
}

/**
 * Give every parameter of `net` (and its children) a slice of one contiguous parameter block and
 * the same slice of one gradient block, initialise them from `seed`, and allocate state buffers.
 * Slices start on 16-byte boundaries; the padding stays zero and has zero gradient.
 */
export function bindParameters(net: Layer, arena: Arena, seed: number): BoundParameters {
  const layers = namedLayers(net);
  const specs = layers.flatMap(([prefix, layer]) => layer.paramSpecs().map((s) => ({ ...s, layer, local: s.name, name: prefix + s.name })));
  const bufferSpecs = layers.flatMap(([prefix, layer]) => layer.bufferSpecs().map((s) => ({ ...s, layer, local: s.name, name: prefix + s.name })));
  const paramFloats = specs.reduce((n, s) => n + align4(size(s.shape)), 0);
  const bufferFloats = bufferSpecs.reduce((n, s) => n + align4(size(s.shape)), 0);
  arena.reserve((2 * paramFloats + bufferFloats) * 4 + 64);
  const paramBlock = arena.alloc(paramFloats, "params");
  const gradBlock = arena.alloc(paramFloats, "grads");
  const stateBlock = arena.alloc(bufferFloats, "state");

  const rng = createRandom(seed);
  const params: Param[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = size(spec.shape);
    const value = paramBlock.slice(offset, n, spec.name);
    const grad = gradBlock.slice(offset, n, `grad.${spec.name}`);
    spec.init(value.data, rng);
    spec.layer.bindParam(spec.local, value, grad);
    params.push({ name: spec.name, shape: spec.shape, init: spec.init, decay: spec.decay, value, grad });
    offset += align4(n);
  }
  const buffers: StateBuffer[] = [];
  offset = 0;
  for (const spec of bufferSpecs) {
    const value = stateBlock.slice(offset, size(spec.shape), spec.name);
    value.data.fill(spec.init);
    spec.layer.bindBuffer(spec.local, value);
    buffers.push({ name: spec.name, shape: spec.shape, value, init: spec.init });
    offset += align4(size(spec.shape));
  }
  return { params, buffers, paramBlock, gradBlock };
}
