// One WebAssembly.Memory for everything a model touches: parameters, gradients, activations,
// optimiser state and int32 index buffers. The kernels (both backends) address it by byte offset.
//
// Memory is planned up front (allocate everything, then train); growing is possible but detaches
// every Float32Array over the old buffer, so views are only ever obtained through `f32`/`i32`/
// `Region.data`, which re-create themselves whenever `memory.buffer` has changed.

const PAGE = 65536;
/**
 * Bytes at the bottom of memory left to the WASM modules: [0, 64 KiB) their static data (the scalar
 * module's at asconfig memoryBase 32 KiB), [64 KiB, 256 KiB) the SIMD matmul kernels' scratch
 * window (assembly/matmul.ts SCRATCH_BASE/SCRATCH_END; one thread per memory at a time).
 */
export const RESERVED_BYTES = 4 * PAGE;
/** wasm32 limit: 65536 pages = 4 GiB. */
export const MAX_BYTES = 65536 * PAGE;
const ALIGN = 16;

export class ArenaError extends Error {
  override name = "ArenaError";
}

export type DType = "f32" | "i32";

/** A named, 16-byte-aligned slice of the arena. `ptr` is a byte offset, `length` an element count. */
export class Region {
  constructor(
    readonly arena: Arena,
    readonly ptr: number,
    readonly length: number,
    readonly dtype: DType,
    readonly name: string,
  ) {}
  get bytes(): number {
    return this.length * 4;
  }
  /** A fresh view on the current buffer (never stale, even after the memory grew). */
  get data(): Float32Array {
    if (this.dtype !== "f32") throw new ArenaError(`${this.name}: region is ${this.dtype}, not f32`);
    return this.arena.f32.subarray(this.ptr >> 2, (this.ptr >> 2) + this.length);
  }
  get ints(): Int32Array {
    if (this.dtype !== "i32") throw new ArenaError(`${this.name}: region is ${this.dtype}, not i32`);
    return this.arena.i32.subarray(this.ptr >> 2, (this.ptr >> 2) + this.length);
  }
  /** Sub-slice [start, start+length) in elements; start must keep 4-byte alignment (any element). */
  slice(start: number, length: number, name = this.name): Region {
    if (start < 0 || length < 0 || start + length > this.length)
      throw new ArenaError(`${this.name}: slice [${start}, ${start + length}) outside ${this.length} elements`);
    return new Region(this.arena, this.ptr + start * 4, length, this.dtype, name);
  }
}

export interface ArenaOptions {
  /** Initial size in bytes (rounded up to pages); default 1 MiB plus the reserved bytes. */
  initialBytes?: number;
}

export class Arena {
  readonly memory: WebAssembly.Memory;
  private top = RESERVED_BYTES;
  private buffer: ArrayBuffer | null = null;
  private f32View = new Float32Array(0);
  private i32View = new Int32Array(0);

  constructor(options: ArenaOptions = {}) {
    const bytes = Math.max(options.initialBytes ?? 1 << 20, 0) + RESERVED_BYTES;
    const pages = Math.ceil(bytes / PAGE);
    if (pages > MAX_BYTES / PAGE) throw new ArenaError(tooLarge(bytes));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_BYTES / PAGE });
  }

  /** Bytes handed out so far, including the reserved bottom. */
  get used(): number {
    return this.top;
  }
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Float32 view over the whole memory, re-created when the memory has grown. */
  get f32(): Float32Array {
    if (this.buffer !== this.memory.buffer) this.refresh();
    return this.f32View;
  }
  get i32(): Int32Array {
    if (this.buffer !== this.memory.buffer) this.refresh();
    return this.i32View;
  }

  private refresh(): void {
    this.buffer = this.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
  }

  /** Make sure `bytes` more can be allocated, growing the memory (and invalidating old views) if needed. */
  reserve(bytes: number): void {
    const need = this.top + bytes;
    if (need > MAX_BYTES) throw new ArenaError(tooLarge(need));
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
  }

  alloc(length: number, name: string, dtype: DType = "f32"): Region {
    if (!Number.isInteger(length) || length < 0)
      throw new ArenaError(`${name}: cannot allocate ${length} elements`);
    const bytes = Math.ceil((length * 4) / ALIGN) * ALIGN;
    this.reserve(bytes);
    const region = new Region(this, this.top, length, dtype, name);
    this.top += bytes;
    this.f32.fill(0, region.ptr >> 2, (region.ptr >> 2) + length);
    return region;
  }

  /** Current allocation mark, to free everything allocated after it with `release`. */
  mark(): number {
    return this.top;
  }
  release(mark: number): void {
    if (mark < RESERVED_BYTES || mark > this.top) throw new ArenaError(`release: bad mark ${mark}`);
    this.top = mark;
  }

  /** Throws unless [ptr, ptr + 4·length) is 4-byte aligned and inside the allocated part of the arena. */
  check(kernel: string, what: string, ptr: number, length: number): void {
    if (!Number.isInteger(ptr) || ptr % 4 !== 0 || ptr < RESERVED_BYTES || ptr + length * 4 > this.top)
      throw new ArenaError(
        `${kernel}: ${what} [${ptr}, ${ptr + length * 4}) is outside the arena's allocated [${RESERVED_BYTES}, ${this.top})`,
      );
  }
}

export function tooLarge(bytes: number): string {
  return `needs ${(bytes / 2 ** 20).toFixed(1)} MiB of WebAssembly memory, above the 4096 MiB wasm32 limit`;
}
