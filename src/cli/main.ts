// The wasmore command line: train | sample | eval | gradcheck | bench.
// Exit codes: 0 success, 1 runtime failure, 2 bad input or usage. Errors are one line on stderr
// (with the stack trace only under --verbose).
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { trainCommand, sampleCommand, evalCommand, gradcheckCommand, benchCommand } from "./commands.js";
import { isUserError, UsageError } from "./errors.js";
import { PRESET_NAMES } from "../train/presets.js";
import { SPLIT_NAMES } from "../data/index.js";

const backendOption = {
  describe: "kernel backend: wasm (SIMD WebAssembly) or js (plain TypeScript twin)",
  choices: ["wasm", "js", "wasm-scalar"],
  default: "wasm",
} as const;

function fail(e: unknown, verbose: boolean): never {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`wasmore: ${message.trim().replace(/\s*\n\s*/g, " ")}\n`);
  if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exit(isUserError(e) ? 2 : 1);
}

async function main(): Promise<void> {
  const verbose = process.argv.includes("--verbose");
  const cli = yargs(hideBin(process.argv))
    .scriptName("wasmore")
    .usage("$0 <command> [options]\n\nTrain character-level language models with hand-written backward passes and SIMD WebAssembly kernels.")
    .option("verbose", { type: "boolean", describe: "print stack traces on errors", global: true })
    .command(
      "train",
      "train a model and print samples",
      (y: Argv) =>
        y
          .option("preset", { choices: PRESET_NAMES, default: "wavenet", describe: "model and training recipe" })
          .option("data", { type: "string", describe: "names file or http(s) URL, one example a line (default: the embedded names)" })
          .option("split", { choices: SPLIT_NAMES, describe: "names: the lectures' 80/10/10 split (default) or makemore.py's (1,000 test names, no validation)" })
          .option("steps", { type: "number", describe: "optimisation steps (default: the preset's)" })
          .option("batch-size", { type: "number", describe: "minibatch size (default: the preset's, 32 for the lectures)" })
          .option("lr", { type: "number", describe: "base learning rate (default: the preset's)" })
          .option("seed", { type: "number", default: 42, describe: "seed for initialisation and minibatches" })
          .option("backend", backendOption)
          .option("out", { type: "string", describe: "output folder (default: runs/<preset>)" })
          .option("eval-every", { type: "number", describe: "validate every N steps (default: 20 times per run, gpt-shakespeare 4)" })
          .option("samples", { type: "number", default: 20, describe: "samples to print at the end" })
          .option("set", {
            type: "string",
            array: true,
            describe: "override a model or recipe setting, key=value (repeatable), e.g. --set activation=tanh --set optimizer=sgd",
          })
          .option("resume", { type: "boolean", default: false, describe: "continue from OUT/model.safetensors and OUT/optimizer.safetensors" })
          .option("log", { type: "string", describe: "append JSON lines (one per evaluation) to this file" })
          .option("json", { type: "boolean", default: false, describe: "print the summary as one JSON object on the last line" })
          .example("$0 train", "train the default WaveNet on the embedded names")
          .example("$0 train --preset mlp --data ../shared/data/names.txt --steps 20000", "a short MLP run on makemore's names.txt")
          .example("$0 train --preset bnmlp --backend js --json", "train with the plain TypeScript kernels, JSON summary")
          .example("$0 train --preset wavenet-plus --set residualBlocks=0 --set dropout=0", "an ablation: no residual blocks, no dropout"),
      (a) => trainCommand(a as never),
    )
    .command(
      "sample",
      "sample from a checkpoint (several: from their ensemble)",
      (y: Argv) =>
        y
          .option("checkpoint", {
            type: "string", array: true, demandOption: true,
            describe: "a model.safetensors written by wasmore train; repeat to sample from the ensemble (the mean of the models' distributions)",
          })
          .option("count", { type: "number", describe: "how many samples (default: 20 names, or 1 text)" })
          .option("temperature", { type: "number", default: 1, describe: "softmax temperature (> 0)" })
          .option("top-k", { type: "number", default: 0, describe: "sample only from the k most likely characters (0 = all)" })
          .option("seed", { type: "number", default: 42 })
          .option("prompt", { type: "string", describe: "text models: the text to continue (default: a newline)" })
          .option("length", { type: "number", describe: "text models: characters to generate (default 500)" })
          .option("data", { type: "string", describe: "data to mark known names against (default: the data the model was trained on)" })
          .option("backend", backendOption)
          .option("json", { type: "boolean", default: false })
          .example("$0 sample --checkpoint runs/wavenet/model.safetensors --count 10 --temperature 0.8", "ten names")
          .example("$0 sample --checkpoint runs/wavenet-plus/best.safetensors --checkpoint runs/gpt/best.safetensors", "names from two models' ensemble")
          .example('$0 sample --checkpoint runs/gpt-shakespeare/model.safetensors --prompt "ROMEO:" --length 500 --top-k 10', "continue a text"),
      (a) => sampleCommand(a as never),
    )
    .command(
      "eval",
      "evaluate a checkpoint on the train/val/test splits (several: each and their ensemble)",
      (y: Argv) =>
        y
          .option("checkpoint", {
            type: "string", array: true, demandOption: true,
            describe: "a checkpoint; repeat to evaluate an ensemble (the mean of the models' next-character distributions)",
          })
          .option("data", { type: "string", describe: "names file or URL (default: the data the model was trained on)" })
          .option("backend", backendOption)
          .option("json", { type: "boolean", default: false })
          .example("$0 eval --checkpoint runs/wavenet/model.safetensors --data ../shared/data/names.txt", "losses on each split")
          .example("$0 eval --checkpoint runs/wavenet-plus/best.safetensors --checkpoint runs/gpt/best.safetensors", "two models and their ensemble"),
      (a) => evalCommand(a as never),
    )
    .command(
      "gradcheck",
      "check every hand-written gradient against float64 finite differences",
      (y: Argv) =>
        y
          .option("preset", { choices: [...PRESET_NAMES, "all"], default: "all" })
          .option("backend", backendOption)
          .option("batch-size", { type: "number", default: 8 })
          .option("tolerance", { type: "number", default: 1e-4, describe: "largest accepted ‖g − ĝ‖/‖ĝ‖ per tensor" })
          .option("json", { type: "boolean", default: false })
          .example("$0 gradcheck --preset wavenet", "check the WaveNet's gradients"),
      (a) => gradcheckCommand(a as never),
    )
    .command(
      "bench <what>",
      "benchmarks: kernels (WASM vs JS per kernel), train (steps/s vs PyTorch and TensorFlow.js), profile (one step), memory (flat over many steps)",
      (y: Argv) =>
        y
          .positional("what", { choices: ["kernels", "train", "profile", "memory"], describe: "what to benchmark" })
          .option("json", { type: "boolean", default: false, describe: "one JSON document instead of the table" })
          .option("filter", { type: "string", describe: "kernels: only rows whose kernel or shape contains this text" })
          .option("model", { type: "string", array: true, describe: "train/profile: presets (default mlp, bnmlp, wavenet, gpt)" })
          .option("engine", { type: "string", array: true, describe: "train: wasmore-wasm, wasmore-js, tfjs-wasm, tfjs-cpu, pytorch" })
          .option("seconds", { type: "number", default: 3, describe: "train: measuring time per row" })
          .option("data", { type: "string", describe: "train/profile: names file (default ../shared/data/names.txt when present, else synthetic ids)" })
          .option("backend", backendOption)
          .option("steps", { type: "number", describe: "profile: steps to profile (default 2000); memory: steps to run (default 100000)" })
          .example("$0 bench kernels", "the kernel table of the README")
          .example("$0 bench train --model wavenet", "WaveNet steps/s: wasmore (wasm, js), TensorFlow.js, PyTorch")
          .example("$0 bench profile --model wavenet", "where a WaveNet step spends its time")
          .example("node --expose-gc $0 bench memory --model wavenet", "memory use and garbage collections over 100k steps"),
      (a) => benchCommand(a as never),
    )
    .demandCommand(1, "choose a command: train, sample, eval, gradcheck or bench")
    .strict()
    .help()
    .alias("h", "help")
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  try {
    await cli.parseAsync();
  } catch (e) {
    fail(e, verbose);
  }
}

void main();
