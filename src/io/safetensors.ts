// safetensors reader and writer over plain Uint8Arrays (no Node-only imports).
//
// File layout (https://github.com/huggingface/safetensors, "Format"):
//   u64 little-endian N | N bytes UTF-8 JSON header | data buffer
// header = {"__metadata__": {string: string}?, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}
// Offsets are byte offsets relative to the start of the data buffer; the tensors must cover the
// buffer exactly (no holes, no overlaps, no trailing bytes). Tensor data is little-endian, row-major.
//
// The writer lays tensors out contiguously IN THE ORDER GIVEN, writes the header as compact JSON
// with keys in the order __metadata__, then tensors (each as dtype, shape, data_offsets), and pads
// the header with spaces to a multiple of 8 bytes, as the reference Rust implementation does.
// The reader treats its input as untrusted: every malformation raises SafetensorsError, and every
// returned array is a fresh, aligned copy (safe to keep after the input buffer is reused), and the
// returned Map lists tensors in data-buffer order (so a decoded file re-encodes to the same layout).

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

export type DType = "F32" | "I32" | "I64";

export type Tensor =
  | { dtype: "F32"; shape: number[]; data: Float32Array }
  | { dtype: "I32"; shape: number[]; data: Int32Array }
  | { dtype: "I64"; shape: number[]; data: BigInt64Array };

export type NamedTensor = Tensor & { name: string };

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, Tensor>;
}

export interface DecodeOptions {
  /** Largest accepted JSON header, in bytes; default 100 MB like the reference implementation. */
  maxHeaderBytes?: number;
}

export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;

const ITEM_BYTES: Record<DType, number> = { F32: 4, I32: 4, I64: 8 };
// dtypes of the format that this library does not load (named in the error message).
const KNOWN_UNSUPPORTED = new Set([
  "BOOL", "U8", "I8", "U16", "I16", "U32", "U64", "F16", "BF16", "F64",
  "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64",
]);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const fail = (msg: string): never => {
  throw new SafetensorsError(`safetensors: ${msg}`);
};
/** A name for a one-line error message: JSON-quoted (no raw newlines) and cut to 80 characters. */
const quote = (name: string): string => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name);

/** Element count of `shape`, or null when it is not a list of non-negative safe integers. */
function elementCount(shape: unknown): number | null {
  if (!Array.isArray(shape)) return null;
  let n = 1;
  for (const d of shape) if (!Number.isSafeInteger(d) || d < 0) return null;
  if (shape.includes(0)) return 0;
  for (const d of shape as number[]) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return null;
  }
  return n;
}

function dataBytes(t: NamedTensor): Uint8Array {
  const { data } = t;
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (t.dtype === "F32") view.setFloat32(i * 4, t.data[i], true);
    else if (t.dtype === "I32") view.setInt32(i * 4, t.data[i], true);
    else view.setBigInt64(i * 8, t.data[i], true);
  }
  return out;
}

/** Serialise `tensors` (laid out in the order given) with optional string metadata. */
export function encodeSafetensors(tensors: NamedTensor[], metadata?: Record<string, string>): Uint8Array {
  const entries: string[] = [];
  if (metadata !== undefined) {
    const pairs = Object.entries(metadata).map(([k, v]) => {
      if (typeof v !== "string") fail(`metadata ${quote(k)} is a ${typeof v}, not a string`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    entries.push(`"__metadata__":{${pairs.join(",")}}`);
  }
  const seen = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (t.name === "__metadata__") fail(`tensor name "__metadata__" is reserved`);
    if (seen.has(t.name)) fail(`duplicate tensor name ${quote(t.name)}`);
    seen.add(t.name);
    const expected = { F32: Float32Array, I32: Int32Array, I64: BigInt64Array }[t.dtype];
    if (expected === undefined) fail(`tensor ${quote(t.name)}: unsupported dtype ${String(t.dtype)}`);
    if (!(t.data instanceof expected)) fail(`tensor ${quote(t.name)}: dtype ${t.dtype} needs a ${expected.name}`);
    const n = elementCount(t.shape);
    if (n === null) fail(`tensor ${quote(t.name)}: shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
    if (n !== t.data.length) fail(`tensor ${quote(t.name)}: shape ${JSON.stringify(t.shape)} has ${n} elements, data has ${t.data.length}`);
    const end = offset + t.data.byteLength;
    entries.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${entries.join(",")}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const t of tensors) {
    out.set(dataBytes(t), pos);
    pos += t.data.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, info: unknown): Entry {
  const where = `tensor ${quote(name)}`;
  if (typeof info !== "object" || info === null || Array.isArray(info)) return fail(`${where}: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== "string") return fail(`${where}: dtype is missing or not a string`);
  if (!(dtype in ITEM_BYTES)) {
        return fail(`${where}: ${KNOWN_UNSUPPORTED.has(dtype) ? "unsupported" : "unknown"} dtype ${quote(dtype)} (supported: F32, I32, I64)`);
  }
  const n = elementCount(shape);
  if (n === null) return fail(`${where}: shape is not a list of non-negative integers (or has too many elements)`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0))
    return fail(`${where}: data_offsets is not a pair of non-negative integers`);
  const [begin, end] = offsets as number[];
  if (end < begin) return fail(`${where}: data_offsets [${begin}, ${end}] end before begin`);
  const itemBytes = ITEM_BYTES[dtype as DType];
  if (n * itemBytes !== end - begin)
    return fail(`${where}: shape ${JSON.stringify(shape)} of ${dtype} needs ${n * itemBytes} bytes, data_offsets span ${end - begin}`);
  return { name, dtype: dtype as DType, shape: (shape as number[]).map((d) => d + 0 /* -0 → 0 */), begin, end };
}

function copyTensor(e: Entry, buffer: Uint8Array): Tensor {
  const bytes = buffer.subarray(e.begin, e.end);
  const n = (e.end - e.begin) / ITEM_BYTES[e.dtype];
  if (LITTLE_ENDIAN_HOST) {
    const copy = new Uint8Array(bytes); // fresh ArrayBuffer at offset 0: aligned for any view
    if (e.dtype === "F32") return { dtype: "F32", shape: e.shape, data: new Float32Array(copy.buffer) };
    if (e.dtype === "I32") return { dtype: "I32", shape: e.shape, data: new Int32Array(copy.buffer) };
    return { dtype: "I64", shape: e.shape, data: new BigInt64Array(copy.buffer) };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (e.dtype === "F32") return { dtype: "F32", shape: e.shape, data: Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true)) };
  if (e.dtype === "I32") return { dtype: "I32", shape: e.shape, data: Int32Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true)) };
  return { dtype: "I64", shape: e.shape, data: BigInt64Array.from({ length: n }, (_, i) => view.getBigInt64(i * 8, true)) };
}

