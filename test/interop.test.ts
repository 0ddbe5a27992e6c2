// Checkpoints move between wasmore and PyTorch both ways: a checkpoint written by PyTorch
// (reference/interop.py export, committed) loads here and gives PyTorch's logits; a checkpoint
// written here loads into the reference nn.Module and gives ours (when /usr/bin/python3 has torch).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeCheckpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import { runTraining } from "../src/train/run.js";
import { defaultNames, DEFAULT_NAMES_SOURCE } from "../src/data/default-names.js";
import type { Model } from "../src/models/model.js";
import { FIXTURES } from "./helpers/fixtures.js";
import { relErr } from "./helpers/numeric.js";

const INTEROP = fileURLToPath(new URL("../../reference/interop.py", import.meta.url));

function logitsOf(model: Model, batch: number[][]): number[] {
  model.input.ints.set(batch.flat());
  return Array.from(model.forward(batch.length, false).data.subarray(0, batch.length * model.rowsPerExample * model.vocabSize));
}

test("a checkpoint written by PyTorch loads and reproduces PyTorch's logits", () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, "torch-written-bnmlp.json"), "utf8"));
  const { trained, meta } = decodeCheckpoint(new Uint8Array(readFileSync(join(FIXTURES, "torch-written-bnmlp.safetensors"))));
  assert.is(meta.preset, "bnmlp");
  assert.ok(trained.kind === "network");
  assert.is(trained.model.parameterCount, expected.params);
  const e = relErr(logitsOf(trained.model, expected.input), expected.logits.flat());
  assert.ok(e < 1e-5, `relative error ${e}`);
});

const torchAvailable = spawnSync("/usr/bin/python3", ["-c", "import torch"], { encoding: "utf8" }).status === 0;

test("a checkpoint written by wasmore loads into the PyTorch reference module with the same logits", async () => {
  if (!torchAvailable) {
    console.log("  SKIP: /usr/bin/python3 has no torch (apt-get install -y python3-torch to run this check)");
    return;
  }
  for (const preset of ["nbigram", "bnmlp", "wavenet", "wavenet-plus", "gpt"]) {
    const { trained, meta } = await runTraining({ preset, words: defaultNames().slice(0, 400), dataSource: DEFAULT_NAMES_SOURCE, steps: 20 });
    assert.ok(trained.kind === "network");
    const path = join(mkdtempSync(join(tmpdir(), "wasmore-interop-")), "model.safetensors");
    writeFileSync(path, encodeCheckpoint(trained, meta));
    const r = spawnSync("/usr/bin/python3", [INTEROP, "load", path], { encoding: "utf8" });
    assert.is(r.status, 0, r.stderr);
    const torch = JSON.parse(r.stdout);
    assert.is(torch.params, trained.model.parameterCount);
    const e = relErr(logitsOf(trained.model, torch.input), torch.logits.flat());
    assert.ok(e < 1e-5, `${preset}: relative error ${e}`);
  }
});

test.run();
