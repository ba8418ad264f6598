// The native kernels' C check (src/main/lpu/kernels/native/test/check.c) on this machine's paths, and on arm64's
// NEON dot-product and i8mm paths cross-compiled with Debian's aarch64 gcc and run under qemu-user (-cpu max has
// both extensions). The arm64 half runs only where aarch64-linux-gnu-gcc and qemu-aarch64 are installed.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const native = path.resolve('src/main/lpu/kernels/native');
const sources = ['src/cpu.c', 'src/scalar.c', 'src/blocks.c', 'src/generic.c', 'src/x86_avx2.c', 'src/x86_avx512.c', 'src/arm_neon.c', 'test/check.c'].map((f) => path.join(native, f));
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

function buildAndRun(compiler: string, runner: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-native-check-'));
  try {
    const exe = path.join(dir, 'check');
    const cc = spawnSync(compiler, ['-O2', '-std=gnu11', '-ffp-contract=off', '-Wall', '-Wno-psabi', '-static', '-o', exe, ...sources, '-lm'], { encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    const run = spawnSync(runner[0] ?? exe, [...runner.slice(1), ...(runner.length ? [exe] : [])], { encoding: 'utf8' });
    expect(run.status, run.stdout).toBe(0);
    return run.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('native kernel C check', () => {
  it.runIf(process.arch === 'x64' && has('gcc'))('passes on every x86 path this CPU runs', () => {
    expect(buildAndRun('gcc', [])).toMatch(/^ok generic\n/);
  }, 120_000);

  it.runIf(has('aarch64-linux-gnu-gcc') && has('qemu-aarch64'))('passes on arm64 NEON dotprod and i8mm under qemu-user', () => {
    expect(buildAndRun('aarch64-linux-gnu-gcc', ['qemu-aarch64', '-cpu', 'max'])).toBe('ok generic\nok neon-dotprod\nok neon-i8mm\n');
  }, 120_000);
});
