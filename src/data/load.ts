// Turning bytes into text and text into names, with one-line DataErrors that name the source.
// No Node-only imports: this runs in a browser bundle too (fetchBytes uses the global fetch).
import { DataError } from "./errors.js";

export { DataError } from "./errors.js";

/** The largest input accepted, file or download: 512 MiB. */
export const MAX_BYTES = 512 * 1024 * 1024;
/** The longest line accepted in names mode, in characters. */
export const MAX_NAME_LENGTH = 10_000;
/** How long a download may take before it is abandoned. */
export const DEFAULT_TIMEOUT_MS = 60_000;

export interface ParseNamesOptions {
  /** Longest accepted name in characters (default MAX_NAME_LENGTH). */
  maxLength?: number;
}

export interface FetchOptions {
  /** Largest accepted body in bytes (default MAX_BYTES). */
  maxBytes?: number;
  /** Abandon the download after this many milliseconds (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** 1234567 → "1,234,567", independent of the locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MiB` : `${formatCount(n)} bytes`;
}

export function checkSize(size: number, source: string, maxBytes: number = MAX_BYTES): void {
  if (size > maxBytes) throw new DataError(`${source} is too large (${formatBytes(size)}); the limit is ${formatBytes(maxBytes)}`);
}

/** UTF-8 bytes → text. Rejects empty input, binary data (NUL bytes), UTF-16 and invalid UTF-8. A UTF-8 BOM is dropped. */
export function decodeText(bytes: Uint8Array, source: string): string {
  if (bytes.length === 0) throw new DataError(`${source} is empty`);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    throw new DataError(`${source} is UTF-16 text; wasmore reads UTF-8, so please re-save it as UTF-8`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new DataError(`${source} looks like a binary file (NUL byte at offset ${formatCount(nul)}); wasmore reads UTF-8 text`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(`${source} is not valid UTF-8 text; please re-save it as UTF-8`);
  }
}

/**
 * Text → names, one per line: CR, LF and CRLF line ends; each line trimmed; blank lines skipped; case kept.
 * Throws DataError when no line is left, when a line is implausibly long for a name, or when a name contains
 * '.', the start/end token. Lengths are counted in characters (code points).
 */
export function parseNames(text: string, source: string, options: ParseNamesOptions = {}): string[] {
  const maxLength = options.maxLength ?? MAX_NAME_LENGTH;
  const names: string[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const name = lines[i].trim();
    if (name === "") continue;
    if (name.length > maxLength) {
      const length = Array.from(name).length;
      if (length > maxLength)
        throw new DataError(
          `${source}: line ${formatCount(i + 1)} is ${formatCount(length)} characters long; names mode expects one short example per line (at most ${formatCount(maxLength)})`,
        );
    }
    if (name.includes("."))
      throw new DataError(`${source}: line ${formatCount(i + 1)} contains '.', which wasmore reserves as the start/end token`);
    names.push(name);
  }
  if (names.length === 0) throw new DataError(`${source} has no names (every line is blank)`);
  return names;
}

/** Does this look like an http(s) URL rather than a file path? */
export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** Download a URL's body with a size cap and a timeout; every failure is a DataError naming the URL. */
export async function fetchBytes(url: string, options: FetchOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal });
    if (!response.ok) throw new DataError(`${url}: the server answered ${response.status} ${response.statusText}`.trimEnd());
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (Number.isFinite(declared)) checkSize(declared, url, maxBytes);
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > maxBytes) {
          await reader.cancel();
          checkSize(size, url, maxBytes);
        }
        chunks.push(value);
      }
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  } catch (err) {
    if (err instanceof DataError) throw err;
    if (signal.aborted) throw new DataError(`${url}: no complete answer within ${timeoutMs / 1000} s (timed out)`);
    throw new DataError(`${url}: could not download (${networkReason(err)}); check the address and your connection`);
  }
}

/** fetchBytes + decodeText. */
export async function fetchText(url: string, options: FetchOptions = {}): Promise<string> {
  return decodeText(await fetchBytes(url, options), url);
}

/** The most specific reason a fetch failed: Node's fetch hides the system error code in `cause`. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
