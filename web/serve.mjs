#!/usr/bin/env node
// Serves the built web app (build/web, from `npm run build:web`) on localhost.
//   PORT=8080 node web/serve.mjs            (PORT=0 picks a free port; the URL is printed)
//   node web/serve.mjs --no-isolation       (omit COOP/COEP: the app works the same, without shared memory)
// Every response carries the cross-origin-isolation headers (COOP same-origin + COEP require-corp),
// so the page is crossOriginIsolated and SharedArrayBuffer is available to it.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "build", "web");
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
};

/** Start the server; resolves to the URL it listens on. */
export function startServer({ port = 8080, host = "127.0.0.1", isolation = true, root = ROOT } = {}) {
  const server = createServer(async (req, res) => {
    const headers = { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Cross-Origin-Resource-Policy": "same-origin" };
    if (isolation) Object.assign(headers, { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" });
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { ...headers, Allow: "GET, HEAD", "Content-Type": "text/plain" }).end("method not allowed\n");
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      res.writeHead(400, { ...headers, "Content-Type": "text/plain" }).end("bad request\n");
      return;
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    try {
      if (!file.startsWith(root + sep) || !(await stat(file)).isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Length": body.length });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { ...headers, "Content-Type": "text/plain" }).end("not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({ server, url: `http://localhost:${address.port}/` });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const port = process.env.PORT === undefined || process.env.PORT === "" ? 8080 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`wasmore web: PORT must be a port number (0-65535), got ${JSON.stringify(process.env.PORT)}`);
    process.exit(2);
  }
  try {
    await stat(join(ROOT, "index.html"));
  } catch {
    console.error("wasmore web: build/web is missing; run `npm run build:web` first (or `npm run web`, which builds it)");
    process.exit(1);
  }
  const isolation = !process.argv.includes("--no-isolation");
  try {
    const { server, url } = await startServer({ port, isolation });
    console.log(`wasmore web app: ${url}${isolation ? "" : " (without cross-origin isolation)"}`);
    const close = () => server.close(() => process.exit(0));
    process.on("SIGINT", close);
    process.on("SIGTERM", close);
  } catch (e) {
    console.error(`wasmore web: cannot listen on port ${port}: ${e.code === "EADDRINUSE" ? "it is in use; set PORT to another one" : e.message}`);
    process.exit(1);
  }
}
