// Node file helpers for the CLI: atomic writes (temp file + rename in the same folder) and reading
// checkpoints with one-line errors.
import { mkdirSync, openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync, readFileSync, statSync, accessSync, constants } from "node:fs";
import { dirname, join, basename } from "node:path";
import { UsageError } from "./errors.js";

/** Write bytes so that a reader sees either the old file or the complete new one, never a torn one. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Create the output folder (and parents) and make sure we can write there, before any training. */
export function prepareOutDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UsageError(`cannot write to output folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readCheckpointFile(path: string): Uint8Array {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path} is a directory; pass the .safetensors file (e.g. ${join(path, "model.safetensors")})`);
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `${path}: no such checkpoint file` : `${path}: cannot read (${code ?? (e as Error).message})`);
  }
}
