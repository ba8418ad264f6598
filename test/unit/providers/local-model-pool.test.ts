import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import { LpuModelPool } from '../../../src/main/providers/local-model';
import type { LpuModelHandle } from '../../../src/main/providers/lpu';

/** A stand-in model that, like the emulator, refuses to generate once disposed. */
function fakeModel(path: string, log: string[]): LpuModelHandle {
  let disposed = false;
  return {
    info: { bucket: 512 } as LpuModelHandle['info'],
    tokenizer: {} as LpuModelHandle['tokenizer'],
    generate: async () => {
      if (disposed) throw new AppError('model_disposed', 'This model was unloaded.');
      log.push(`generate ${path}`);
      return { text: path } as Awaited<ReturnType<LpuModelHandle['generate']>>;
    },
    dispose: async () => {
      disposed = true;
      log.push(`dispose ${path}`);
    },
    prefixCache: {
      stats: () => ({ entries: 0, bytes: 0, budgetBytes: 0, evictions: 0 }),
      setBudgetMb: (mb) => void log.push(`budget ${path} ${mb}`),
      clear: () => void log.push(`clear ${path}`),
    },
  };
}

describe('local model pool', () => {
  it('an answer holding model A still generates after a request for model B displaced it', async () => {
    const log: string[] = [];
    const pool = new LpuModelPool((path) => {
      log.push(`load ${path}`);
      return fakeModel(path, log);
    });
    const a = await pool.get('A');
    const b = await pool.get('B');
    await expect(a.generate({}, () => {})).resolves.toMatchObject({ text: 'A' });
    await expect(b.generate({}, () => {})).resolves.toMatchObject({ text: 'B' });
    expect(log.filter((line) => line.startsWith('generate'))).toEqual(['generate A', 'generate B']);
    await pool.close();
    // One model at a time: every load is disposed by the time the pool closes.
    const count = (prefix: string) => log.filter((line) => line.startsWith(prefix)).length;
    expect(count('dispose')).toBe(count('load'));
  });

  it('keeps one model loaded while the same model is asked for again', async () => {
    const log: string[] = [];
    const pool = new LpuModelPool((path) => {
      log.push(`load ${path}`);
      return fakeModel(path, log);
    });
    const first = await pool.get('A');
    const second = await pool.get('A');
    await first.generate({}, () => {});
    await second.generate({}, () => {});
    expect(log).toEqual(['load A', 'generate A', 'generate A']);
    await pool.close();
  });

  it('applies the KV cache budget, and drops the displaced model\'s KV snapshots before loading the next one', async () => {
    const log: string[] = [];
    const pool = new LpuModelPool((path) => {
      log.push(`load ${path}`);
      return fakeModel(path, log);
    });
    await pool.get('A', { prefixCacheMb: 64 });
    await pool.get('B');
    expect(log.slice(0, 3)).toEqual(['load A', 'budget A 64', 'clear A']);
    expect(log.indexOf('clear A')).toBeLessThan(log.indexOf('load B'));
    await pool.close();
  });
});
