// npm run quality: train presets with their full recipes — the names presets on a names file, the
// text presets (gpt-shakespeare) on a text file — and write a results table (Markdown and JSON) with
// losses, parameters, steps, wall time and steps/s, plus the loss curves. When wavenet-plus and gpt
// are both in the results, a last row scores their ensemble (`wasmore eval` with both checkpoints).
// Usage: node scripts/quality.mjs [--data NAMES] [--text TEXT] [--presets a,b,c] [--out DIR] [-- extra train args]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { options, root, NAMES_TXT, SHAKESPEARE_TXT } from "./runs.mjs";
import { PRESETS } from "../build/src/train/presets.js";

const { take, rest } = options();
const names = take("--data", NAMES_TXT);
const text = take("--text", SHAKESPEARE_TXT);
const presets = take("--presets", "bigram,nbigram,mlp,bnmlp,wavenet,wavenet-plus,gpt,gpt-shakespeare").split(",");
const out = take("--out", join(root, "runs", "quality"));
const extra = rest();
const dataOf = (preset) => (PRESETS[preset]?.data === "text" ? text : names);
for (const preset of presets) {
  if (!PRESETS[preset]) {
    console.error(`quality: unknown preset ${preset} (presets: ${Object.keys(PRESETS).join(", ")})`);
    process.exit(2);
  }
  if (!existsSync(dataOf(preset))) {
    console.error(`quality: ${dataOf(preset)} (for ${preset}) not found; pass ${dataOf(preset) === text ? "--text" : "--data"} FILE`);
    process.exit(2);
  }
}
mkdirSync(out, { recursive: true });

const resultsPath = join(out, "results.json");
const results = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, "utf8")) : {};
for (const preset of presets) {
  const dir = join(out, preset);
  const data = dataOf(preset);
  console.error(`quality: training ${preset} on ${data} …`);
  rmSync(join(dir, "log.jsonl"), { force: true }); // --log appends (a resumed run continues its log)
  const r = spawnSync(
    process.execPath,
    [join(root, "bin", "wasmore.js"), "train", "--preset", preset, "--data", data, "--out", dir, "--json", "--log", join(dir, "log.jsonl"), "--samples", "0", ...extra],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (r.status !== 0) {
    console.error(`quality: ${preset} failed (exit ${r.status})`);
    process.exit(1);
  }
  const summary = JSON.parse(r.stdout.trim().split("\n").pop());
  results[preset] = { ...summary, command: `wasmore train --preset ${preset} --data ${data} ${extra.join(" ")}`.trim() };
  writeFileSync(resultsPath, JSON.stringify(results, null, 2));
}

const ENSEMBLE = ["wavenet-plus", "gpt"];
const ensembleKey = `ensemble of ${ENSEMBLE.join(" + ")}`;
const checkpoints = ENSEMBLE.map((p) => results[p]?.checkpoint);
if (checkpoints.every((c) => c && existsSync(c))) {
  const r = spawnSync(process.execPath, [join(root, "bin", "wasmore.js"), "eval", ...checkpoints.flatMap((c) => ["--checkpoint", c]), "--json"], {
    encoding: "utf8", stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0) {
    console.error(`quality: evaluating the ${ensembleKey} failed (exit ${r.status})`);
    process.exit(1);
  }
  const { ensemble } = JSON.parse(r.stdout);
  const members = ENSEMBLE.map((p) => results[p]);
  results[ensembleKey] = {
    preset: ensembleKey, ...ensemble, params: members.reduce((n, m) => n + m.params, 0), steps: null,
    seconds: members.reduce((t, m) => t + m.seconds, 0), command: `wasmore eval ${checkpoints.map((c) => `--checkpoint ${c}`).join(" ")}`,
  };
  writeFileSync(resultsPath, JSON.stringify(results, null, 2));
}

const f = (x) => (Number.isFinite(x) ? x.toFixed(4) : "–");
const lines = [
  "| preset | params | steps | train | val | test | wall time | steps/s |",
  "|---|---|---|---|---|---|---|---|",
  ...Object.values(results).map(
    (s) =>
      `| ${s.preset} | ${s.params.toLocaleString("en-US")} | ${s.steps?.toLocaleString("en-US") ?? "–"} | ${f(s.train_loss)} | ${f(s.val_loss)} | ${f(s.test_loss)} | ${s.seconds.toFixed(0)} s | ${s.steps ? s.steps_per_sec.toFixed(0) : "–"} |`,
  ),
];
writeFileSync(join(out, "results.md"), lines.join("\n") + "\n");
console.log(lines.join("\n"));
