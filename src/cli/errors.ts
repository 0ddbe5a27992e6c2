// Which errors are the user's to fix (exit 2, one line) and which are ours (exit 1).
import { DataError } from "../data/errors.js";
import { CheckpointError } from "../io/checkpoint.js";
import { SafetensorsError } from "../io/safetensors.js";
import { RunError } from "../train/run.js";
import { ArenaError } from "../memory/arena.js";

/** A bad argument or input the user can fix. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function isUserError(e: unknown): boolean {
  return (
    e instanceof UsageError || e instanceof DataError || e instanceof CheckpointError || e instanceof SafetensorsError ||
    e instanceof RunError || e instanceof ArenaError || e instanceof RangeError
  );
}
