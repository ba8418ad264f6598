import { describe, expect, it } from 'vitest';
import { createArena, MAX_ARENA_BYTES } from '../../../src/main/lpu/runtime/arena';
import { AppError } from '../../../src/shared/errors';

function refusal(run: () => unknown): AppError {
  try { run(); } catch (e) { return e as AppError; }
  throw new Error('expected a refusal');
}

describe('the arena refuses a model that cannot fit, before allocating', () => {
  it('names the size it needs and the memory that is free', () => {
    const e = refusal(() => createArena(3 * 2 ** 30, 2 ** 30));
    expect(e).toBeInstanceOf(AppError);
    expect(e.code).toBe('model_too_large');
    expect(e.message).toBe('This model needs 3.00 GiB of memory for its weights and caches, but only 1.00 GiB is free. Close other programs, or choose a smaller model or a shorter context.');
  });

  it('names WebAssembly\'s 4 GiB ceiling for a bigger program', () => {
    const e = refusal(() => createArena(MAX_ARENA_BYTES + 2 ** 30, Number.MAX_SAFE_INTEGER));
    expect(e.message).toBe('This model needs 5.00 GiB of emulator memory for its weights and caches; the LPU emulator holds at most 4.00 GiB. Choose a smaller model, a smaller quantisation or a shorter context.');
  });

  it('allocates a shared memory when it fits', () => {
    const arena = createArena(100_000, 2 ** 30);
    expect(arena.buffer.byteLength).toBe(131072);
  });
});
