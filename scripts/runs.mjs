// Shared by the quality and ablation scripts: the repository root, the `--flag value` options of a
// script, and the default data files (names.txt and tinyshakespeare.txt beside the checkout).
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const NAMES_TXT = join(root, "..", "shared", "data", "names.txt");
export const SHAKESPEARE_TXT = join(root, "..", "shared", "data", "tinyshakespeare.txt");

/** Options of `argv`: take(flag, fallback) removes `flag value` and returns the value; rest() is what is left. */
export function options(argv = process.argv.slice(2)) {
  const args = [...argv];
  return {
    take(flag, fallback) {
      const i = args.indexOf(flag);
      return i >= 0 ? args.splice(i, 2)[1] : fallback;
    },
    rest: () => (args[0] === "--" ? args.slice(1) : args),
  };
}
