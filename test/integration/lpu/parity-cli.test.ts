// `lockstep lpu parity`: one JSON document with the report's fields, and clear refusals of bad arguments.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lpu-parity-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function lockstep(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/lockstep.mjs', ...args, '--data-dir', dataDir], { env: { ...process.env, LOCKSTEP_LOG: 'silent', LOCKSTEP_KERNELS: 'wasm' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('lockstep lpu parity', () => {
  it('--random mistral:F32 --exact --json prints {arch, format, positions, top1Agreement, maxAbsLogitError, rmsLogitError, llamaCpp, exact}', async () => {
    const run = await lockstep(['lpu', 'parity', '--random', 'mistral:F32', '--tokens', '6', '--exact', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    // a Mistral GGUF says "llama": llama.cpp has no mistral architecture of that shape
    expect(report).toMatchObject({ arch: 'llama', format: 'F32', positions: 6, tokenizerMatch: true, llamaCpp: expect.stringMatching(/^llama\.cpp \(node-llama-cpp, cpu/) });
    expect(report.top1Agreement).toBe(1);
    expect(report.maxAbsLogitError / report.maxAbsLogit).toBeLessThan(0.005);
    expect(report.rmsLogitError).toBeGreaterThan(0);
    expect(report.clearDisagreements).toBe(0);
    // F32 weights are already the exact computation: the emulator sits on it, llama.cpp where the report put it
    expect(report.exact.maxAbsLogitError).toBe(0);
    expect(report.exact.llamaCpp).toEqual({ maxAbsLogitError: report.maxAbsLogitError, rmsLogitError: report.rmsLogitError, top1Agreement: 1 });
  }, 120_000);

  it('names what it accepts when the arguments are wrong', async () => {
    const unknown = await lockstep(['lpu', 'parity', '--random', 'mamba:Q8_0', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error).toEqual({ code: 'invalid_option', message: 'There is no random model for "mamba"; choose one of llama, mistral, qwen2, qwen3, gemma2, gemma3, phi3.' });
    const both = await lockstep(['lpu', 'parity', 'x.gguf', '--random', 'qwen3:F32', '--json']);
    expect(JSON.parse(both.stdout).error.message).toBe('Give either a GGUF file or --random <arch>:<format>, not both and not neither.');
  }, 60_000);
});
