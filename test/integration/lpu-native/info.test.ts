// `lockstep info` reports the LPU kernels that run by default and the CPU features the native kernels detected.
import { expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeKernelsStatus } from '../../../src/main/lpu/kernels/native';
import { wasmVariant } from '../../../src/main/lpu/kernels/wasm';

function info(env: NodeJS.ProcessEnv) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lpu-info-'));
  try {
    const out = execFileSync(process.execPath, ['bin/lockstep.mjs', 'info', '--json', '--data-dir', dataDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    return JSON.parse(out) as { lpu: { kernels: string; cpuFeatures: string[]; nativePaths: string[] } };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

it('lockstep info --json names the default kernels, the native paths and the CPU features', () => {
  const status = nativeKernelsStatus();
  expect(status.available).toBe(true);
  const { lpu } = info({ LOCKSTEP_KERNELS: '', LOCKSTEP_NATIVE_ISA: '' });
  expect(lpu).toEqual({ kernels: `native ${status.paths[0]}`, cpuFeatures: status.cpuFeatures, nativePaths: status.paths });
  expect(info({ LOCKSTEP_NATIVE_ISA: 'generic' }).lpu.kernels).toBe('native generic');
  expect(info({ LOCKSTEP_KERNELS: 'wasm' }).lpu.kernels).toBe(`wasm ${wasmVariant()}`);
}, 60_000);
