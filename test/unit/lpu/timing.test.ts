import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { predict } from '../../../src/main/lpu/timing/predict';
import { predictDeployment, PUBLISHED_HARDWARE } from '../../../src/main/lpu/timing/deployment';
import { fidelityReport } from '../../../src/main/lpu/timing/fidelity';
import { TIMING_PRESETS, type DeploymentPreset } from '../../../src/main/lpu/timing/presets';
import { C2C_HOP_LATENCY_US, CLOCK_HZ } from '../../../src/main/lpu/compiler/cost-model';

// docs/lpu-fidelity.md: the deployment model of Groq's systems, one knob (α) fitted on Llama-2-70B over 576 chips.
const SMOL: DeploymentPreset = {
  architecture: 'llama', name: 'SmolLM2-135M', dim: 576, hiddenDim: 1536, nLayers: 30, nHeads: 9, nKvHeads: 3, headDim: 64,
  vocabSize: 49152, contextLength: 8192, ropeTheta: 100000, rmsEps: 1e-5, tiedEmbeddings: true, qkvBias: false, servedContext: 2048,
};
const total = (b: { weights: number; vector: number; c2c: number }) => b.weights + b.vector + b.c2c;

describe('deployment model invariants', () => {
  it('more chips never give fewer tok/s while compute dominates; a drop comes only once C2C is most of the token', () => {
    let previous: ReturnType<typeof predictDeployment> | undefined;
    for (const chips of [1, 2, 4, 8, 16, 32, 64]) {
      const r = predictDeployment(SMOL, { chips });
      if (previous) {
        expect(r.breakdown.weights + r.breakdown.vector).toBeLessThanOrEqual(previous.breakdown.weights + previous.breakdown.vector);
        if (r.decode_tok_s < previous.decode_tok_s) expect(r.breakdown.c2c / r.cyclesPerDecodeToken).toBeGreaterThan(0.5);
      }
      previous = r;
    }
    // With free exchanges only compute is left, and splitting it over more chips of a node never slows a token.
    const free = [1, 2, 4, 8].map((chips) => predictDeployment(SMOL, { chips, hardware: { exchangeSeconds: 0 } }).decode_tok_s);
    for (let i = 1; i < free.length; i++) expect(free[i]!).toBeGreaterThan(free[i - 1]!);
    // At the fitted α a 135M model is exchange-bound from two chips on: one chip is fastest.
    const one = predictDeployment(SMOL, { chips: 1 }), eight = predictDeployment(SMOL, { chips: 8 });
    expect(one.breakdown.c2c).toBe(0);
    expect(eight.breakdown.c2c / eight.cyclesPerDecodeToken).toBeGreaterThan(0.5);
  });

  it('the time of a token is the sum of its terms; faster links or a cheaper exchange never slow it down', () => {
    const base = predictDeployment(TIMING_PRESETS['llama-3-8b']!);
    expect(total(base.breakdown)).toBe(base.cyclesPerDecodeToken);
    expect(base.decode_tok_s).toBeCloseTo(CLOCK_HZ / base.cyclesPerDecodeToken, 6);
    const wide = predictDeployment(TIMING_PRESETS['llama-3-8b']!, { hardware: { linkBytesPerSecond: 4 * PUBLISHED_HARDWARE.linkBytesPerSecond } });
    const cheap = predictDeployment(TIMING_PRESETS['llama-3-8b']!, { hardware: { exchangeSeconds: PUBLISHED_HARDWARE.exchangeSeconds / 2 } });
    expect(wide.decode_tok_s).toBeGreaterThan(base.decode_tok_s);
    expect(cheap.decode_tok_s).toBeGreaterThan(base.decode_tok_s);
    expect(wide.breakdown.weights).toBe(base.breakdown.weights);
  });

  it('weights and the served context stay resident: more SRAM never needs more chips, and every chip holds its share', () => {
    const sizes = [110, 220, 440].map((mib) => predictDeployment(TIMING_PRESETS['llama-3.1-8b']!, { hardware: { sramBytesPerChip: mib * 2 ** 20 } }));
    expect(sizes[0]!.chipsNeeded).toBeGreaterThan(sizes[1]!.chipsNeeded);
    expect(sizes[1]!.chipsNeeded).toBeGreaterThan(sizes[2]!.chipsNeeded);
    for (const [i, r] of sizes.entries()) {
      const sram = [110, 220, 440][i]! * 2 ** 20;
      expect(r.residentBytes.maxPerChip).toBeLessThanOrEqual(sram);
      expect(r.chipsNeeded * sram).toBeGreaterThanOrEqual(r.residentBytes.weights + r.residentBytes.kv);
    }
    // The 128k-context endpoint keeps ~17 GB of KV cache on chip, the 8k one ~1 GB: more chips for the same weights.
    expect(predictDeployment(TIMING_PRESETS['llama-3.1-8b']!).chipsNeeded).toBeGreaterThan(predictDeployment(TIMING_PRESETS['llama-3-8b']!).chipsNeeded);
  });

  it('a deployment that does not fit or does not fill nodes is refused with a reason', () => {
    expect(() => predictDeployment(TIMING_PRESETS['llama-2-70b']!, { chips: 64 })).toThrow(/Llama-2-70B needs at least \d+ chips of 220 MiB/);
    expect(() => predictDeployment(SMOL, { chips: 12 })).toThrow('12 chips do not fill whole nodes of 8; use up to 8 chips or a multiple of 8.');
    expect(() => predict('gpt-4')).toThrow(/^Unknown preset "gpt-4"; choose one of llama-2-7b, llama-2-70b/);
  });

  it('TTFT grows with the prompt, by less than one whole pass per extra chunk when stages pipeline', () => {
    const short = predict('llama-3.3-70b', { promptTokens: 32 });
    const long = predict('llama-3.3-70b', { promptTokens: 32 * 9 });
    expect(long.ttft_ms).toBeGreaterThan(short.ttft_ms);
    expect(long.ttft_ms).toBeLessThan(short.ttft_ms * 9);
  });

  it('mixture of experts pays for the active experts, not all of them', () => {
    const moe = TIMING_PRESETS['mixtral-8x7b']!;
    const allActive = predictDeployment({ ...moe, experts: { count: 8, active: 8 } }, { chips: 256 });
    const dense8 = predictDeployment({ ...moe, experts: undefined, hiddenDim: moe.hiddenDim * 8 }, { chips: 256 });
    const r = predictDeployment(moe, { chips: 256 });
    expect(Math.abs(r.residentBytes.weights / dense8.residentBytes.weights - 1)).toBeLessThan(1e-3); // the router is all that differs
    expect(r.breakdown.weights).toBeLessThan(dense8.breakdown.weights);
    expect(allActive.residentBytes.weights).toBe(r.residentBytes.weights);
  });
});

