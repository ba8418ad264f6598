import type { ArenaMemory } from '../kernels/abi';

const PAGE = 65536;

/** The arena: one shared WebAssembly.Memory sized once for the program, so WASM kernels and workers use it in place. */
export function createArena(bytes: number): ArenaMemory {
  const pages = Math.ceil(bytes / PAGE);
  const Memory = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => ArenaMemory } }).WebAssembly.Memory;
  return new Memory({ initial: pages, maximum: pages, shared: true });
}
