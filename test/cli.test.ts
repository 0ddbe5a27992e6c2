// The CLI contract: exit codes (0 ok, 2 bad input), one-line errors without stack traces, --json
// summaries, and nothing half-written left behind.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readdirSync, existsSync, readFileSync, chmodSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/wasmore.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "wasmore-cli-"));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectUsageError(args: string[], pattern: RegExp) {
  const r = run(...args);
  assert.is(r.code, 2, `exit code 2 for ${args.join(" ")}; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.is(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^wasmore: /);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /\n\s+at /, "no stack trace");
}

test("train --json: the last stdout line is a summary object; checkpoint and loss curve are written", () => {
  const out = join(tmp, "run-json");
  const r = run("train", "--preset", "bnmlp", "--steps", "300", "--out", out, "--json", "--log", join(tmp, "run-json.jsonl"));
  assert.is(r.code, 0, r.stderr);
  // --log: a JSON line per validation pass, with the wall time so far
  const log = readFileSync(join(tmp, "run-json.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.is(log.length, 20);
  assert.equal(Object.keys(log[0]).sort(), ["seconds", "step", "train_loss", "val_loss"]);
  assert.is(log[19].step, 300);
  for (let i = 1; i < log.length; i++) assert.ok(log[i].seconds > log[i - 1].seconds && log[i].step > log[i - 1].step);
  const last = JSON.parse(r.stdout.trim().split("\n").pop()!);
  for (const key of ["train_loss", "val_loss", "test_loss", "steps", "seconds", "steps_per_sec", "params", "checkpoint"])
    assert.ok(key in last, `summary has ${key}`);
  assert.is(last.steps, 300);
  assert.is(last.params, 12_308, "BN-MLP on the 28-character embedded vocabulary");
  assert.ok(last.val_loss < 3.3, `learned something: val ${last.val_loss}`);
  assert.ok(existsSync(last.checkpoint));
  assert.match(readFileSync(join(out, "loss.svg"), "utf8"), /^<svg/);
  assert.equal(readdirSync(out).filter((f) => f.endsWith(".tmp")), [], "no temp files left");

  const e = run("eval", "--checkpoint", last.checkpoint, "--json");
  assert.is(e.code, 0, e.stderr);
  assert.ok(Math.abs(JSON.parse(e.stdout).val_loss - last.val_loss) < 1e-9, "eval reproduces the training summary");

  const s = run("sample", "--checkpoint", last.checkpoint, "--count", "5", "--json", "--top-k", "5", "--temperature", "0.8");
  assert.is(s.code, 0, s.stderr);
  const samples = JSON.parse(s.stdout).samples;
  assert.is(samples.length, 5);
  for (const x of samples) assert.type(x.in_data, "boolean");
});

test("bad data files: missing, empty, blank, binary, invalid UTF-8, a directory", () => {
  const file = (name: string, content: string | Buffer) => {
    const p = join(tmp, name);
    writeFileSync(p, content);
    return p;
  };
  expectUsageError(["train", "--data", join(tmp, "missing.txt")], /no such file/);
  expectUsageError(["train", "--data", file("empty.txt", "")], /empty/);
  expectUsageError(["train", "--data", file("blank.txt", "\n \r\n\n")], /no names/);
  expectUsageError(["train", "--data", file("binary.bin", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]))], /binary/);
  expectUsageError(["train", "--data", file("latin1.txt", Buffer.from([0x6a, 0xe9, 0x72, 0xf4, 0x6d, 0x65, 0x0a]))], /UTF-8/);
  expectUsageError(["train", "--data", tmp], /directory/);
});

test("CRLF, blank lines and unicode names train", () => {
  const p = join(tmp, "crlf.txt");
  writeFileSync(p, "zoë\r\n\r\nrenée\r\nbjörn\r\n  ana \r\n" + "emma\r\nolivia\r\nava\r\nmia\r\n".repeat(5));
  const r = run("train", "--data", p, "--preset", "mlp", "--steps", "20", "--batch-size", "4", "--out", join(tmp, "crlf"), "--json");
  assert.is(r.code, 0, r.stderr);
});

test("bad numbers and options: exit 2 with a one-line message", () => {
  expectUsageError(["train", "--steps", "-5"], /--steps must be a positive integer/);
  expectUsageError(["train", "--steps", "abc"], /steps/);
  expectUsageError(["train", "--batch-size", "0"], /--batch-size must be a positive integer/);
  expectUsageError(["train", "--lr", "0"], /--lr must be a positive number/);
  expectUsageError(["train", "--batch-size", "100000", "--steps", "1", "--out", join(tmp, "big")], /larger than the \d+ training examples/);
  expectUsageError(["train", "--preset", "nope"], /preset/);
  expectUsageError(["sample", "--checkpoint", join(tmp, "none.safetensors")], /no such checkpoint/);
  expectUsageError(["sample"], /checkpoint/);
  expectUsageError(["frobnicate"], /Unknown argument|command/);
  expectUsageError(["train", "--preset", "wavenet", "--set", "blockSize=6", "--out", join(tmp, "b6")], /power of two/);
  expectUsageError(["train", "--set", "nonsense=1", "--out", join(tmp, "ns")], /unknown setting/);
  expectUsageError(["train", "--set", "dropout=lots", "--preset", "wavenet-plus", "--out", join(tmp, "dl")], /expected a number/);
  expectUsageError(["train", "--preset", "gpt-shakespeare", "--out", join(tmp, "gs")], /plain text: pass --data/);
  expectUsageError(["sample", "--checkpoint", join(tmp, "none.safetensors"), "--temperature", "0"], /--temperature must be a positive number/);
  expectUsageError(["train", "--split", "random"], /split/);
  const text = join(tmp, "play.txt");
  writeFileSync(text, "To be, or not to be, that is the question.\n".repeat(200));
  expectUsageError(["train", "--preset", "gpt-shakespeare", "--data", text, "--split", "makemore", "--out", join(tmp, "gsm")], /makemore split is for names/);
});

test("train --split makemore: 10% (≤ 1,000) names held out as test and val; eval and --resume keep the split", () => {
  const out = join(tmp, "run-makemore");
  const r = run("train", "--preset", "mlp", "--steps", "200", "--split", "makemore", "--out", out, "--json", "--samples", "0");
  assert.is(r.code, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split("\n").pop()!);
  // the embedded set's 8,422 names: 842 held out, so 842 names' characters + ends are val and test alike
  assert.is(last.examples.test, last.examples.val);
  assert.is(last.val_loss, last.test_loss);
  const e = JSON.parse(run("eval", "--checkpoint", last.checkpoint, "--json").stdout);
  assert.is(e.split, "makemore");
  assert.ok(Math.abs(e.test_loss - last.test_loss) < 1e-9, "eval evaluates the makemore test set");
  const lectures = JSON.parse(run("train", "--preset", "mlp", "--steps", "200", "--out", join(tmp, "run-lectures"), "--json", "--samples", "0").stdout.trim().split("\n").pop()!);
  assert.ok(lectures.examples.val !== lectures.examples.test && lectures.examples.train < last.examples.train, "the lectures' split holds out 20%");
  const resumed = run("train", "--preset", "mlp", "--steps", "300", "--split", "lectures", "--out", out, "--resume");
  assert.is(resumed.code, 2);
  assert.match(resumed.stderr, /trained on the makemore split/);
});

test("an unwritable output folder is refused before training", () => {
  const blocker = join(tmp, "file-not-dir");
  writeFileSync(blocker, "x");
  expectUsageError(["train", "--steps", "5", "--out", join(blocker, "sub")], /cannot write to output folder/);
  const ro = join(tmp, "readonly");
  mkdirSync(ro);
  chmodSync(ro, 0o500);
  if (process.getuid?.() !== 0) expectUsageError(["train", "--steps", "5", "--out", ro], /cannot write/);
});

test("a corrupt or foreign checkpoint is a one-line error", () => {
  const junk = join(tmp, "junk.safetensors");
  writeFileSync(junk, Buffer.from("this is not a checkpoint at all"));
  expectUsageError(["sample", "--checkpoint", junk], /header|safetensors|file/i);
  expectUsageError(["eval", "--checkpoint", tmp], /directory/);
});

test("eval and sample with several checkpoints: each model and their ensemble; mismatched checkpoints are refused", () => {
  const trainTo = (name: string, ...args: string[]) => {
    const r = run("train", ...args, "--out", join(tmp, name), "--json", "--samples", "0");
    assert.is(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
  };
  const mlp = trainTo("ens-mlp", "--preset", "mlp", "--steps", "300");
  const gpt = trainTo("ens-gpt", "--preset", "gpt", "--steps", "20", "--set", "nLayer=1");
  const e = run("eval", "--checkpoint", mlp.checkpoint, "--checkpoint", gpt.checkpoint, "--json");
  assert.is(e.code, 0, e.stderr);
  const r = JSON.parse(e.stdout);
  assert.equal(r.models.map((m: { preset: string }) => m.preset), ["mlp", "gpt"]);
  assert.ok(Math.abs(r.models[0].val_loss - mlp.val_loss) < 1e-9 && Math.abs(r.models[1].val_loss - gpt.val_loss) < 1e-9, "each member as trained");
  for (const s of ["train_loss", "val_loss", "test_loss"])
    assert.ok(r.ensemble[s] < (r.models[0][s] + r.models[1][s]) / 2, `${s}: the ensemble beats its members' mean`);
  const text = run("eval", "--checkpoint", mlp.checkpoint, "--checkpoint", gpt.checkpoint);
  assert.match(text.stdout, /^ensemble +train \d\.\d{4} {2}val \d\.\d{4}/m);
  // another vocabulary: the same names file's checkpoint cannot be mixed with one trained elsewhere
  const other = join(tmp, "abc-names.txt");
  writeFileSync(other, "abba\ncab\nbac\n".repeat(50));
  const abc = trainTo("ens-abc", "--preset", "bigram", "--data", other);
  expectUsageError(["eval", "--checkpoint", mlp.checkpoint, "--checkpoint", abc.checkpoint], /another vocabulary or split/);
  expectUsageError(["sample", "--checkpoint", mlp.checkpoint, "--checkpoint", abc.checkpoint], /another vocabulary or split/);
  const s = run("sample", "--checkpoint", mlp.checkpoint, "--checkpoint", gpt.checkpoint, "--count", "7", "--json");
  assert.is(s.code, 0, s.stderr);
  const samples = JSON.parse(s.stdout).samples;
  assert.is(samples.length, 7);
  for (const x of samples) assert.ok(/^[a-z-]*$/.test(x.text) && typeof x.in_data === "boolean", JSON.stringify(x));
  const makemore = trainTo("ens-makemore", "--preset", "bigram", "--split", "makemore");
  expectUsageError(["eval", "--checkpoint", mlp.checkpoint, "--checkpoint", makemore.checkpoint], /another vocabulary or split/);
});