describe('fidelity against published figures', () => {
  it('the shipped knob is the one fitted on the calibration point, which it reproduces', () => {
    const fitted = fidelityReport();
    expect(fitted.knob.calibratedOn).toBe('llama-2-70b');
    expect(Math.abs(fitted.knob.value - C2C_HOP_LATENCY_US) / C2C_HOP_LATENCY_US).toBeLessThan(0.005);
    const shipped = fidelityReport(C2C_HOP_LATENCY_US);
    const calibration = shipped.points.find((p) => !p.heldOut)!;
    expect(Math.abs(calibration.error)).toBeLessThan(0.01);
    expect(shipped.points.filter((p) => p.heldOut).length).toBeGreaterThanOrEqual(5);
    // Every held-out point is reported with its dominant term, whether it meets the ±15% target or not.
    for (const p of shipped.points) expect(['weights', 'vector', 'c2c']).toContain(p.dominantTerm);
  });

  it('npm run bench:fidelity -- --json prints {knob, points} with signed fractional errors', () => {
    const script = path.resolve(__dirname, '../../bench/fidelity.bench.ts');
    const out = spawnSync(process.execPath, ['--import', 'tsx', script, '--json'], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as { knob: { value: number }; points: Record<string, unknown>[] };
    expect(report.knob.value).toBeGreaterThan(0);
    expect(report.points.length).toBeGreaterThanOrEqual(5);
    for (const p of report.points) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['model', 'chips', 'metric', 'published', 'predicted', 'error', 'heldOut', 'source']));
      expect(p.error).toBeCloseTo((p.predicted as number) / (p.published as number) - 1, 2);
      expect(typeof p.heldOut).toBe('boolean');
    }
    expect(report.points.filter((p) => !p.heldOut)).toHaveLength(1);
  });
});
