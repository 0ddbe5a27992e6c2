// Node-only loading: a file path, a file: URL or an http(s) URL → text or names. The browser-safe
// parts (decoding, parsing, fetch) live in load.ts; this file adds the file system.
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { checkSize, decodeText, fetchBytes, isHttpUrl, parseNames, DataError, type FetchOptions, type ParseNamesOptions } from "./load.js";

/** Read UTF-8 text from a file or URL. Every failure is a one-line DataError naming the file or URL. */
export async function loadText(pathOrUrl: string, options: FetchOptions = {}): Promise<string> {
  if (isHttpUrl(pathOrUrl)) return decodeText(await fetchBytes(pathOrUrl, options), pathOrUrl);
  const path = pathOrUrl.startsWith("file:") ? fileURLToPath(pathOrUrl) : pathOrUrl;
  return decodeText(await readBytes(path, options.maxBytes), pathOrUrl);
}

/** loadText + parseNames: one name per non-blank line, trimmed, case kept. */
export async function loadNames(pathOrUrl: string, options: FetchOptions & ParseNamesOptions = {}): Promise<string[]> {
  return parseNames(await loadText(pathOrUrl, options), pathOrUrl, options);
}

async function readBytes(path: string, maxBytes?: number): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new DataError(`${path} is a directory, not a file`);
    checkSize(info.size, path, maxBytes);
    return await readFile(path);
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new DataError(`${path}: no such file`);
    if (code === "EACCES" || code === "EPERM") throw new DataError(`${path}: permission denied`);
    if (code === "EISDIR") throw new DataError(`${path} is a directory, not a file`);
    throw new DataError(`${path}: cannot read (${code ?? (err as Error).message})`);
  }
}
