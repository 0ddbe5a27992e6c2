// The browser-safe data pipeline: default names, vocabulary, splits, context windows, sequences,
// text windows, and parsing/decoding of user data.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  buildContexts,
  buildSequences,
  decodeText,
  defaultNames,
  maxWordLength,
  parseNames,
  PythonRandom,
  splitWords,
  TextDataset,
  Vocab,
} from "../src/data/index.js";
import { throwsDataError } from "./helpers/errors.js";

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}


const utf8 = (s: string) => new TextEncoder().encode(s);

// ---- default names ----

test("default names: 8,422 lowercased unique names, female list first", () => {
  const names = defaultNames();
  assert.is(names.length, 8422);
  assert.is(names[0], "aaren");
  assert.is(new Set(names).size, names.length);
  for (const n of names) assert.ok(/^[a-z-]+$/.test(n), n);
  assert.ok(names.includes("ann-marie"));
  const vocab = Vocab.forWords(names);
  assert.is(vocab.chars.join(""), ".-abcdefghijklmnopqrstuvwxyz");
  names.pop(); // a fresh copy each call
  assert.is(defaultNames().length, 8422);
});

// ---- vocabulary ----

test("vocab for words: '.' is 0, then characters by code point; encode/decode round-trip", () => {
  const vocab = Vocab.forWords(["émile", "zoë", "anna", "jo-ann", "😀x"]);
  assert.equal(vocab.chars, [".", "-", "a", "e", "i", "j", "l", "m", "n", "o", "x", "z", "é", "ë", "😀"]);
  assert.is(vocab.size, 15);
  assert.ok(vocab.boundary);
  assert.equal(Array.from(vocab.encode("😀é.")), [14, 12, 0]);
  assert.is(vocab.decode(vocab.encode("zoë-😀")), "zoë-😀");
  assert.is(vocab.idOf("q"), -1);
  throwsDataError(() => vocab.encode("aqa"), /'q' \(U\+0071\) is not in the vocabulary/);
  assert.throws(() => vocab.decode([15]), /outside the vocabulary/);
});

test("vocab for words rejects data containing '.'", () => {
  throwsDataError(() => Vocab.forWords(["ann", "j.r."], "names.txt"), /^names\.txt: /, /"j\.r\."/, /reserves as the start\/end token/);
});

test("vocab for text: no reserved token; JSON round-trip and validation", () => {
  const vocab = Vocab.forText("Hi.\nhi!");
  assert.equal(vocab.chars, ["\n", "!", ".", "H", "h", "i"]);
  assert.not.ok(vocab.boundary);
  const again = Vocab.fromJSON(JSON.parse(JSON.stringify(vocab)));
  assert.equal(again.chars, vocab.chars);
  assert.is(again.boundary, false);
  assert.equal(Vocab.fromJSON(Vocab.forWords(["ab"]).toJSON()).toJSON(), { chars: [".", "a", "b"], boundary: true });
  throwsDataError(() => Vocab.fromJSON({ chars: ["a", "a"], boundary: false }), /duplicate/);
  throwsDataError(() => Vocab.fromJSON({ chars: ["ab"], boundary: false }), /not a single character/);
  throwsDataError(() => Vocab.fromJSON({ chars: ["a", "."], boundary: true }), /'\.' at id 0/);
});

// ---- splits and contexts ----

test("splitWords: python-compatible shuffle of a copy, then int(0.8n) / int(0.9n)", () => {
  const words = Array.from({ length: 13 }, (_, i) => `w${i}`);
  const order = new PythonRandom(42).shuffle([...words]);
  const { train, val, test: rest } = splitWords(words);
  assert.equal(train, order.slice(0, 10));
  assert.equal(val, order.slice(10, 11));
  assert.equal(rest, order.slice(11));
  assert.is(words[0], "w0", "input untouched");
  assert.not.equal(splitWords(words, 7).train, train);
});

test("buildContexts: makemore's build_dataset, '.'-padded sliding window", () => {
  const vocab = Vocab.forWords(["emma", "bo"]); // . a b e m o
  const { X, Y, count, blockSize } = buildContexts(["emma", "bo"], vocab, 3);
  assert.is(count, 5 + 3);
  assert.is(blockSize, 3);
  const rows = Array.from({ length: count }, (_, i) => vocab.decode(X.subarray(i * 3, i * 3 + 3)) + "→" + vocab.decode([Y[i]]));
  assert.equal(rows, ["...→e", "..e→m", ".em→m", "emm→a", "mma→.", "...→b", "..b→o", ".bo→."]);
  const one = buildContexts(["ab"], Vocab.forWords(["ab"]), 1); // bigram pairs
  assert.equal(Array.from(one.X), [0, 1, 2]);
  assert.equal(Array.from(one.Y), [1, 2, 0]);
  assert.throws(() => buildContexts(["ab"], Vocab.forText("ab"), 3), /names-mode vocabulary/);
  assert.throws(() => buildContexts(["ab"], vocab, 0), /blockSize/);
});

const namesPath = join(repoRoot(), "../shared/data/names.txt");
if (existsSync(namesPath)) {
  test("names.txt at block size 3: 182,625 / 22,655 / 22,866 examples, as in the lecture", () => {
    const words = parseNames(readFileSync(namesPath, "utf8"), namesPath);
    assert.is(words.length, 32033);
    const vocab = Vocab.forWords(words);
    assert.is(vocab.size, 27);
    const { train, val, test: rest } = splitWords(words);
    assert.equal([train.length, val.length, rest.length], [25626, 3203, 3204]);
    const counts = [train, val, rest].map((ws) => buildContexts(ws, vocab, 3).count);
    assert.equal(counts, [182625, 22655, 22866]);
    const trainSet = buildContexts(train, vocab, 3);
    assert.is(trainSet.X.length, 182625 * 3);
    assert.is(maxWordLength(words), 15);
  });
} else {
  console.log(`SKIP names.txt split-size test: ${namesPath} not found`);
}

