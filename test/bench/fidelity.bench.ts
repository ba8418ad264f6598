// npm run bench:fidelity — the LPU deployment model (src/main/lpu/timing/deployment.ts) against Groq's published
// per-user decode speeds: the one knob (α, µs per synchronised C2C exchange) is fitted on the calibration point,
// every other point is held out. `-- --json` prints {knob, points}; `-- --update-docs` rewrites the table in
// docs/lpu-fidelity.md between its fidelity markers. No timing of this machine is involved: it is pure arithmetic.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fidelityReport, type FidelityReport } from '../../src/main/lpu/timing/fidelity';
import { C2C_HOP_LATENCY_US } from '../../src/main/lpu/compiler/cost-model';

const here = path.dirname(fileURLToPath(import.meta.url));
const DOC = path.resolve(here, '../../docs/lpu-fidelity.md');
const BEGIN = '<!-- fidelity:begin (npm run bench:fidelity -- --update-docs) -->';
const END = '<!-- fidelity:end -->';

const percent = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`;
const TERM: Record<string, string> = { c2c: 'C2C exchanges (α)', weights: 'weight installs', vector: 'vector work' };

/** The validation table as Markdown: one row per published point, misses named by their dominant term. */
export function fidelityMarkdown(r: FidelityReport): string {
  const lines = [
    `Knob: α = **${r.knob.value.toFixed(2)} µs** per synchronised C2C exchange, fitted on ${r.knob.calibratedOn} (${r.knob.published} tok/s). Target: |error| ≤ ${r.target * 100}% on held-out points.`,
    '',
    '| model | chips | metric | published | predicted | error | role | dominant term of the prediction | source |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const p of r.points) {
    const role = !p.heldOut ? 'calibration' : Math.abs(p.error) <= r.target ? 'held out, within target' : '**held out, miss**';
    lines.push(`| ${p.model} | ${p.chips} | ${p.metric} | ${p.published} | ${p.predicted.toFixed(0)} | ${percent(p.error)} | ${role} | ` +
      `${TERM[p.dominantTerm]} ${(p.dominantShare * 100).toFixed(0)}% | [${p.source}](${p.url}) |`);
  }
  return lines.join('\n');
}

const report = fidelityReport();
const args = process.argv.slice(2);
if (args.includes('--json')) {
  const { knob, points } = report;
  process.stdout.write(JSON.stringify({
    knob: { ...knob, shipped: C2C_HOP_LATENCY_US },
    points: points.map((p) => ({ model: p.model, chips: p.chips, metric: p.metric, published: p.published, predicted: Math.round(p.predicted * 10) / 10,
      error: Math.round(p.error * 1000) / 1000, heldOut: p.heldOut, source: `${p.source} <${p.url}>`, dominantTerm: p.dominantTerm })),
  }) + '\n');
} else {
  const table = fidelityMarkdown(report);
  if (args.includes('--update-docs')) {
    const doc = readFileSync(DOC, 'utf8');
    const at = doc.indexOf(BEGIN), end = doc.indexOf(END);
    if (at < 0 || end < at) throw new Error(`${DOC} has no ${BEGIN} … ${END} markers`);
    writeFileSync(DOC, `${doc.slice(0, at + BEGIN.length)}\n${table}\n${doc.slice(end)}`);
  }
  process.stdout.write(table + '\n');
}
