// The web app in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): the page
// loads cross-origin isolated, trains a few hundred steps in its worker with the loss going down,
// shows samples, pauses and resumes, downloads a checkpoint byte-identical to the CLI's for the same
// settings and loads it back, turns bad input into readable messages, works without COOP/COEP, and
// logs no console error. Saves build/web-screenshot.png. Skipped (visibly) without Chromium.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { decodeCheckpoint } from "../src/io/checkpoint.js";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "../src/io/safetensors.js";
import { DEFAULT_NAMES_SOURCE } from "../src/data/default-names.js";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../..", import.meta.url)); // build/test/ → the repository
// long enough (about a second in the page) that the pause click always lands before the run ends
const STEPS = 2000;
const SEED = 7;

if (!existsSync(CHROMIUM)) {
  test(`SKIPPED: web app browser test — no Chromium at ${CHROMIUM} (apt-get install -y chromium)`, () => {
    console.log(`\n  web.test: SKIPPED, no Chromium at ${CHROMIUM}; install it with: apt-get install -y chromium\n`);
  });
} else {
  const tmp = mkdtempSync(join(tmpdir(), "wasmore-web-"));
  const servers: ChildProcess[] = [];
  let browser: Browser;
  let page: Page;
  let url: string;
  const consoleErrors: string[] = [];
  let checkpointPath = "";

  /** `node web/serve.mjs` on a free port; resolves to the URL it prints. */
  function serve(...args: string[]): Promise<string> {
    const child = spawn(process.execPath, [join(ROOT, "web/serve.mjs"), ...args], { cwd: ROOT, env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    servers.push(child);
    return new Promise((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (chunk) => {
        out += chunk;
        const m = /http:\/\/\S+/.exec(out);
        if (m) resolve(m[0]);
      });
      child.stderr!.on("data", (chunk) => (out += chunk));
      child.on("exit", (code) => reject(new Error(`web/serve.mjs exited with ${code}: ${out}`)));
    });
  }

  async function openPage(address: string): Promise<Page> {
    const p = await browser.newPage({ viewport: { width: 1360, height: 1000 }, acceptDownloads: true });
    p.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    p.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    await p.goto(address);
    await p.waitForSelector('body[data-state="idle"]', { timeout: 15_000 });
    return p;
  }

  const text = async (selector: string) => (await page.textContent(selector))?.trim() ?? "";
  const state = () => page.evaluate(() => document.body.dataset.state);
  async function waitForFinish(timeout = 40_000): Promise<void> {
    await page.waitForSelector('body[data-state="finished"]', { timeout });
  }
  async function errorMessage(screenshot?: string): Promise<string> {
    await page.waitForSelector("#error:not([hidden])", { timeout: 10_000 });
    const message = await text("#error-text");
    if (screenshot) await page.screenshot({ path: join(ROOT, "build", screenshot), fullPage: true });
    await page.click("#error-close");
    return message;
  }
  async function setTraining(o: { preset: string; steps?: number; batch?: number; seed?: number }): Promise<void> {
    await page.selectOption("#preset", o.preset);
    if (o.steps !== undefined) await page.fill("#steps", String(o.steps));
    if (o.batch !== undefined) await page.fill("#batch", String(o.batch));
    if (o.seed !== undefined) await page.fill("#seed", String(o.seed));
  }

  test.before(async () => {
    const built = spawnSync(process.execPath, [join(ROOT, "scripts/build-web.mjs")], { cwd: ROOT, encoding: "utf8" });
    assert.is(built.status, 0, `build-web failed: ${built.stderr}`);
    url = await serve();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await openPage(url);
  });

  test.after(async () => {
    await browser?.close();
    for (const s of servers) s.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("the page loads cross-origin isolated, titled wasmore, ready to train", async () => {
    assert.is(await page.title(), "wasmore");
    assert.is(await text("h1"), "wasmore");
    assert.ok(await page.evaluate(() => crossOriginIsolated), "COOP/COEP headers make the page cross-origin isolated");
    assert.is(await text("#builtin-count"), "8,422");
    assert.ok(await page.isEnabled("#start"));
  });

  test(`trains ${STEPS} steps: live progress, the loss goes down, samples appear, pause holds, the page stays responsive`, async () => {
    await setTraining({ preset: "bnmlp", steps: STEPS, batch: 32, seed: SEED });
    await page.click("#start");
    await page.click("#pause");
    await page.waitForSelector('body[data-state="paused"]');
    const pausedAt = await text("#stat-step");
    const t0 = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 600))));
    assert.ok(Date.now() - t0 < 3000, "the page answers while the worker is paused");
    assert.is(await text("#stat-step"), pausedAt, "no steps while paused");
    assert.is(await text("#pause"), "Resume");
    await page.click("#pause");
    // responsiveness while training: an animation frame comes quickly
    const frame = await page.evaluate(() => new Promise<number>((r) => { const t = performance.now(); requestAnimationFrame(() => r(performance.now() - t)); }));
    assert.ok(frame < 1000, `animation frame took ${frame} ms during training`);
    await waitForFinish();
    assert.is(await text("#stat-step"), STEPS.toLocaleString("en-US"));
    assert.ok(Number((await text("#stat-speed")).replace(/,/g, "")) > 0, "steps/s shown");
    const chart = await page.$eval("#chart", (c) => ({ ...(c as HTMLElement).dataset, label: c.getAttribute("aria-label") }) as Record<string, string | undefined>);
    assert.ok(Number(chart.points) >= 10, `evaluation points: ${chart.points}`);
    const first = Number(chart.firstVal);
    const last = Number(chart.lastVal);
    assert.ok(last < first - 0.3, `validation loss went down: ${first} → ${last}`);
    assert.ok(last < 2.9, `validation loss after ${STEPS} steps: ${last}`);
    assert.match(chart.label ?? "", /validation loss/);
    const samples = await page.$$eval("#samples li", (lis) => lis.map((li) => li.textContent ?? ""));
    assert.is(samples.length, 24);
    assert.ok(samples.some((s) => /^[a-z]+$/.test(s)), `samples look like names: ${samples.join(" ")}`);
    assert.match(await text("#samples-caption"), `step ${STEPS.toLocaleString("en-US")}`);
    assert.match(await text("#run-info"), new RegExp(`^Done: ${STEPS.toLocaleString("en-US")} steps`));
  });

  test("the checkpoint downloads, is the CLI's file for the same settings, and loads back to sample", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    assert.is(download.suggestedFilename(), `wasmore-bnmlp-step${STEPS}.safetensors`);
    checkpointPath = join(tmp, download.suggestedFilename());
    await download.saveAs(checkpointPath);
    const bytes = new Uint8Array(readFileSync(checkpointPath));
    const { meta } = decodeCheckpoint(bytes, { maxBatch: 1 });
    assert.equal([meta.preset, meta.step, meta.data], ["bnmlp", STEPS, DEFAULT_NAMES_SOURCE]);

    const out = join(tmp, "cli-run");
    const cli = spawnSync(process.execPath, [join(ROOT, "bin/wasmore.js"), "train", "--preset", "bnmlp", "--steps", String(STEPS), "--batch-size", "32", "--seed", String(SEED), "--out", out, "--samples", "0", "--json"], { cwd: ROOT, encoding: "utf8" });
    assert.is(cli.status, 0, cli.stderr);
    assert.ok(Buffer.from(bytes).equals(readFileSync(join(out, "model.safetensors"))), "the browser's checkpoint is byte-identical to the CLI's");

    await page.setInputFiles("#load-file", checkpointPath);
    await page.waitForFunction(() => document.querySelector("#samples-caption")?.textContent?.includes(".safetensors"));
    assert.match(await text("#model-info"), "bnmlp");
    assert.is((await page.$$("#samples li")).length, 24);
    const before = await page.$$eval("#samples li", (lis) => lis.map((li) => li.textContent).join(" "));
    await page.click("#sample");
    await page.waitForFunction((b) => Array.from(document.querySelectorAll("#samples li"), (li) => li.textContent).join(" ") !== b, before);
    await page.screenshot({ path: join(ROOT, "build/web-screenshot.png"), fullPage: true });
  });

  test("bad input shows a readable message and the page keeps working", async () => {
    await page.check('input[name="data"][value="paste"]');
    await page.fill("#paste-text", "  \n\n ");
    await page.click("#start");
    assert.match(await errorMessage(), /pasted list has no names/);
    assert.is(await state(), "finished");
    assert.is(await text("#stat-step"), STEPS.toLocaleString("en-US"), "a failed start keeps the previous run's results");
    assert.is(await page.getAttribute("#download", "aria-disabled"), "false");

    await page.check('input[name="data"][value="file"]');
    await page.click("#start");
    assert.match(await errorMessage(), /choose a text file/i);
    await page.setInputFiles("#data-file", { name: "photo.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) });
    await page.click("#start");
    const binary = await errorMessage();
    assert.match(binary, /photo\.png looks like a binary file/, binary);
    await page.setInputFiles("#data-file", { name: "empty.txt", mimeType: "text/plain", buffer: Buffer.alloc(0) });
    await page.click("#start");
    assert.match(await errorMessage(), /empty\.txt is empty/);

    await page.check('input[name="data"][value="builtin"]');
    await page.fill("#steps", "-3");
    await page.click("#start");
    assert.match(await errorMessage(), /Steps must be a whole number/);

    // checkpoints: not wasmore's, from another model configuration, not safetensors at all
    const foreign = encodeSafetensors([{ name: "fc.weight", dtype: "F32", shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }], { format: "pt" });
    await page.setInputFiles("#load-file", { name: "torch.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from(foreign) });
    assert.match(await errorMessage(), /torch\.safetensors: not a wasmore checkpoint/);
    const file = decodeSafetensors(new Uint8Array(readFileSync(checkpointPath)));
    const config = JSON.parse(file.metadata.config);
    const tensors = [...file.tensors].map(([name, t]) => ({ name, ...t }) as NamedTensor);
    const other = encodeSafetensors(tensors, { ...file.metadata, config: JSON.stringify({ ...config, nHidden: 100 }) });
    await page.setInputFiles("#load-file", { name: "other.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from(other) });
    assert.match(await errorMessage("web-screenshot-error.png"), /other\.safetensors: tensor "\S+" has shape \[[\d,]+\], the config needs \[[\d,]+\]/);
    await page.setInputFiles("#load-file", { name: "notes.safetensors", mimeType: "text/plain", buffer: Buffer.from("hello, world") });
    assert.match(await errorMessage(), /notes\.safetensors: safetensors:/);

    // still usable: a bigram fits and samples
    await page.fill("#steps", "100");
    await setTraining({ preset: "bigram" });
    await page.click("#start");
    await page.waitForFunction(() => document.querySelector("#run-info")?.textContent?.startsWith("Done: 0 steps"));
    assert.is(await state(), "finished");
    assert.is((await page.$$("#samples li")).length, 24);
  });

  test("without COOP/COEP the app still trains (no shared memory needed), and Stop ends a run early", async () => {
    const plain = await serve("--no-isolation");
    const main = page;
    page = await openPage(plain);
    try {
      assert.is(await page.evaluate(() => crossOriginIsolated), false);
      assert.match(await text("#isolation"), /Not cross-origin isolated/);
      await setTraining({ preset: "nbigram", steps: 100_000 });
      await page.click("#start");
      await page.waitForFunction(() => Number(document.querySelector("#stat-step")?.textContent?.replace(/,/g, "")) > 0);
      await page.click("#stop");
      await waitForFinish();
      assert.match(await text("#run-info"), /^Stopped: [\d,]+ steps/);
      assert.ok(Number((await text("#stat-step")).replace(/,/g, "")) < 100_000);
      assert.is(await page.getAttribute("#download", "aria-disabled"), "false", "a stopped run's checkpoint can be downloaded");
    } finally {
      await page.close();
      page = main;
    }
  });

  test("no console errors", () => {
    assert.equal(consoleErrors, []);
  });
}

test.run();
