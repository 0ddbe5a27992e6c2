// Reading the PyTorch fixtures written by reference/torch_reference.py.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as assert from "uvu/assert";
import { decodeSafetensors, type SafetensorsFile, type Tensor } from "../../src/io/safetensors.js";
import { Arena } from "../../src/memory/arena.js";
import { createKernels, type BackendName } from "../../src/kernels/index.js";
import { bindParameters } from "../../src/models/model.js";
import type { Context, Layer } from "../../src/nn/layer.js";
import { relErr } from "./numeric.js";

export const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));

export interface Fixture {
  file: SafetensorsFile;
  meta: Record<string, string>;
  config: Record<string, unknown>;
  has(name: string): boolean;
  tensor(name: string): Tensor;
  f32(name: string): Float32Array;
  i32(name: string): Int32Array;
  shape(name: string): number[];
  /** names of tensors starting with `prefix`, with the prefix removed */
  names(prefix: string): string[];
}

export function loadFixture(name: string): Fixture {
  const file = decodeSafetensors(new Uint8Array(readFileSync(FIXTURES + name)));
  const tensor = (n: string) => {
    const t = file.tensors.get(n);
    if (!t) throw new Error(`${name}: no tensor ${n}`);
    return t;
  };
  return {
    file,
    meta: file.metadata,
    config: JSON.parse(file.metadata.config ?? "{}"),
    has: (n) => file.tensors.has(n),
    tensor,
    f32: (n) => tensor(n).data as Float32Array,
    i32: (n) => {
      const t = tensor(n);
      return t.dtype === "I64" ? Int32Array.from(t.data, Number) : (t.data as Int32Array);
    },
    shape: (n) => tensor(n).shape,
    names: (prefix) => [...file.tensors.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)),
  };
}

/** ‖ours − torch‖/‖torch‖ ≤ tol for one tensor, with the tensor named in the failure. */
export function close(what: string, ours: ArrayLike<number>, torch: ArrayLike<number>, tol = 1e-4): void {
  const e = relErr(ours, torch);
  assert.ok(e <= tol, `${what}: relative error ${e.toExponential(2)} > ${tol}`);
}

/**
 * Run one layer fixture on a backend: load its parameters and state, forward the fixture's input
 * (train or eval mode), backward its upstream gradient, and compare the output, the input gradient,
 * every parameter gradient and the updated running statistics with PyTorch's.
 */
export function checkLayerFixture(f: Fixture, layer: Layer, backend: BackendName): void {
  const [B, ...inShape] = f.shape("x");
  const arena = new Arena();
  const k = createKernels(backend, arena);
  layer.setInputShape(inShape);
  const { params, buffers } = bindParameters(layer, arena, 0);
  assert.equal(f.names("grad.param.").sort(), params.map((p) => p.name).sort(), "same parameter names as PyTorch");
  for (const p of params) p.value.data.set(f.f32(`param.${p.name}`));
  for (const b of buffers) b.value.data.set(f.f32(`param.${b.name}`));
  const ctx: Context = { arena, k, maxBatch: B, gradBatch: B, nextSeed: () => 1 };
  layer.allocate(ctx);
  layer.allocateGrads(ctx);
  const integer = f.tensor("x").dtype !== "F32";
  const x = arena.alloc(f.tensor("x").data.length, "x", integer ? "i32" : "f32");
  if (integer) x.ints.set(f.i32("x"));
  else x.data.set(f.f32("x"));
  const dout = arena.alloc(f.f32("dout").length, "dout");
  dout.data.set(f.f32("dout"));

  const out = layer.forward(x, B, f.meta.mode !== "eval");
  close("out", out.data.subarray(0, f.f32("out").length), f.f32("out"));
  const dx = layer.backward(dout, B);
  if (f.has("grad.x")) close("grad.x", dx.data.subarray(0, f.f32("grad.x").length), f.f32("grad.x"));
  for (const p of params) close(`grad.${p.name}`, p.grad.data, f.f32(`grad.param.${p.name}`));
  for (const b of buffers) if (f.has(`after.${b.name}`)) close(`after.${b.name}`, b.value.data, f.f32(`after.${b.name}`), 1e-5);
}
