// `npx tsx test/bench/lpu-kernel-profile.ts --gemm all|Q4_K|Q6_K [--reps 60]`: the K-quant prefill matmuls at the sizes a prefill
// chunk calls them with (M = 32 rows; K and the output rows of one emulated chip's cut at the Llama-3.2-1B and
// Qwen2.5-1.5B shapes), one thread, weights rotated through ~96 MB so they come from DRAM as in a model. `gemm` is one
// call of all 32 rows (the 16-lane GEMM on AVX-512, the 8-lane one on AVX2 and AVX-VNNI), `tiles` the same rows as
// calls of as many rows as the path's tile holds (4 on AVX-512, 2 below: fewer than half a GEMM group), alternated
// call by call; GOPS on the process's CPU time, so a loaded machine still gives the kernels' own rates, and
// `speedup` = tiles time ÷ gemm time. LOCKSTEP_NATIVE_ISA=avx2 profiles the AVX2 path.
import { randomFillSync } from 'node:crypto';
import { createNativeKernels } from '../../src/main/lpu/kernels/native';
import { createWasmKernels } from '../../src/main/lpu/kernels/wasm';
import { Q8K_BLOCK_BYTES, QK_K, type ArenaMemory } from '../../src/main/lpu/kernels/abi';

const SHAPES = [
  { what: 'llama3.2-1b q/gate/up cut', format: 'Q4_K', K: 2048, N: 464 },
  { what: 'llama3.2-1b ffn down cut', format: 'Q6_K', K: 8192, N: 1094 },
  { what: 'qwen2.5-1.5b q/gate/up cut', format: 'Q4_K', K: 1536, N: 461 },
  { what: 'qwen2.5-1.5b ffn down cut', format: 'Q6_K', K: 8960, N: 763 },
] as const;
const BLOCK = { Q4_K: { bytes: 144, halves: [0, 2] }, Q6_K: { bytes: 210, halves: [208] } } as const;
const M = 32, ROTATION_BYTES = 96 << 20;

export function runGemmProfile(options: Map<string, string>): void {
  const reps = Number(options.get('reps') ?? 60);
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => ArenaMemory } }).WebAssembly;
  const memory = new wasm.Memory({ initial: 2048, maximum: 2048, shared: true }); // 128 MB
  const u8 = new Uint8Array(memory.buffer), f32 = new Float32Array(memory.buffer);
  const k = createNativeKernels(memory, createWasmKernels(memory, 'simd'));
  const tileRows = k.name.includes('avx512') ? 4 : 2, results = [];
  const only = options.get('gemm');
  for (const { what, format, K, N } of SHAPES.filter((s) => !only || only === 'all' || only.split(',').includes(s.format))) {
    const { bytes, halves } = BLOCK[format];
    const sliceBytes = (K / QK_K) * bytes * N, copies = Math.max(2, Math.floor(ROTATION_BYTES / sliceBytes));
    const yRow = (K / QK_K) * Q8K_BLOCK_BYTES, x = 64, y = x + M * K * 4, out = y + M * yRow, w = out + M * N * 4;
    randomFillSync(u8, w, copies * sliceBytes);
    for (let b = 0; b < (copies * sliceBytes) / bytes; b++) // binary16 scales of exponent 1 (±2^-14…): no inf or NaN
      for (const h of halves) u8[w + b * bytes + h + 1] = 0x04 | (u8[w + b * bytes + h + 1]! & 0x83);
    for (let i = 0; i < M * K; i++) f32[(x >> 2) + i] = Math.sin(i * 0.37) * 2;
    k.quantizeRowsQ8K(y, x, M, K);
    const matmul = (format === 'Q4_K' ? k.matmulQ4K : k.matmulQ6K).bind(k);
    const time = { gemm: 0, tiles: 0 };
    for (let rep = 0; rep < reps + 3; rep++) {
      const at = w + (rep % copies) * sliceBytes;
      for (const mode of ['gemm', 'tiles'] as const) {
        const started = process.cpuUsage();
        if (mode === 'gemm') matmul(out, y, at, M, K, N, 0, N);
        else for (let m = 0; m < M; m += tileRows) matmul(out + m * N * 4, y + m * yRow, at, tileRows, K, N, 0, N);
        const used = process.cpuUsage(started);
        if (rep >= 3) time[mode] += used.user + used.system; // the first calls warm scratch and code
      }
    }
    const gops = (us: number) => Math.round((2 * M * K * N * reps) / us / 100) / 10;
    results.push({ what, format, M, K, N, gemm_gops_cpu: gops(time.gemm), tiles_gops_cpu: gops(time.tiles), speedup: Math.round((time.tiles / time.gemm) * 100) / 100 });
  }
  console.log(JSON.stringify({ kernels: k.name, reps, tile_rows: tileRows, shapes: results }));
}
