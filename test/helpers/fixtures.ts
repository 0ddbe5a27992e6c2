// Reading the PyTorch fixtures written by reference/torch_reference.py.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeSafetensors, type SafetensorsFile, type Tensor } from "../../src/io/safetensors.js";

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
