// The one error type of the data pipeline: bad input files, URLs or words. Its message is a single
// line that names the source (file path or URL) and says what is wrong, fit to print as-is by a CLI.
export class DataError extends Error {
  override readonly name = "DataError";
}

/** A character for error messages: 'x', or U+XXXX for invisible ones. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch) ? `'${ch}' (${hex})` : hex;
}
