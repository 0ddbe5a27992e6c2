// PythonRandom against outputs of CPython's random module, recorded in test/fixtures/python-shuffle.json
// by test/fixtures/python-shuffle.py, and torchRandperm against torch.randperm, recorded in
// test/fixtures/torch-randperm.json by test/fixtures/torch-randperm.py (no Python needed at test time).
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PythonRandom, torchRandperm } from "../src/data/python-random.js";
import { makemoreSplit, splitWords } from "../src/data/dataset.js";

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

interface Fixture {
  python: string;
  getrandbits32_seed42: number[];
  random_seed42: number[];
  getrandbits_mixed_seed42: [number, number][];
  getrandbits32_other_seeds: Record<string, number[]>;
  randbelow_seed42: [number, number][];
  shuffle_range100_seed42: number[];
  shuffle_range1000_seed42: number[];
  shuffle_range1000_seed7: number[];
  names_txt_shuffled_seed42_first10: string[];
  names_txt_shuffled_seed42_last10: string[];
}
const root = repoRoot();
const fx: Fixture = JSON.parse(readFileSync(join(root, "test/fixtures/python-shuffle.json"), "utf8"));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test("getrandbits(32) after seed(42) matches CPython", () => {
  const r = new PythonRandom(42);
  assert.equal(range(20).map(() => r.getrandbits(32)), fx.getrandbits32_seed42);
});

test("random() after seed(42) matches CPython bit for bit", () => {
  const r = new PythonRandom(42);
  assert.equal(range(5).map(() => r.random()), fx.random_seed42);
});

test("getrandbits(k) for k in 0..53 matches CPython", () => {
  const r = new PythonRandom(42);
  for (const [k, expected] of fx.getrandbits_mixed_seed42) assert.is(r.getrandbits(k), expected, `k=${k}`);
});

test("seeding from 0, negative, multi-word and bigint seeds matches CPython", () => {
  for (const [seed, expected] of Object.entries(fx.getrandbits32_other_seeds)) {
    const big = BigInt(seed);
    const r = new PythonRandom(Number.isSafeInteger(Number(big)) ? Number(big) : big);
    assert.equal(range(5).map(() => r.getrandbits(32)), expected, `seed=${seed}`);
  }
  assert.throws(() => new PythonRandom(1.5), /safe integer/);
});

test("randbelow(n) matches CPython's _randbelow, up to 2**53-1", () => {
  const r = new PythonRandom(42);
  for (const [n, expected] of fx.randbelow_seed42) assert.is(r.randbelow(n), expected, `n=${n}`);
});

test("shuffle matches random.seed(s); random.shuffle(x)", () => {
  assert.equal(new PythonRandom(42).shuffle(range(100)), fx.shuffle_range100_seed42);
  assert.equal(new PythonRandom(42).shuffle(range(1000)), fx.shuffle_range1000_seed42);
  assert.equal(new PythonRandom(7).shuffle(range(1000)), fx.shuffle_range1000_seed7);
  assert.equal(new PythonRandom(42).shuffle([]), []);
  assert.equal(new PythonRandom(42).shuffle(["only"]), ["only"]);
});

const torchFx = JSON.parse(readFileSync(join(root, "test/fixtures/torch-randperm.json"), "utf8")) as Record<string, number[]>;

test("torchRandperm matches torch.manual_seed(s); torch.randperm(n)", () => {
  for (const [n, seed] of [[10, 0], [100, 42], [1000, 7]])
    assert.equal(Array.from(torchRandperm(n, seed)), torchFx[`randperm_${n}_seed${seed}`], `n=${n} seed=${seed}`);
  const makemore = torchRandperm(32033, 3407);
  assert.equal(Array.from(makemore.subarray(0, 20)), torchFx.randperm_32033_seed3407_first20);
  assert.equal(Array.from(makemore.subarray(-1000)), torchFx.randperm_32033_seed3407_last1000);
  assert.equal(Array.from(torchRandperm(0, 1)), []);
  assert.equal(Array.from(torchRandperm(1, 1)), [0]);
  assert.throws(() => torchRandperm(5, -1), /seed/);
});

test("makemoreSplit: the last min(1000, 10%) of the permutation are the test set (and val); the rest train", () => {
  const words = Array.from({ length: 32033 }, (_, i) => `w${i}`);
  const { train, val, test: held } = makemoreSplit(words);
  assert.is(train.length, 31033);
  assert.is(held.length, 1000);
  assert.is(val, held);
  assert.equal(held, torchFx.randperm_32033_seed3407_last1000.map((i) => `w${i}`));
  assert.is(new Set([...train, ...held]).size, 32033);
  const small = makemoreSplit(words.slice(0, 50)); // 10% of 50
  assert.equal([small.train.length, small.test.length], [45, 5]);
});

const namesPath = join(root, "../shared/data/names.txt");
if (existsSync(namesPath)) {
  test("shuffling names.txt with seed 42 gives the lecture's order", () => {
    const words = readFileSync(namesPath, "utf8").split("\n").filter((w) => w !== "");
    const shuffled = new PythonRandom(42).shuffle([...words]);
    assert.equal(shuffled.slice(0, 10), fx.names_txt_shuffled_seed42_first10);
    assert.equal(shuffled.slice(-10), fx.names_txt_shuffled_seed42_last10);
    const { train, test: testSplit } = splitWords(words);
    assert.equal(train.slice(0, 10), fx.names_txt_shuffled_seed42_first10);
    assert.equal(testSplit.slice(-10), fx.names_txt_shuffled_seed42_last10);
  });
} else {
  console.log(`SKIP names.txt shuffle test: ${namesPath} not found`);
}

test.run();
