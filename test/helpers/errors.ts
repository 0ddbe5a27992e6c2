// Assertions for the one-line DataError contract of the data pipeline.
import * as assert from "uvu/assert";
import { DataError } from "../../src/data/errors.js";

function assertDataError(err: unknown, patterns: RegExp[]): void {
  assert.instance(err, DataError);
  const message = (err as Error).message;
  assert.not.match(message, /\n/, "one line");
  for (const p of patterns) assert.match(message, p);
}

/** `fn` throws a one-line DataError matching every pattern. */
export function throwsDataError(fn: () => unknown, ...patterns: RegExp[]): void {
  try {
    fn();
  } catch (err) {
    return assertDataError(err, patterns);
  }
  assert.unreachable("expected a DataError");
}

/** `promise` rejects with a one-line DataError matching every pattern. */
export async function rejectsDataError(promise: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  try {
    await promise;
  } catch (err) {
    return assertDataError(err, patterns);
  }
  assert.unreachable("expected a DataError");
}