/** Parse and validate a safetensors file; throws SafetensorsError on any malformation. */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): SafetensorsFile {
  const maxHeader = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const headerLen64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen64 > BigInt(maxHeader)) fail(`header length ${headerLen64} exceeds the limit of ${maxHeader} bytes`);
  const headerLen = Number(headerLen64);
  if (8 + headerLen > bytes.length) fail(`header length ${headerLen} runs past the end of the ${bytes.length}-byte file (truncated?)`);

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) fail(`header does not start with "{"`); // so valid JSON is an object
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    return fail(`header is not valid JSON (${(err as Error).message.split("\n")[0].slice(0, 120)})`);
  }

  const metadata: Record<string, string> = Object.create(null);
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (info === null) continue;
      if (typeof info !== "object" || Array.isArray(info)) fail("__metadata__ is not an object");
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__ ${quote(k)} is not a string`);
        metadata[k] = v as string;
      }
    } else {
      entries.push(parseEntry(name, info));
    }
  }

  // The tensors must tile the data buffer exactly: sorted by offset, each begins where the last ended.
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin < covered) fail(`tensor ${quote(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap another tensor`);
    if (e.begin > covered) fail(`tensor ${quote(e.name)}: data_offsets [${e.begin}, ${e.end}] leave a hole after byte ${covered}`);
    if (e.end > dataLen) fail(`tensor ${quote(e.name)}: data_offsets [${e.begin}, ${e.end}] run past the ${dataLen}-byte data buffer (truncated?)`);
    covered = e.end;
  }
  if (covered !== dataLen) fail(`data buffer has ${dataLen - covered} trailing bytes not covered by any tensor`);

  const buffer = bytes.subarray(dataStart);
  const tensors = new Map<string, Tensor>();
  for (const e of sorted) tensors.set(e.name, copyTensor(e, buffer)); // in data order (= the order encoded)
  return { metadata, tensors };
}

function getTensor(file: SafetensorsFile, name: string): Tensor {
  const t = file.tensors.get(name);
  if (t === undefined) return fail(`no tensor ${quote(name)}`);
  return t;
}

function checkShape(name: string, t: Tensor, shape?: number[]): void {
  if (shape !== undefined && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])))
    fail(`tensor ${quote(name)} has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(shape)}`);
}

/** The F32 tensor `name`, optionally checking its shape. */
export function getF32(file: SafetensorsFile, name: string, shape?: number[]): Float32Array {
  const t = getTensor(file, name);
  if (t.dtype !== "F32") return fail(`tensor ${quote(name)} is ${t.dtype}, expected F32`);
  checkShape(name, t, shape);
  return t.data;
}

/** The I32 or I64 tensor `name` as an Int32Array (I64 values must fit in int32). */
export function getInt32(file: SafetensorsFile, name: string, shape?: number[]): Int32Array {
  const t = getTensor(file, name);
  checkShape(name, t, shape);
  if (t.dtype === "I32") return t.data;
  if (t.dtype === "I64") {
    const out = new Int32Array(t.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = t.data[i];
      if (v < -2147483648n || v > 2147483647n) fail(`tensor ${quote(name)}[${i}] = ${v} does not fit in int32`);
      out[i] = Number(v);
    }
    return out;
  }
  return fail(`tensor ${quote(name)} is ${t.dtype}, expected I32 or I64`);
}
