// npm run ablation: what each ingredient of wavenet-plus contributes. Trains the full recipe and
// variants that each take one ingredient away (same steps, data and seed), and writes a table
// (Markdown and JSON) of validation losses. Usage:
//   node scripts/ablation.mjs [--data FILE] [--steps N] [--out DIR] [--jobs 2] [--only name,name]
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { options, root, NAMES_TXT } from "./runs.mjs";

const { take, rest } = options();
const data = take("--data", NAMES_TXT);
const steps = take("--steps", "10000");
const out = take("--out", join(root, "runs", "ablation"));
const jobs = Number(take("--jobs", "2"));
const only = take("--only", "");

const VARIANTS = [
  ["full recipe", []],
  ["no residual blocks", ["residualBlocks=0"]],
  ["tanh instead of GELU", ["activation=tanh"]],
  ["no dropout", ["dropout=0"]],
  ["SGD instead of AdamW (lr 0.1, step decay)", ["optimizer=sgd", "schedule=step"], ["--lr", "0.1"]],
  ["constant learning rate", ["schedule=constant"]],
  ["lecture width (24-d, 128 hidden)", ["nEmbd=24", "nHidden=128"]],
  ["one shared fusion block", ["nEmbd=192", "sharedFusion=true"]],
].filter(([name]) => !only || only.split(",").some((o) => name.includes(o)));

if (!existsSync(data)) {
  console.error(`ablation: ${data} not found; pass --data FILE`);
  process.exit(2);
}
mkdirSync(out, { recursive: true });

function run([name, set, extra = []]) {
  const dir = join(out, name.replace(/[^a-z0-9]+/gi, "-").toLowerCase());
  const argv = [join(root, "bin", "wasmore.js"), "train", "--preset", "wavenet-plus", "--data", data, "--steps", steps, "--out", dir, "--json", "--samples", "0",
    ...set.flatMap((s) => ["--set", s]), ...extra];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`${name}: exit ${code}`));
      const s = JSON.parse(stdout.trim().split("\n").pop());
      console.error(`ablation: ${name}: val ${s.val_loss.toFixed(4)}`);
      resolve({ name, set: [...set, ...extra].join(" "), ...s });
    });
  });
}

const results = [];
const queue = [...VARIANTS];
await Promise.all(
  Array.from({ length: jobs }, async () => {
    while (queue.length) results.push(await run(queue.shift()));
  }),
);
const order = VARIANTS.map(([n]) => n);
results.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
const base = results.find((r) => r.name === "full recipe");
const f = (x) => x.toFixed(4);
const lines = [
  `| variant (${Number(steps).toLocaleString("en-US")} steps each) | params | train | val | Δ val vs full |`,
  "|---|---|---|---|---|",
  ...results.map((r) => `| ${r.name} | ${r.params.toLocaleString("en-US")} | ${f(r.train_loss)} | ${f(r.val_loss)} | ${base ? (r.val_loss - base.val_loss >= 0 ? "+" : "") + f(r.val_loss - base.val_loss) : "–"} |`),
];
writeFileSync(join(out, "ablation.json"), JSON.stringify(results, null, 2));
writeFileSync(join(out, "ablation.md"), lines.join("\n") + "\n");
console.log(lines.join("\n"));
