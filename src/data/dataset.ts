// From words or text to training examples, following the makemore lectures and makemore.py:
// - splitWords: shuffle like Python's random.seed(42); random.shuffle(words), then 80/10/10.
// - makemoreSplit: makemore.py's split, torch.randperm after torch.manual_seed(3407), 1,000 test names.
// - buildContexts: fixed-size context windows → next character (bigram, MLP, BatchNorm, WaveNet).
// - buildSequences: one padded sequence per word with -1 targets past the end (GPT on names).
// - TextDataset: a long character stream sampled in random (B, T) windows (GPT on Tiny Shakespeare).
import { DataError } from "./errors.js";
import { PythonRandom, torchRandperm } from "./python-random.js";
import { Vocab } from "./vocab.js";

export interface WordSplits {
  train: string[];
  val: string[];
  test: string[];
}

/** Shuffle a copy (Python-compatible), then n1 = int(0.8·n), n2 = int(0.9·n): train, val, test. */
export function splitWords(words: readonly string[], seed: number = 42): WordSplits {
  const shuffled = new PythonRandom(seed).shuffle([...words]);
  const n1 = Math.floor(0.8 * shuffled.length);
  const n2 = Math.floor(0.9 * shuffled.length);
  return { train: shuffled.slice(0, n1), val: shuffled.slice(n1, n2), test: shuffled.slice(n2) };
}

/** Which split of a names file: the lectures' (80/10/10) or makemore.py's (all but 1,000 train). */
export type SplitName = "lectures" | "makemore";
export const SPLIT_NAMES: readonly SplitName[] = ["lectures", "makemore"];

/**
 * makemore.py's create_datasets: permute with torch.manual_seed(seed); torch.randperm(n); the last
 * min(1000, int(0.1·n)) are the test set, the rest train. makemore has no validation set and keeps
 * the model with the best test loss, so val is the test set here too.
 */
export function makemoreSplit(words: readonly string[], seed: number = 3407): WordSplits {
  const perm = torchRandperm(words.length, seed);
  const testSize = Math.min(1000, Math.floor(0.1 * words.length));
  const train = Array.from(perm.subarray(0, perm.length - testSize), (i) => words[i]);
  const test = Array.from(perm.subarray(perm.length - testSize), (i) => words[i]);
  return { train, val: test, test };
}

export const splitsOf = (words: readonly string[], split: SplitName): WordSplits =>
  split === "makemore" ? makemoreSplit(words) : splitWords(words);

/** Examples of a fixed-width model: X is [count, blockSize] ids, Y is [count] ids. */
export interface Contexts {
  X: Int32Array;
  Y: Int32Array;
  count: number;
  blockSize: number;
}

/**
 * makemore's build_dataset: for each word, slide a window over '.'·blockSize + word + '.', predicting
 * each character and the final '.' from the blockSize ids before it. A word of n characters gives n+1 examples.
 */
export function buildContexts(words: readonly string[], vocab: Vocab, blockSize: number): Contexts {
  requireBoundary(vocab, "buildContexts");
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`buildContexts: blockSize must be a positive integer, got ${blockSize}`);
  const encoded = words.map((w) => vocab.encode(w));
  const count = encoded.reduce((sum, ids) => sum + ids.length + 1, 0);
  const X = new Int32Array(count * blockSize);
  const Y = new Int32Array(count);
  const context = new Int32Array(blockSize);
  let row = 0;
  for (const ids of encoded) {
    context.fill(0);
    for (let t = 0; t <= ids.length; t++) {
      const target = t < ids.length ? ids[t] : 0;
      X.set(context, row * blockSize);
      Y[row++] = target;
      context.copyWithin(0, 1);
      context[blockSize - 1] = target;
    }
  }
  return { X, Y, count, blockSize };
}

/** The longest word, in characters (code points). */
export function maxWordLength(words: readonly string[]): number {
  let max = 0;
  for (const w of words) max = Math.max(max, codePointLength(w));
  return max;
}

/** Per-word sequences for a sequence model: X and Y are [count, blockSize] ids; Y = -1 is ignored by the loss. */
export interface Sequences {
  X: Int32Array;
  Y: Int32Array;
  count: number;
  blockSize: number;
}

/**
 * makemore.py's CharDataset: for a word c1..cn, X = [0, c1..cn, 0, 0, ...] and Y = [c1..cn, 0, -1, -1, ...],
 * both blockSize long. blockSize defaults to the longest word + 1 (makemore's choice) and must be at least that.
 */
export function buildSequences(words: readonly string[], vocab: Vocab, blockSize: number = maxWordLength(words) + 1): Sequences {
  requireBoundary(vocab, "buildSequences");
  const needed = maxWordLength(words) + 1;
  if (!Number.isInteger(blockSize) || blockSize < needed)
    throw new RangeError(`buildSequences: blockSize ${blockSize} is too short for the longest word (needs ${needed})`);
  const count = words.length;
  const X = new Int32Array(count * blockSize);
  const Y = new Int32Array(count * blockSize).fill(-1);
  words.forEach((w, i) => {
    const ids = vocab.encode(w);
    const base = i * blockSize;
    X.set(ids, base + 1);
    Y.set(ids, base);
    Y[base + ids.length] = 0;
  });
  return { X, Y, count, blockSize };
}

/** A batch of text windows: X and Y are [batchSize, blockSize] ids, Y shifted by one. */
export interface TextBatch {
  X: Int32Array;
  Y: Int32Array;
  batchSize: number;
  blockSize: number;
}

/** A character stream (e.g. Tiny Shakespeare) encoded with a text-mode vocabulary. */
export class TextDataset {
  constructor(
    readonly tokens: Int32Array,
    readonly vocab: Vocab,
  ) {}

  /** Encode text; the vocabulary defaults to the text's own characters. */
  static fromText(text: string, vocab: Vocab = Vocab.forText(text)): TextDataset {
    return new TextDataset(vocab.encode(text), vocab);
  }

  /** nanoGPT's split: the first int(fraction·n) tokens train, the rest validate. */
  split(fraction = 0.9): { train: TextDataset; val: TextDataset } {
    const n = Math.floor(fraction * this.tokens.length);
    return { train: new TextDataset(this.tokens.subarray(0, n), this.vocab), val: new TextDataset(this.tokens.subarray(n), this.vocab) };
  }

  /** batchSize windows at uniformly random offsets: X = tokens[i..i+T), Y = tokens[i+1..i+T+1). `random` returns [0, 1). */
  batch(batchSize: number, blockSize: number, random: () => number): TextBatch {
    const offsets = this.tokens.length - blockSize; // valid starts: 0 .. offsets-1
    if (offsets < 1) throw new DataError(`text of ${this.tokens.length} characters is too short for blockSize ${blockSize}`);
    const X = new Int32Array(batchSize * blockSize);
    const Y = new Int32Array(batchSize * blockSize);
    for (let b = 0; b < batchSize; b++) {
      const i = Math.floor(random() * offsets);
      X.set(this.tokens.subarray(i, i + blockSize), b * blockSize);
      Y.set(this.tokens.subarray(i + 1, i + blockSize + 1), b * blockSize);
    }
    return { X, Y, batchSize, blockSize };
  }
}

function requireBoundary(vocab: Vocab, fn: string): void {
  if (!vocab.boundary) throw new RangeError(`${fn} needs a names-mode vocabulary (with the '.' start/end token)`);
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
