// Kernel-set choice when nothing is asked for: LOCKSTEP_KERNELS, else native where the addon loads, else WASM with
// one line saying why, once per process.
import { afterEach, describe, expect, it, vi } from 'vitest';

const native = vi.hoisted(() => ({ available: false, reason: 'the native kernel addon is not built (npm run build:native)' }));
vi.mock('../../../src/main/lpu/kernels/native', () => ({
  nativeKernelsStatus: () => ({ ...native, paths: native.available ? ['generic'] : [], cpuFeatures: [] }),
  nativeDefaultPath: () => (native.available ? 'generic' : undefined),
}));
const { defaultKernelSetName } = await import('../../../src/main/lpu/kernels/registry');

afterEach(() => vi.restoreAllMocks());

describe('defaultKernelSetName', () => {
  it('falls back to WASM without the addon and says so in one line, once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    native.available = false;
    expect(await defaultKernelSetName({})).toBe('wasm');
    expect(await defaultKernelSetName({})).toBe('wasm');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe('lockstep: LPU native kernels unavailable (the native kernel addon is not built (npm run build:native)); using the WebAssembly kernels.');
  });

  it('chooses native where it loads, and honours LOCKSTEP_KERNELS', async () => {
    native.available = true;
    expect(await defaultKernelSetName({})).toBe('native');
    expect(await defaultKernelSetName({ LOCKSTEP_KERNELS: 'ts' })).toBe('ts');
    await expect(defaultKernelSetName({ LOCKSTEP_KERNELS: 'cuda' })).rejects.toThrow('LOCKSTEP_KERNELS=cuda is not a kernel set; choose one of native, wasm, ts.');
  });
});
