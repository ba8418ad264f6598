import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../../src/main/lpu/compiler/pipeline';
import { UNITS } from '../../../src/main/lpu/compiler/cost-model';
import { chromeTrace, compilePreset, criticalPath, programTimeline, type TraceEvent } from '../../../src/main/lpu/timing/timeline';
import { TIMING_PRESETS } from '../../../src/main/lpu/timing/presets';
import { writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'lockstep-trace-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The checks Chrome's trace-event format (JSON Object Format) asks of what we emit: every event names its phase,
 * process, thread and timestamp (µs); complete events carry a duration; metadata events name every lane used;
 * a lane's complete events never overlap and come in time order.
 */
function expectValidTrace(trace: { traceEvents: TraceEvent[]; displayTimeUnit?: string }): TraceEvent[] {
  expect(Array.isArray(trace.traceEvents)).toBe(true);
  expect(['ms', 'ns']).toContain(trace.displayTimeUnit);
  const complete = trace.traceEvents.filter((e) => e.ph === 'X');
  const processNames = new Set<number>(), threadNames = new Set<string>();
  for (const e of trace.traceEvents) {
    expect(typeof e.name).toBe('string');
    expect(['X', 'M']).toContain(e.ph);
    expect(Number.isInteger(e.pid) && Number.isInteger(e.tid) && e.pid > 0 && e.tid > 0).toBe(true);
    expect(Number.isFinite(e.ts) && e.ts >= 0).toBe(true);
    if (e.ph === 'X') expect(Number.isFinite(e.dur) && e.dur! >= 0).toBe(true);
    if (e.ph === 'M' && e.name === 'process_name') processNames.add(e.pid);
    if (e.ph === 'M' && e.name === 'thread_name') {
      threadNames.add(`${e.pid}/${e.tid}`);
      expect(UNITS).toContain((e.args as { name: string }).name);
    }
  }
  const lanes = new Map<string, TraceEvent[]>();
  const tidOwner = new Map<number, number>();
  for (const e of complete) {
    expect(processNames.has(e.pid)).toBe(true);
    expect(threadNames.has(`${e.pid}/${e.tid}`)).toBe(true);
    expect(tidOwner.get(e.tid) ?? e.pid, 'a tid belongs to one process').toBe(e.pid);
    tidOwner.set(e.tid, e.pid);
    const lane = lanes.get(`${e.pid}/${e.tid}`) ?? [];
    lane.push(e);
    lanes.set(`${e.pid}/${e.tid}`, lane);
  }
  for (const lane of lanes.values()) {
    for (let i = 1; i < lane.length; i++) {
      expect(lane[i]!.ts).toBeGreaterThanOrEqual(lane[i - 1]!.ts);
      expect(lane[i]!.ts + 1e-9).toBeGreaterThanOrEqual(lane[i - 1]!.ts + lane[i - 1]!.dur!);
    }
  }
  return complete;
}

describe('schedule timeline and Chrome trace export', () => {
  it('a one-chip SmolLM2-shaped program becomes one process with a thread per functional unit', () => {
    const timeline = programTimeline(compilePreset('smollm2-135m'));
    const trace = chromeTrace(timeline);
    const complete = expectValidTrace(trace);
    expect(complete).toHaveLength(timeline.start.length);
    expect(new Set(complete.map((e) => e.pid))).toEqual(new Set([1])); // chip 0; ids start at 1
    const matmul = complete.find((e) => e.name === 'matmul' && e.cat === 'MXM')!;
    const args = matmul.args as { shapes: string; reads: string[]; writes: string[]; cycles: number; start_cycle: number };
    expect(args.shapes).toMatch(/i8\[\d+,576\]/);
    expect(args.shapes).toMatch(/ f32\[1,\d+\]/); // the decode step's activations are one row
    expect(args.shapes).not.toMatch(/ f32\[32,/);
    expect(args.reads.some((r) => /^blk\.\d+\.\w+@0 0x[0-9a-f]+\+\d+$/.test(r))).toBe(true);
    expect(args.writes.length).toBeGreaterThan(0);
    expect(matmul.ts).toBeCloseTo((args.start_cycle / 900e6) * 1e6, 6); // µs from cycles at 900 MHz
    expect(matmul.dur).toBeCloseTo((args.cycles / 900e6) * 1e6, 6);
    const end = Math.max(...complete.map((e) => e.ts + e.dur!));
    expect(end).toBeCloseTo((timeline.totalCycles / 900e6) * 1e6, 3);
  });

  it('a pipelined program spreads over a process per chip, with C2C sends between stages', () => {
    const program = compile(TIMING_PRESETS['smollm2-135m']!, { chips: 16, bucket: 1024, weights: 'int8' }).program;
    const complete = expectValidTrace(chromeTrace(programTimeline(program)));
    expect(new Set(complete.map((e) => e.pid)).size).toBe(16);
    expect(complete.some((e) => e.cat === 'C2C' && (e.args as { shapes: string }).shapes.includes('send chip 0 → 8'))).toBe(true);
  });

  it('the critical path walks back from the last instruction through the ones that released each start', () => {
    // 0: [0,10) → 1: [10,25) → 3: [25,30); 2: [10,15) ends early and is off the path
    expect(criticalPath([0, 10, 10, 25], [10, 15, 5, 5])).toEqual([1, 1, 0, 1]);
    const timeline = programTimeline(compilePreset('smollm2-135m'));
    const onPath = timeline.critical.flatMap((c, i) => (c ? [i] : []));
    const last = timeline.start.reduce((best, s, i) => (s + timeline.cycles[i]! > timeline.start[best]! + timeline.cycles[best]! ? i : best), 0);
    expect(timeline.critical[last]).toBe(1);
    expect(Math.min(...onPath.map((i) => timeline.start[i]!))).toBe(0);
  });

  it('lockstep lpu schedule <file> --trace writes a trace of the file\'s program; a MoE preset is refused', async () => {
    const file = writeTinyLlamaFile(tmp);
    const out = path.join(tmp, 'trace.json');
    const { stdout } = await run(process.execPath, ['bin/lockstep.mjs', '--json', 'lpu', 'schedule', file, '--chips', '2', '--trace', out], { cwd: repoRoot });
    const summary = JSON.parse(stdout) as { chips: number; instructions: number; trace: string };
    expect(summary).toMatchObject({ chips: 2, trace: out });
    const complete = expectValidTrace(JSON.parse(readFileSync(out, 'utf8')));
    expect(complete).toHaveLength(summary.instructions);
    expect(() => compilePreset('mixtral-8x7b')).toThrow('Mixtral-8x7B is a mixture of experts');
  }, 60_000);
});
