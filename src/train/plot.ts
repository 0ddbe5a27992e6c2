// Loss curves as a standalone SVG: training loss (mean over each evaluation interval) and
// validation loss against the step, with labelled axes. No dependencies; used by the CLI and the web app.
export interface CurvePoint {
  step: number;
  trainLoss: number;
  valLoss: number;
}

const W = 720;
const H = 400;
const M = { left: 60, right: 20, top: 36, bottom: 44 };

function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function lossCurveSvg(points: CurvePoint[], title: string): string {
  const finite = points.filter((p) => Number.isFinite(p.trainLoss) && Number.isFinite(p.valLoss));
  const steps = finite.map((p) => p.step);
  const losses = finite.flatMap((p) => [p.trainLoss, p.valLoss]);
  const x0 = 0;
  const x1 = Math.max(1, ...steps);
  const y0 = losses.length ? Math.min(...losses) : 0;
  const y1 = losses.length ? Math.max(...losses) : 1;
  const pad = (y1 - y0) * 0.05 || 0.1;
  const [lo, hi] = [y0 - pad, y1 + pad];
  const px = (s: number) => M.left + ((s - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (v: number) => M.top + (1 - (v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  const line = (key: "trainLoss" | "valLoss") => finite.map((p, i) => `${i ? "L" : "M"}${px(p.step).toFixed(1)},${py(p[key]).toFixed(1)}`).join("");
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escape(title)}</text>`,
  ];
  for (const v of ticks(lo, hi, 6))
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#e5e7eb"/>`,
      `<text x="${M.left - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end" fill="#374151">${v}</text>`,
    );
  for (const s of ticks(x0, x1, 8))
    parts.push(`<text x="${px(s).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" fill="#374151">${s >= 1000 ? `${s / 1000}k` : s}</text>`);
  parts.push(
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#9ca3af"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#9ca3af"/>`,
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle" fill="#374151">step</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" fill="#374151" transform="rotate(-90 16 ${H / 2})">cross-entropy loss</text>`,
    `<path d="${line("trainLoss")}" fill="none" stroke="#2563eb" stroke-width="2"/>`,
    `<path d="${line("valLoss")}" fill="none" stroke="#ea580c" stroke-width="2"/>`,
    `<rect x="${W - M.right - 130}" y="${M.top + 6}" width="124" height="44" fill="#fff" stroke="#e5e7eb"/>`,
    `<line x1="${W - M.right - 120}" x2="${W - M.right - 96}" y1="${M.top + 20}" y2="${M.top + 20}" stroke="#2563eb" stroke-width="2"/>`,
    `<text x="${W - M.right - 90}" y="${M.top + 24}">train</text>`,
    `<line x1="${W - M.right - 120}" x2="${W - M.right - 96}" y1="${M.top + 38}" y2="${M.top + 38}" stroke="#ea580c" stroke-width="2"/>`,
    `<text x="${W - M.right - 90}" y="${M.top + 42}">validation</text>`,
    `</svg>`,
  );
  return parts.join("\n");
}
