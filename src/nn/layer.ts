// The layer contract, llm.c style: each layer is a forward/backward pair over flat float32 buffers
// in the arena. Shapes are per example (the batch dimension B is implicit and leads every buffer).
//
// Life cycle: construct (declares parameters and state buffers, no memory) → `build` (the model hands
// out parameter/gradient slices from one contiguous block) → `allocate` (activations for the largest
// batch) → `allocateGrads` (activation gradients, contiguous so one kernel call zeroes them) →
// forward/backward any number of times.
import type { Arena, Region } from "../memory/arena.js";
import type { Kernels } from "../kernels/types.js";

export type Init = (values: Float32Array, rng: Random) => void;

export interface Random {
  /** uniform in [0, 1) */
  uniform(): number;
  /** standard normal */
  normal(): number;
}

export interface ParamSpec {
  /** name inside the layer, as PyTorch names it: "weight", "bias" */
  name: string;
  shape: number[];
  init: Init;
  /** AdamW weight decay applies (weights, not biases or norm parameters) */
  decay: boolean;
}

/** A parameter as the model sees it, with its state-dict name ("2.weight"). */
export interface Param extends ParamSpec {
  value: Region;
  grad: Region;
}

/** A non-trainable state tensor saved with the model (BatchNorm running statistics). */
export interface StateBuffer {
  name: string;
  shape: number[];
  value: Region;
  init: number;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export interface Context {
  arena: Arena;
  k: Kernels;
  /** largest batch any forward will see (evaluation chunks included) */
  maxBatch: number;
  /** largest batch a backward pass will see (the training batch): activation gradients are sized for it */
  gradBatch: number;
  /** seed source for dropout masks */
  nextSeed(): number;
}

export abstract class Layer {
  abstract readonly kind: string;
  /** per-example input and output shapes, known after `setInputShape` */
  inShape: number[] = [];
  outShape: number[] = [];
  protected ctx!: Context;
  private paramSlots = new Map<string, { value: Region; grad: Region }>();
  private bufferSlots = new Map<string, Region>();

  /** Parameters this layer owns (not its children's). */
  paramSpecs(): ParamSpec[] {
    return [];
  }
  /** State buffers this layer owns: name, shape and initial fill value. */
  bufferSpecs(): { name: string; shape: number[]; init: number }[] {
    return [];
  }
  /** Child layers, each with the name PyTorch gives it ("0", "block"). */
  children(): [string, Layer][] {
    return [];
  }

  /** Propagate shapes; returns the per-example output shape. Throws on a shape this layer cannot take. */
  setInputShape(shape: number[]): number[] {
    this.inShape = shape;
    this.outShape = this.outputShape(shape);
    Layer.shapeLog?.push(this);
    return this.outShape;
  }
  /** While set, every layer whose shapes are set appends itself (Model records a sequence length's shapes). */
  static shapeLog: Layer[] | null = null;
  protected abstract outputShape(shape: number[]): number[];

  bindParam(name: string, value: Region, grad: Region): void {
    this.paramSlots.set(name, { value, grad });
  }
  bindBuffer(name: string, value: Region): void {
    this.bufferSlots.set(name, value);
  }
  param(name: string): Region {
    return this.paramSlots.get(name)!.value;
  }
  grad(name: string): Region {
    return this.paramSlots.get(name)!.grad;
  }
  buffer(name: string): Region {
    return this.bufferSlots.get(name)!;
  }

  /** Allocate forward activations for ctx.maxBatch examples. */
  allocate(ctx: Context): void {
    this.ctx = ctx;
  }
  /** Allocate the input gradient for ctx.gradBatch examples (none when the input is int indices). */
  allocateGrads(_ctx: Context): void {}

  /** Batch of B examples in, batch out (a region of B·size(outShape) elements). */
  abstract forward(x: Region, B: number, training: boolean): Region;
  /** Accumulates parameter gradients; returns the gradient with respect to the input. */
  abstract backward(dout: Region, B: number): Region;

  /** A forward buffer of n elements per example, for ctx.maxBatch examples. */
  protected alloc(n: number, what: string): Region {
    return this.ctx.arena.alloc(n * this.ctx.maxBatch, `${this.kind}.${what}`);
  }
  /** A gradient buffer of n elements per example, for ctx.gradBatch examples. */
  protected allocGrad(n: number, what: string): Region {
    return this.ctx.arena.alloc(n * this.ctx.gradBatch, `${this.kind}.${what}`);
  }
}
