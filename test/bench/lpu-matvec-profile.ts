// `npx tsx test/bench/lpu-kernel-profile.ts --matvec all|Q4_K,Q6_K,…  [--threads 1,2] [--isa avx2]`: decode's
// one-row matvec of each weight format at the Llama-3.2-1B shapes (N×K = 2048×2048 attention, 8192×2048 gate/up,
// 2048×8192 down, 128256×2048 output head), on 1 and 2 threads, in GB/s of weights read, against the memory
// bandwidth a plain read loop gets in the same run (stream_gbs). Weights rotate through copies spanning 192 MB so
// every call reads DRAM, as decode does (the model is far larger than L3). Each thread times its own call, so
// `gbs` is the kernel's rate (median call; `gbs_best` the fastest, for a loaded machine) and `gbs_wall` adds the
// worker wake-up a runtime barrier costs.
import { randomFillSync } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { nativeAddonFile, nativeDefaultPath, nativeKernelsStatus, type NativeAddon } from '../../src/main/lpu/kernels/native';
import { createRequire } from 'node:module';

interface Format { name: string; method: keyof NativeAddon; blockElems: number; blockBytes: number; halves: number[] }
const FORMATS: Format[] = [
  { name: 'Q4_0', method: 'matmulQ4_0', blockElems: 32, blockBytes: 18, halves: [0] },
  { name: 'Q4_K', method: 'matmulQ4K', blockElems: 256, blockBytes: 144, halves: [0, 2] },
  { name: 'Q5_K', method: 'matmulQ5K', blockElems: 256, blockBytes: 176, halves: [0, 2] },
  { name: 'Q6_K', method: 'matmulQ6K', blockElems: 256, blockBytes: 210, halves: [208] },
  // Q8_0 as the arena holds it: int8 weights, then one binary16 scale per 32 in a table of its own
  { name: 'Q8_0', method: 'matmulQ8', blockElems: 32, blockBytes: 34, halves: [] },
];
const SHAPES: { what: string; N: number; K: number }[] = [
  { what: 'attention q/o', N: 2048, K: 2048 },
  { what: 'ffn gate/up', N: 8192, K: 2048 },
  { what: 'ffn down', N: 2048, K: 8192 },
  { what: 'output head', N: 128256, K: 2048 },
];
const ROTATION_BYTES = 192 << 20, ARENA_BYTES = 320 << 20, SLICE_ROWS = 8192;
const METHODS: (keyof NativeAddon)[] = ['streamRead', ...FORMATS.map((f) => f.method)];

// Each worker binds the arena on its own thread and runs its slice of the job main publishes, timing the call.
const WORKER = `
const { workerData } = require('node:worker_threads');
const addon = require(workerData.file);
const h = addon.open(new Uint8Array(workerData.arena), workerData.isa);
const ctl = new Int32Array(workerData.ctl), args = new Float64Array(workerData.args), times = new Float64Array(workerData.times);
const methods = workerData.methods, me = workerData.index;
let gen = 0;
for (;;) {
  Atomics.wait(ctl, 0, gen);
  gen = Atomics.load(ctl, 0);
  if (ctl[1] < 0) break;
  const a = Array.from(args.subarray(me * 16, me * 16 + ctl[2]));
  const t = performance.now();
  addon[methods[ctl[1]]](h, ...a);
  times[me] = performance.now() - t;
  Atomics.add(ctl, 3, 1);
  Atomics.notify(ctl, 3);
}`;