// ---- sequences ----

test("buildSequences: makemore's CharDataset, X=[0,w..,0..], Y=[w..,0,-1..]", () => {
  const words = ["emma", "bo"];
  const vocab = Vocab.forWords(words); // . a b e m o
  const s = buildSequences(words, vocab);
  assert.is(s.blockSize, 5);
  assert.is(s.count, 2);
  assert.equal(Array.from(s.X), [0, 3, 4, 4, 1, /**/ 0, 2, 5, 0, 0]);
  assert.equal(Array.from(s.Y), [3, 4, 4, 1, 0, /**/ 2, 5, 0, -1, -1]);
  const wide = buildSequences(["bo"], vocab, 4);
  assert.equal(Array.from(wide.Y), [2, 5, 0, -1]);
  assert.throws(() => buildSequences(words, vocab, 4), /too short for the longest word \(needs 5\)/);
  assert.is(maxWordLength(["😀😀", "a"]), 2, "code points, not UTF-16 units");
});

// ---- text ----

test("TextDataset: text vocab, 90/10 split, random (B,T) windows with Y shifted by one", () => {
  const text = "to be, or not to be: that is the question.\n";
  const data = TextDataset.fromText(text);
  assert.not.ok(data.vocab.boundary);
  assert.is(data.vocab.decode(data.tokens), text);
  const { train, val } = data.split(0.9);
  assert.is(train.tokens.length, Math.floor(0.9 * text.length));
  assert.is(train.tokens.length + val.tokens.length, text.length);
  const r = new PythonRandom(1);
  const B = 4;
  const T = 8;
  const batch = train.batch(B, T, () => r.random());
  for (let b = 0; b < B; b++) {
    const x = data.vocab.decode(batch.X.subarray(b * T, b * T + T));
    const y = data.vocab.decode(batch.Y.subarray(b * T, b * T + T));
    assert.is(x.length, T);
    assert.ok(text.includes(x + y.slice(-1)), `${x}|${y}`);
    assert.is(x.slice(1), y.slice(0, -1));
  }
  // with a vocabulary from elsewhere
  const shared = TextDataset.fromText("ab", Vocab.forText("abc"));
  assert.equal(Array.from(shared.tokens), [0, 1]);
  throwsDataError(() => shared.batch(1, 2, Math.random), /too short for blockSize 2/);
  throwsDataError(() => TextDataset.fromText("abz", Vocab.forText("abc")), /'z'/);
});

// ---- parsing and decoding ----

test("parseNames: CRLF/CR/LF, trimming, blank lines skipped, case and unicode kept", () => {
  const text = "\uFEFF  Emma \r\n\r\nZoë\rOLIVIA\n\t\n jo-ann \n😀x\n";
  assert.equal(parseNames(text, "n.txt"), ["Emma", "Zoë", "OLIVIA", "jo-ann", "😀x"]);
});

test("parseNames errors: blank data, long lines, '.' (all naming the source and line)", () => {
  throwsDataError(() => parseNames(" \n\r\n\t", "blank.txt"), /^blank\.txt has no names/);
  throwsDataError(() => parseNames("", "empty.txt"), /^empty\.txt has no names/);
  const long = "ann\n".repeat(16) + "x".repeat(2_000_000) + "\n";
  throwsDataError(
    () => parseNames(long, "big.txt"),
    /^big\.txt: line 17 is 2,000,000 characters long; names mode expects one short example per line \(at most 10,000\)$/,
  );
  assert.equal(parseNames("😀".repeat(10), "ok.txt", { maxLength: 10 }), ["😀".repeat(10)], "limit counts code points");
  throwsDataError(() => parseNames("😀".repeat(11), "e.txt", { maxLength: 10 }), /line 1 is 11 characters/);
  throwsDataError(() => parseNames("ann\n\nj.r.\n", "dots.txt"), /^dots\.txt: line 3 contains '\.', which wasmore reserves/);
});

test("decodeText: UTF-8 (BOM dropped); empty, binary, UTF-16 and invalid UTF-8 rejected", () => {
  assert.is(decodeText(utf8("\uFEFFzoë\n"), "a.txt"), "zoë\n");
  throwsDataError(() => decodeText(new Uint8Array(0), "e.txt"), /^e\.txt is empty$/);
  throwsDataError(() => decodeText(new Uint8Array([97, 98, 0, 99]), "b.bin"), /^b\.bin looks like a binary file \(NUL byte at offset 2\)/);
  throwsDataError(() => decodeText(new Uint8Array([0xff, 0xfe, 97, 0]), "w.txt"), /^w\.txt is UTF-16 text/);
  throwsDataError(() => decodeText(new Uint8Array([97, 0xc3, 0x28, 10]), "l1.txt"), /^l1\.txt is not valid UTF-8/);
});

// ---- browser safety ----

test("the core data modules import nothing Node-only (only load-node.ts may)", () => {
  const srcDir = join(repoRoot(), "src/data");
  for (const name of ["index.ts", "errors.ts", "python-random.ts", "vocab.ts", "dataset.ts", "load.ts", "default-names.ts"]) {
    const source = readFileSync(join(srcDir, name), "utf8");
    for (const m of source.matchAll(/from\s+"([^"]+)"/g)) assert.ok(m[1].startsWith("./") && m[1] !== "./load-node.js", `${name} imports ${m[1]}`);
  }
});

test.run();
