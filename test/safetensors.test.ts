import { readFileSync, readdirSync } from "node:fs";
import seedrandom from "seedrandom";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  SafetensorsError,
  decodeSafetensors,
  encodeSafetensors,
  getF32,
  getInt32,
  type NamedTensor,
  type SafetensorsFile,
} from "../src/io/safetensors.js";

const FIXTURES = new URL("../../test/fixtures/", import.meta.url);
const readFixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

/** A file with the given raw header text and data bytes (header length field overridable). */
function rawFile(header: string, data: ArrayLike<number> = [], headerLen?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A file whose header is {name: {dtype, shape, data_offsets}} for each given entry. */
function fileWith(entries: Record<string, unknown>, dataBytes: number): Uint8Array {
  return rawFile(JSON.stringify(entries), new Uint8Array(dataBytes).fill(7));
}

function throwsSafetensors(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, SafetensorsError);
    const msg = (err as Error).message;
    assert.ok(pattern.test(msg), `message "${msg}" does not match ${pattern}`);
    assert.not.ok(msg.includes("\n"), "error message is one line");
    return;
  }
  assert.unreachable(`expected a SafetensorsError matching ${pattern}`);
}

function assertSameTensors(file: SafetensorsFile, tensors: NamedTensor[]): void {
  assert.equal([...file.tensors.keys()], tensors.map((t) => t.name));
  for (const t of tensors) {
    const got = file.tensors.get(t.name)!;
    assert.is(got.dtype, t.dtype, t.name);
    assert.equal(got.shape, t.shape, t.name);
    assert.is(got.data.constructor, t.data.constructor, t.name);
    assert.equal(Array.from(got.data as ArrayLike<number | bigint>), Array.from(t.data as ArrayLike<number | bigint>), t.name);
  }
}

// The tensors of test/fixtures/layout.safetensors, as written by reference/torch_reference.py.
const LAYOUT: NamedTensor[] = [
  { name: "z.weight", dtype: "F32", shape: [2, 3], data: Float32Array.of(-1, -0.5, 0, 0.5, 1.5, 3.25) },
  { name: "a.idx", dtype: "I32", shape: [4], data: Int32Array.of(0, -1, 2147483647, -2147483648) },
  { name: "big", dtype: "I64", shape: [2], data: BigInt64Array.of(-(2n ** 40n), 2n ** 33n + 1n) },
  { name: "scalar", dtype: "F32", shape: [], data: Float32Array.of(0.1) },
  { name: "empty", dtype: "F32", shape: [0, 3], data: new Float32Array(0) },
];
const LAYOUT_METADATA = { format: "pt", note: "wasmore layout fixture" };

test("encode is byte-identical to the Python-written layout fixture", () => {
  const expected = readFixture("layout.safetensors");
  const ours = encodeSafetensors(LAYOUT, LAYOUT_METADATA);
  assert.is(ours.length, expected.length);
  assert.ok(ours.every((b, i) => b === expected[i]), "bytes differ");
});

test("decode of the layout fixture", () => {
  const file = decodeSafetensors(readFixture("layout.safetensors"));
  assert.equal({ ...file.metadata }, LAYOUT_METADATA);
  assertSameTensors(file, LAYOUT);
});