class Team {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(16));
  private readonly args = new Float64Array(new SharedArrayBuffer(8 * 16 * 8));
  readonly times = new Float64Array(new SharedArrayBuffer(8 * 8));
  private readonly workers: Worker[];
  constructor(readonly size: number, file: string, arena: SharedArrayBuffer, isa: string) {
    this.workers = Array.from({ length: size }, (_, index) => new Worker(WORKER, { eval: true, workerData: {
      file, arena, isa, index, methods: METHODS, ctl: this.ctl.buffer, args: this.args.buffer, times: this.times.buffer,
    } }));
  }
  /** Runs method with each worker's own arguments; returns [wall ms, slowest worker's kernel ms]. */
  run(method: keyof NativeAddon, perWorker: number[][]): [number, number] {
    perWorker.forEach((a, w) => this.args.set(a, w * 16));
    Atomics.store(this.ctl, 1, METHODS.indexOf(method));
    Atomics.store(this.ctl, 2, perWorker[0]!.length);
    Atomics.store(this.ctl, 3, 0);
    const t = performance.now();
    Atomics.add(this.ctl, 0, 1);
    Atomics.notify(this.ctl, 0);
    for (let done = 0; (done = Atomics.load(this.ctl, 3)) < this.size;) Atomics.wait(this.ctl, 3, done);
    return [performance.now() - t, Math.max(...this.times.subarray(0, this.size))];
  }
  async close() {
    Atomics.store(this.ctl, 1, -1);
    Atomics.add(this.ctl, 0, 1);
    Atomics.notify(this.ctl, 0);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Weights, activations and output for one format × shape at the start of the arena; returns each call's arguments. */
function lay(u8: Uint8Array, f: Format, N: number, K: number): { bytes: number; copies: number; call: (copy: number, n0: number, n1: number) => number[] } {
  const rowBytes = (K / f.blockElems) * f.blockBytes, bytes = N * rowBytes;
  const copies = Math.max(1, Math.floor(ROTATION_BYTES / bytes)); // one copy of a matrix this large is 3x L3 already
  const view = new DataView(u8.buffer);
  const half = 0x1c00; // 2^-8: a normal binary16 scale (random bytes could be subnormal, and slow the float steps)
  let top = 64;
  const alloc = (n: number) => { const at = top; top = (top + n + 63) & ~63; return at; };
  const out = alloc(N * 4);
  let act: number[];
  if (f.name === 'Q4_0' || f.name === 'Q8_0') {
    const xq = alloc(K), xs = alloc(K / 8);
    for (let g = 0; g < K / 32; g++) view.setFloat32(xs + 4 * g, 0.01, true);
    act = [xq, xs];
  } else {
    const y = alloc((K / 256) * 292);
    for (let b = 0; b < K / 256; b++) view.setFloat32(y + b * 292, 0.01, true);
    act = [y];
  }
  const w0 = alloc(0);
  const stride = f.name === 'Q8_0' ? N * K + (N * K) / 16 : bytes;
  if (64 + stride * copies + 4096 > u8.length) throw new Error(`arena too small for ${f.name} ${N}×${K}`);
  for (let c = 0; c < copies; c++) {
    const at = w0 + c * stride;
    if (f.name === 'Q8_0') for (let i = 0; i < (N * K) / 32; i++) view.setUint16(at + N * K + 2 * i, half, true);
    else for (let b = 0; b < bytes / f.blockBytes; b++) for (const h of f.halves) view.setUint16(at + b * f.blockBytes + h, half, true);
  }
  const call = (copy: number, n0: number, n1: number) => {
    const w = w0 + copy * stride;
    if (f.name === 'Q8_0') return [out, act[0]!, act[1]!, w, w + N * K, 1, K, N, n0, n1];
    if (f.name === 'Q4_0') return [out, act[0]!, act[1]!, w, 1, K, N, n0, n1];
    return [out, act[0]!, w, 1, K, N, n0, n1];
  };
  return { bytes: f.name === 'Q8_0' ? stride : bytes, copies, call };
}

export async function runMatvecProfile(options: Map<string, string>): Promise<void> {
  const status = nativeKernelsStatus(), file = nativeAddonFile();
  if (!status.available || !file) throw new Error(`native kernels missing: ${status.reason}; run npm run build:native`);
  const isa = options.get('isa') || nativeDefaultPath()!;
  const wanted = options.get('matvec') ?? 'all';
  const formats = wanted === 'all' ? FORMATS : wanted.split(',').map((name) => {
    const f = FORMATS.find((x) => x.name === name);
    if (!f) throw new Error(`--matvec takes all or formats among ${FORMATS.map((x) => x.name).join(', ')}, not ${name}`);
    return f;
  });
  const threadCounts = (options.get('threads') ?? '1,2').split(',').map(Number);
  const arena = new SharedArrayBuffer(ARENA_BYTES);
  const u8 = new Uint8Array(arena);
  for (let at = 0; at < u8.length; at += 1 << 26) randomFillSync(u8.subarray(at, Math.min(u8.length, at + (1 << 26))));
  const addon = createRequire(import.meta.url)(file) as NativeAddon;
  const h = addon.open(u8, isa);
  // What one call costs before any arithmetic: an empty row range returns after the argument checks.
  const callNs = (() => {
    const reps = 200_000, t = performance.now();
    for (let i = 0; i < reps; i++) addon.matmulQ4K(h, 64, 128, 4096, 1, 2048, 2048, 0, 0);
    return round(((performance.now() - t) * 1e6) / reps, 0);
  })();
  const loadBefore = os.loadavg()[0]!;
  const streamGbs: Record<number, number> = {};
  const rows: object[] = [];
  for (const threads of threadCounts) {
    const team = new Team(threads, file, arena, isa);
    try {
      // the read loop over the rotation span in 4 MB slices per thread: the median slice is robust to preemption
      const slice = 4 << 20, steps = Math.floor(ROTATION_BYTES / (slice * threads)), times: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        for (let i = 0; i < steps; i++) times.push(team.run('streamRead', Array.from({ length: threads }, (_, w) => [64 + (i * threads + w) * slice, slice]))[1]);
      }
      streamGbs[threads] = round((slice * threads) / (median(times.slice(steps)) / 1000) / 1e9, 1);
      for (const f of formats) {
        for (const { what, N, K } of SHAPES) {
          const { bytes, copies, call } = lay(u8, f, N, K);
          const reps = Math.min(400, Math.max(12, Math.ceil((3 << 30) / bytes)));
          // a matrix taller than SLICE_ROWS (the output head) runs as consecutive row slices, each timed on its own, so
          // one preemption on a loaded machine spoils a slice's sample, not the whole matrix's
          const slices = Math.ceil(N / SLICE_ROWS);
          const kernel: number[][] = Array.from({ length: slices }, () => []), wall: number[][] = Array.from({ length: slices }, () => []);
          for (let rep = 0; rep < reps + 2; rep++) {
            for (let s = 0; s < slices; s++) {
              const r0 = s * SLICE_ROWS, r1 = Math.min(N, r0 + SLICE_ROWS);
              const per = Math.ceil((r1 - r0) / threads / 4) * 4; // worker shares on 4-row tiles, as the runtime splits
              const [w, k] = team.run(f.method, Array.from({ length: threads }, (_, t) => call(rep % copies, Math.min(r1, r0 + t * per), Math.min(r1, r0 + (t + 1) * per))));
              if (rep >= 2) { kernel[s]!.push(k); wall[s]!.push(w); }
            }
          }
          const total = (per: number[][], pick: (xs: number[]) => number) => per.reduce((sum, xs) => sum + pick(xs), 0);
          const ms = total(kernel, median), gbs = bytes / (ms / 1000) / 1e9;
          rows.push({
            format: f.name, what, N, K, threads, mb: round(bytes / 2 ** 20, 1), ms: round(ms, 3),
            gbs: round(gbs, 1), gbs_best: round(bytes / (total(kernel, (xs) => Math.min(...xs)) / 1000) / 1e9, 1), gbs_wall: round(bytes / (total(wall, median) / 1000) / 1e9, 1), of_stream: round(gbs / streamGbs[threads]!),
          });
        }
      }
    } finally {
      await team.close();
    }
  }
  console.log(JSON.stringify({
    mode: 'matvec', kernels: `native-${isa}`, cpu_features: status.cpuFeatures, load: [round(loadBefore), round(os.loadavg()[0]!)],
    call_overhead_ns: callNs, stream_gbs: streamGbs, rows,
  }));
}
