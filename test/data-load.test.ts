// Node loading (src/data/load-node.ts): files and URLs, and a one-line DataError naming the file or
// URL for each kind of bad input. Files are written under os.tmpdir(); URLs are served from 127.0.0.1.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadNames, loadText } from "../src/data/load-node.js";
import { rejectsDataError } from "./helpers/errors.js";

const dir = mkdtempSync(join(tmpdir(), "wasmore-data-"));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const escape = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

// A tiny local server: /names → 200 text, /big and /chunked → 200 with 2,000 bytes (with and without a content-length), /slow → never answers, else 404.
let server: Server;
let base = "";
test.before(async () => {
  server = createServer((req, res) => {
    if (req.url === "/names") res.end("Ada\r\nGrace\r\n");
    else if (req.url === "/big") res.end("a\n".repeat(1000));
    else if (req.url === "/chunked") {
      for (let i = 0; i < 10; i++) res.write("a\n".repeat(100)); // no content-length: the cap applies while reading
      res.end();
    }
    else if (req.url === "/slow") setTimeout(() => res.end("late\n"), 5000).unref();
    else {
      res.statusCode = 404;
      res.end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("loads a names file (path and file: URL): CRLF, blanks, trimming, case kept", async () => {
  const path = file("names.txt", "Emma\r\n\r\n  zoë \r\nOLIVIA");
  assert.equal(await loadNames(path), ["Emma", "zoë", "OLIVIA"]);
  assert.equal(await loadNames(pathToFileURL(path).href), ["Emma", "zoë", "OLIVIA"]);
  assert.is(await loadText(path), "Emma\r\n\r\n  zoë \r\nOLIVIA");
});

test("bad files: missing, directory, empty, blank, binary, UTF-16, invalid UTF-8, too large, long line", async () => {
  const missing = join(dir, "nope.txt");
  await rejectsDataError(loadText(missing), escape(`${missing}: no such file`));
  await rejectsDataError(loadText(dir), escape(`${dir} is a directory, not a file`));
  const empty = file("empty.txt", "");
  await rejectsDataError(loadText(empty), escape(`${empty} is empty`));
  const blank = file("blank.txt", "\n  \r\n\t\n");
  await rejectsDataError(loadNames(blank), escape(`${blank} has no names`));
  const binary = file("model.bin", new Uint8Array([1, 2, 0, 3]));
  await rejectsDataError(loadNames(binary), escape(binary), /binary file/);
  const utf16 = file("utf16.txt", Buffer.from("\uFEFFann\n", "utf16le"));
  await rejectsDataError(loadNames(utf16), escape(utf16), /UTF-16/);
  const latin1 = file("latin1.txt", Buffer.from("zo\xeb\n", "latin1"));
  await rejectsDataError(loadNames(latin1), escape(`${latin1} is not valid UTF-8`));
  const big = file("big.txt", "a\n".repeat(1000));
  await rejectsDataError(loadText(big, { maxBytes: 1000 }), escape(`${big} is too large (2,000 bytes); the limit is 1,000 bytes`));
  const oneLine = file("oneline.txt", "ann\n" + "x".repeat(20_000));
  await rejectsDataError(loadNames(oneLine), escape(`${oneLine}: line 2 is 20,000 characters long; names mode expects one short example per line`));
  const dots = file("dots.txt", "a.b\n");
  await rejectsDataError(loadNames(dots), escape(`${dots}: line 1 contains '.'`));
});

test("URLs: a good download, 404, too large (declared or streamed), timeout, nothing listening", async () => {
  assert.equal(await loadNames(`${base}/names`), ["Ada", "Grace"]);
  await rejectsDataError(loadText(`${base}/missing`), escape(`${base}/missing: the server answered 404 Not Found`));
  await rejectsDataError(loadText(`${base}/big`, { maxBytes: 1000 }), escape(`${base}/big is too large`));
  await rejectsDataError(loadText(`${base}/chunked`, { maxBytes: 1000 }), escape(`${base}/chunked is too large`));
  assert.is((await loadText(`${base}/chunked`, { maxBytes: 2000 })).length, 2000);
  await rejectsDataError(loadText(`${base}/slow`, { timeoutMs: 200 }), escape(`${base}/slow: no complete answer within 0.2 s (timed out)`));
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/names.txt`;
  await new Promise((resolve) => closed.close(resolve));
  await rejectsDataError(loadText(deadUrl), escape(`${deadUrl}: could not download (ECONNREFUSED)`));
});

test.run();
