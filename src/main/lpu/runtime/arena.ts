import os from 'node:os';
import { AppError } from '../../../shared/errors';
import type { ArenaMemory } from '../kernels/abi';

const PAGE = 65536;
/** WebAssembly.Memory's ceiling: 65536 pages of 64 KiB. */
export const MAX_ARENA_BYTES = 65536 * PAGE;

/** Memory this process may still use: the cgroup-aware figure where Node has it, else the system's free memory. */
export function availableMemoryBytes(): number {
  const fromProcess = (process as unknown as { availableMemory?: () => number }).availableMemory?.();
  return fromProcess && fromProcess > 0 ? fromProcess : os.freemem();
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/**
 * The arena: one shared WebAssembly.Memory sized once for the program, so WASM kernels and workers use it in place.
 * Refuses, before allocating, a model that cannot fit: above WebAssembly's 4 GiB or above the memory that is free.
 */
export function createArena(bytes: number, availableBytes = availableMemoryBytes()): ArenaMemory {
  if (bytes > MAX_ARENA_BYTES) {
    throw new AppError('model_too_large', `This model needs ${gib(bytes)} of emulator memory for its weights and caches; the LPU emulator holds at most ${gib(MAX_ARENA_BYTES)}. Choose a smaller model, a smaller quantisation or a shorter context.`);
  }
  if (bytes > availableBytes) {
    throw new AppError('model_too_large', `This model needs ${gib(bytes)} of memory for its weights and caches, but only ${gib(availableBytes)} is free. Close other programs, or choose a smaller model or a shorter context.`);
  }
  const pages = Math.ceil(bytes / PAGE);
  const Memory = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => ArenaMemory } }).WebAssembly.Memory;
  try {
    return new Memory({ initial: pages, maximum: pages, shared: true });
  } catch (cause) {
    throw new AppError('model_too_large', `The system refused the ${gib(bytes)} this model needs for its weights and caches. Close other programs, or choose a smaller model or a shorter context.`, cause);
  }
}
