// Bundles the web app (web/src/main.ts and its training worker web/src/worker.ts, which pulls in
// the library core and the embedded WASM kernels) with esbuild into build/web, next to index.html
// and styles.css. Needs the generated sources of `npm run build:wasm` and `npm run build:data`.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "web");

for (const generated of ["src/kernels/wasm-binaries.generated.ts", "src/data/default-names.generated.ts"])
  if (!existsSync(join(root, generated))) {
    console.error(`build-web: ${generated} is missing; run npm run build:wasm and npm run build:data first`);
    process.exit(1);
  }

mkdirSync(out, { recursive: true });
const started = performance.now();
await build({
  absWorkingDir: root,
  entryPoints: { main: "web/src/main.ts", worker: "web/src/worker.ts" },
  outdir: out,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome100", "firefox110", "safari16"],
  minify: true,
  sourcemap: true,
  logLevel: "warning",
});
for (const file of ["index.html", "styles.css"]) copyFileSync(join(root, "web", file), join(out, file));
console.log(`build-web: wrote ${out} in ${Math.round(performance.now() - started)} ms`);