test("eval of a text model reproduces its run's train and val losses; its ensemble with itself is itself", () => {
  const text = join(tmp, "verse.txt");
  writeFileSync(text, "Shall I compare thee to a summer's day? Thou art more lovely and more temperate.\n".repeat(120));
  const r = run("train", "--preset", "gpt-shakespeare", "--data", text, "--steps", "8", "--set", "nLayer=1", "--out", join(tmp, "verse"), "--json", "--samples", "0");
  assert.is(r.code, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split("\n").pop()!);
  const e = JSON.parse(run("eval", "--checkpoint", last.checkpoint, "--json").stdout);
  assert.ok(Math.abs(e.train_loss - last.train_loss) < 1e-9 && Math.abs(e.val_loss - last.val_loss) < 1e-9, `eval ${e.train_loss}/${e.val_loss} vs run ${last.train_loss}/${last.val_loss}`);
  const twice = JSON.parse(run("eval", "--checkpoint", last.checkpoint, "--checkpoint", last.checkpoint, "--json").stdout);
  assert.ok(Math.abs(twice.ensemble.val_loss - last.val_loss) < 1e-5, `ensemble ${twice.ensemble.val_loss} vs ${last.val_loss}`);
});

test("eval with characters outside the checkpoint's vocabulary is a clear error", () => {
  const out = join(tmp, "vocab");
  assert.is(run("train", "--preset", "bigram", "--out", out, "--json").code, 0);
  const p = join(tmp, "foreign.txt");
  writeFileSync(p, "émile\nzoë\n");
  expectUsageError(["eval", "--checkpoint", join(out, "model.safetensors"), "--data", p], /character|vocab/i);
});

test.run();
