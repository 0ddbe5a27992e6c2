// Exact reimplementations over MT19937 of the two shuffles makemore's splits come from:
// - CPython's `random` module core (Modules/_randommodule.c and Lib/random.py): seeding from an int,
//   getrandbits, _randbelow, random() and shuffle. `new PythonRandom(42).shuffle(words)` reorders
//   `words` exactly as `random.seed(42); random.shuffle(words)` does in Python (the lectures' split);
// - PyTorch's CPU `torch.manual_seed(s); torch.randperm(n)` (makemore.py's split), `torchRandperm`.

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_32 = 2 ** 32;

/** MT19937 (Matsumoto & Nishimura 1998): state, the two seedings, and the tempered 32-bit output. */
export class MersenneTwister {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** init_genrand(s): the reference seeding from one 32-bit word */
  initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = Math.imul(1812433253, prev) + i;
    }
    this.mti = N;
  }

  /** init_by_array(key): seeding from a list of 32-bit words */
  initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j; // non-linear
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (mt[i] ^ Math.imul(prev, 1566083941)) - i; // non-linear
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000; // MSB is 1, assuring a non-zero initial array
  }

  /** genrand_uint32: the next tempered 32-bit output of MT19937. */
  next32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

export class PythonRandom extends MersenneTwister {
  constructor(seed: number | bigint) {
    super();
    this.seed(seed);
  }

  /** random.seed(n) for an int n: init_by_array with the 32-bit words of abs(n), least significant first. */
  seed(seed: number | bigint): void {
    if (typeof seed === "number" && !Number.isSafeInteger(seed))
      throw new RangeError(`PythonRandom seed must be a safe integer or a bigint, got ${seed}`);
    let n = BigInt(seed);
    if (n < 0n) n = -n;
    const key: number[] = [];
    do {
      key.push(Number(n & 0xffffffffn));
      n >>= 32n;
    } while (n > 0n);
    this.initByArray(key);
  }

  /** random.getrandbits(k) for 0 <= k <= 53; 32-bit words are drawn least significant first. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 53) throw new RangeError(`getrandbits: k must be an integer in [0, 53], got ${k}`);
    if (k === 0) return 0;
    if (k <= 32) return this.next32() >>> (32 - k);
    const low = this.next32();
    const high = this.next32() >>> (64 - k);
    return high * TWO_32 + low;
  }

  /** random._randbelow(n): uniform in [0, n) by rejection sampling getrandbits(n.bit_length()). */
  randbelow(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`randbelow: n must be a positive safe integer, got ${n}`);
    const k = bitLength(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** random.random(): a 53-bit float in [0, 1). */
  random(): number {
    const a = this.next32() >>> 5; // 27 bits
    const b = this.next32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** random.shuffle(x), in place: Fisher–Yates from the end. */
  shuffle<T>(x: T[]): T[] {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
    return x;
  }
}

/**
 * `torch.manual_seed(seed); torch.randperm(n)` on the CPU (PyTorch 1.13, whose generator is MT19937
 * seeded by init_genrand): r = 0..n−1, then for i < n − 1 swap r[i] with r[i + random() % (n − i)].
 */
export function torchRandperm(n: number, seed: number): Int32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`torchRandperm: n must be an integer in [0, 2³¹), got ${n}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`torchRandperm: seed must be a 32-bit unsigned integer, got ${seed}`);
  const mt = new MersenneTwister();
  mt.initGenrand(seed);
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = i + (mt.next32() % (n - i));
    const t = r[i];
    r[i] = r[z];
    r[z] = t;
  }
  return r;
}

/** int.bit_length() for a positive safe integer. */
function bitLength(n: number): number {
  return n < TWO_32 ? 32 - Math.clz32(n) : 32 + bitLength(Math.floor(n / TWO_32));
}