test("header is space-padded to a multiple of 8 and data follows in the order given", () => {
  for (let extra = 0; extra < 9; extra++) {
    const bytes = encodeSafetensors([{ name: "w".repeat(extra + 1), dtype: "F32", shape: [1], data: Float32Array.of(2) }]);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.is(n % 8, 0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    assert.ok(/^\{.*\} *$/.test(header), header);
    assert.is(new DataView(bytes.buffer).getFloat32(8 + n, true), 2);
  }
});

test("round trip: every dtype, scalar and empty tensors, odd names, metadata", () => {
  const r = seedrandom("roundtrip");
  const tensors: NamedTensor[] = [
    { name: "w", dtype: "F32", shape: [3, 5], data: Float32Array.from({ length: 15 }, () => r() * 2 - 1) },
    { name: "é \"quoted\"\n名", dtype: "I32", shape: [2, 2, 2], data: Int32Array.from({ length: 8 }, () => (r() * 2 ** 32) | 0) },
    { name: "0", dtype: "I64", shape: [3], data: BigInt64Array.of(-(2n ** 63n), 0n, 2n ** 63n - 1n) },
    { name: "s", dtype: "F32", shape: [], data: Float32Array.of(Number.NaN) },
    { name: "e", dtype: "I32", shape: [4, 0], data: new Int32Array(0) },
    { name: "__proto__", dtype: "F32", shape: [1], data: Float32Array.of(-0) },
  ];
  const metadata = { config: JSON.stringify({ n_embd: 10 }), "": "empty key", __proto__x: "x" };
  const bytes = encodeSafetensors(tensors, metadata);
  const file = decodeSafetensors(bytes);
  assertSameTensors(file, tensors);
  assert.equal({ ...file.metadata }, metadata);
  assert.ok(Object.is(file.tensors.get("__proto__")!.data[0], -0));
  // Copies: aligned, own buffers, unaffected by later writes to the input.
  for (const t of file.tensors.values()) {
    assert.is(t.data.byteOffset, 0);
    assert.is(t.data.buffer.byteLength, t.data.byteLength);
  }
  const before = getF32(file, "w")[0];
  bytes.fill(0);
  assert.is(getF32(file, "w")[0], before);
  // No metadata argument: no __metadata__ key; decodes to empty metadata.
  const plain = encodeSafetensors([tensors[0]]);
  assert.not.ok(new TextDecoder().decode(plain).includes("__metadata__"));
  assert.equal({ ...decodeSafetensors(plain).metadata }, {});
  assertSameTensors(decodeSafetensors(encodeSafetensors([])), []);
});

test("getF32 / getInt32 check presence, dtype, shape and int32 range", () => {
  const file = decodeSafetensors(encodeSafetensors([
    ...LAYOUT,
    { name: "small64", dtype: "I64", shape: [2], data: BigInt64Array.of(-5n, 2147483647n) },
  ]));
  assert.equal(Array.from(getF32(file, "z.weight", [2, 3])), [-1, -0.5, 0, 0.5, 1.5, 3.25]);
  assert.equal(Array.from(getInt32(file, "small64")), [-5, 2147483647]);
  assert.equal(Array.from(getInt32(file, "a.idx", [4])), [0, -1, 2147483647, -2147483648]);
  throwsSafetensors(() => getF32(file, "nope"), /no tensor "nope"/);
  throwsSafetensors(() => getF32(file, "a.idx"), /is I32, expected F32/);
  throwsSafetensors(() => getF32(file, "z.weight", [3, 2]), /shape \[2,3\], expected \[3,2\]/);
  throwsSafetensors(() => getInt32(file, "z.weight"), /expected I32 or I64/);
  throwsSafetensors(() => getInt32(file, "big"), /does not fit in int32/);
});

test("encode rejects inconsistent input", () => {
  const ok: NamedTensor = { name: "a", dtype: "F32", shape: [2], data: new Float32Array(2) };
  throwsSafetensors(() => encodeSafetensors([ok, ok]), /duplicate tensor name "a"/);
  throwsSafetensors(() => encodeSafetensors([{ ...ok, name: "__metadata__" }]), /reserved/);
  throwsSafetensors(() => encodeSafetensors([{ ...ok, shape: [3] }]), /has 3 elements, data has 2/);
  throwsSafetensors(() => encodeSafetensors([{ ...ok, shape: [-2] }]), /not a list of non-negative integers/);
  throwsSafetensors(() => encodeSafetensors([{ name: "i", dtype: "I32", shape: [2], data: new Float32Array(2) } as unknown as NamedTensor]), /I32 needs a Int32Array/);
  throwsSafetensors(() => encodeSafetensors([{ ...ok, dtype: "F16" } as unknown as NamedTensor]), /unsupported dtype F16/);
  throwsSafetensors(() => encodeSafetensors([ok], { n: 3 } as unknown as Record<string, string>), /metadata "n" is a number/);
});

const F32x2 = { dtype: "F32", shape: [2], data_offsets: [0, 8] };

test("decode rejects malformed length prefix and header", () => {
  throwsSafetensors(() => decodeSafetensors(new Uint8Array(5)), /shorter than the 8-byte header length/);
  throwsSafetensors(() => decodeSafetensors(rawFile("{}", [], 100n)), /runs past the end of the 10-byte file/);
  throwsSafetensors(() => decodeSafetensors(rawFile("{}", [], 2n ** 64n - 1n)), /exceeds the limit of 100000000 bytes/);
  throwsSafetensors(() => decodeSafetensors(rawFile(`{"a":1}   `), { maxHeaderBytes: 8 }), /header length 10 exceeds the limit of 8/);
  const badUtf8 = rawFile(`{"a":"xx"}`);
  badUtf8[8 + 6] = 0xff;
  throwsSafetensors(() => decodeSafetensors(badUtf8), /not valid UTF-8/);
  throwsSafetensors(() => decodeSafetensors(rawFile(" {}")), /does not start with "\{"/);
  throwsSafetensors(() => decodeSafetensors(rawFile("[]")), /does not start with "\{"/);
  throwsSafetensors(() => decodeSafetensors(rawFile(`{"a":`)), /not valid JSON/);
  throwsSafetensors(() => decodeSafetensors(rawFile(`{"a":1}\n{`)), /not valid JSON/);
  throwsSafetensors(() => decodeSafetensors(rawFile("{".repeat(200_000))), /not valid JSON/);
});

test("decode rejects bad __metadata__", () => {
  throwsSafetensors(() => decodeSafetensors(rawFile(`{"__metadata__":"x"}`)), /__metadata__ is not an object/);
  throwsSafetensors(() => decodeSafetensors(rawFile(`{"__metadata__":["x"]}`)), /__metadata__ is not an object/);
  throwsSafetensors(() => decodeSafetensors(rawFile(`{"__metadata__":{"k":1}}`)), /__metadata__ "k" is not a string/);
  throwsSafetensors(() => decodeSafetensors(rawFile(`{"__metadata__":{"k":{"x":"y"}}}`)), /__metadata__ "k" is not a string/);
  assert.equal({ ...decodeSafetensors(rawFile(`{"__metadata__":null}`)).metadata }, {});
});

test("decode rejects bad tensor entries", () => {
  const d = (entry: unknown, bytes = 8) => () => decodeSafetensors(fileWith({ t: entry }, bytes));
  throwsSafetensors(d(5), /tensor "t": entry is not an object/);
  throwsSafetensors(d([1]), /entry is not an object/);
  throwsSafetensors(d({ ...F32x2, dtype: undefined }), /dtype is missing/);
  throwsSafetensors(d({ ...F32x2, dtype: "F16" }), /unsupported dtype "F16"/);
  throwsSafetensors(d({ ...F32x2, dtype: "F64" }), /unsupported dtype "F64"/);
  throwsSafetensors(d({ ...F32x2, dtype: "Q7" }), /unknown dtype "Q7"/);
  throwsSafetensors(d({ ...F32x2, shape: 2 }), /shape is not a list/);
  throwsSafetensors(d({ ...F32x2, shape: [-2] }), /shape is not a list/);
  throwsSafetensors(d({ ...F32x2, shape: [1.5] }), /shape is not a list/);
  throwsSafetensors(d({ ...F32x2, shape: ["2"] }), /shape is not a list/);
  throwsSafetensors(d({ ...F32x2, shape: [2 ** 30, 2 ** 30, 2 ** 30] }), /too many elements/);
  throwsSafetensors(d({ ...F32x2, shape: [3] }), /needs 12 bytes, data_offsets span 8/);
  throwsSafetensors(d({ ...F32x2, data_offsets: [0] }), /data_offsets is not a pair/);
  throwsSafetensors(d({ ...F32x2, data_offsets: "0,8" }), /data_offsets is not a pair/);
  throwsSafetensors(d({ ...F32x2, data_offsets: [0, 8.5] }), /data_offsets is not a pair/);
  throwsSafetensors(d({ ...F32x2, data_offsets: [-8, 0] }), /data_offsets is not a pair/);
  throwsSafetensors(d({ ...F32x2, data_offsets: [0, 2 ** 60] }), /data_offsets is not a pair/);
  throwsSafetensors(d({ ...F32x2, data_offsets: [8, 0] }), /end before begin/);
  // A zero-element tensor over a huge shape is fine.
  assert.equal(decodeSafetensors(fileWith({ t: { dtype: "I64", shape: [2 ** 52, 0, 2 ** 52], data_offsets: [0, 0] } }, 0)).tensors.get("t")!.shape, [2 ** 52, 0, 2 ** 52]);
});

test("decode rejects offsets that do not tile the data buffer exactly", () => {
  const at = (b: number, e: number) => ({ ...F32x2, data_offsets: [b, e] });
  const d = (entries: Record<string, unknown>, bytes: number) => () => decodeSafetensors(fileWith(entries, bytes));
  throwsSafetensors(d({ t: at(0, 8) }, 6), /run past the 6-byte data buffer \(truncated\?\)/);
  throwsSafetensors(d({ t: at(4, 12) }, 12), /leave a hole after byte 0/);
  throwsSafetensors(d({ a: at(0, 8), b: at(12, 20) }, 20), /"b".*leave a hole after byte 8/);
  throwsSafetensors(d({ a: at(0, 8), b: at(4, 12) }, 12), /"b".*overlap another tensor/);
  throwsSafetensors(d({ a: at(0, 8), b: at(0, 8) }, 8), /overlap another tensor/);
  throwsSafetensors(d({ a: at(0, 8), e: { dtype: "F32", shape: [0], data_offsets: [4, 4] } }, 8), /overlap/);
  throwsSafetensors(d({ t: at(0, 8) }, 9), /1 trailing bytes not covered/);
  throwsSafetensors(d({}, 3), /3 trailing bytes/);
  // Offsets need not follow header order; tensors come back in data order.
  const file = decodeSafetensors(fileWith({ b: at(8, 16), a: at(0, 8) }, 16));
  assert.equal([...file.tensors.keys()], ["a", "b"]);
  // Truncating a valid file anywhere is caught.
  const valid = encodeSafetensors(LAYOUT, LAYOUT_METADATA);
  for (let len = 0; len < valid.length; len++) {
    assert.throws(() => decodeSafetensors(valid.subarray(0, len)), (e: unknown) => e instanceof SafetensorsError);
  }
});

test("fuzz: 1000 seeded mutations of a valid file decode cleanly or throw SafetensorsError", () => {
  const valid = encodeSafetensors(LAYOUT, LAYOUT_METADATA);
  const headerEnd = 8 + Number(new DataView(valid.buffer).getBigUint64(0, true));
  const r = seedrandom("safetensors-fuzz");
  const int = (n: number) => Math.floor(r() * n);
  const JSONISH = `{}[]",:0123456789-.e E`;
  let decoded = 0;
  let rejected = 0;
  const start = performance.now();
  for (let iter = 0; iter < 1000; iter++) {
    let bytes = valid.slice();
    const mutations = 1 + int(3);
    for (let m = 0; m < mutations; m++) {
      const kind = int(6);
      const pos = int(headerEnd); // mostly hit the header, where the parser lives
      if (kind === 0) bytes[int(bytes.length)] ^= 1 << int(8);
      else if (kind === 1) bytes[pos] = JSONISH.charCodeAt(int(JSONISH.length));
      else if (kind === 2) bytes = bytes.slice(0, int(bytes.length + 1));
      else if (kind === 3) bytes = Uint8Array.from([...bytes, ...Array.from({ length: 1 + int(8) }, () => int(256))]);
      else if (kind === 4) bytes = Uint8Array.from([...bytes.subarray(0, pos), ...bytes.subarray(pos + 1 + int(4))]);
      else bytes[int(8)] = int(256); // header length
    }
    try {
      const file = decodeSafetensors(bytes);
      for (const t of file.tensors.values()) assert.is(t.data.length, t.shape.reduce((a, b) => a * b, 1));
      decoded++;
    } catch (err) {
      if (!(err instanceof SafetensorsError)) throw new Error(`iteration ${iter}: ${String(err)}`);
      rejected++;
    }
  }
  const ms = performance.now() - start;
  assert.is(decoded + rejected, 1000);
  assert.ok(rejected > 500, `only ${rejected} rejected`);
  assert.ok(ms < 5000, `fuzz took ${ms.toFixed(0)} ms`);
});

test("every generated fixture decodes; model fixtures agree with their metadata", () => {
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith(".safetensors"));
  assert.ok(names.length >= 20, `${names.length} fixtures`);
  for (const name of names) {
    const file = decodeSafetensors(readFixture(name));
    if (file.metadata.kind === undefined) continue;
    JSON.parse(file.metadata.config);
    if (file.metadata.kind !== "model") continue;
    let params = 0;
    for (const [k, t] of file.tensors) {
      if (k.startsWith("param.") && !/running_(mean|var)$/.test(k)) {
        params += t.data.length;
        assert.equal(getF32(file, `grad.${k}`, t.shape).length, t.data.length, `${name}: grad.${k}`);
      }
    }
    assert.is(String(params), file.metadata.param_count, name);
    assert.equal(getF32(file, "loss", []).length, 1);
    getInt32(file, "x");
    getInt32(file, "y");
  }
});

test.run();
