import { expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusFile, describeWithCorpus } from '../../support/corpus';

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const stories = () => corpusFile(STORIES);
const GOLDEN = ', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it,';

function lockstep(args: string[], dataDir: string): string {
  return execFileSync(process.execPath, ['bin/lockstep.mjs', ...args, '--data-dir', dataDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describeWithCorpus([STORIES], 'lockstep lpu', () => {
  it('run prints exactly the golden continuation; --json reports identical cycles on a second run', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lpu-cli-'));
    try {
      expect(lockstep(['lpu', 'run', stories(), '--prompt', 'Once upon a time', '--greedy', '--max-tokens', '48'], dataDir)).toBe(GOLDEN);
      const a = JSON.parse(lockstep(['lpu', 'run', stories(), '--prompt', 'Once upon a time', '--greedy', '--max-tokens', '48', '--json'], dataDir));
      const b = JSON.parse(lockstep(['lpu', 'run', stories(), '--prompt', 'Once upon a time', '--greedy', '--max-tokens', '48', '--json'], dataDir));
      expect(a.text).toBe(GOLDEN);
      expect(a.tokens).toHaveLength(48);
      expect(b.cycles).toEqual(a.cycles);
      expect(a.wall_ms.total).toBeGreaterThan(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('predict and compile print one JSON document', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lpu-cli-'));
    try {
      const p = JSON.parse(lockstep(['lpu', 'predict', '--preset', 'llama-2-70b', '--chips', '576', '--json'], dataDir));
      expect(p.chips).toBe(576);
      expect(p.decode_tok_s).toBeGreaterThan(256 * 0.7);
      expect(p.decode_tok_s).toBeLessThan(256 * 1.3);
      expect(p.ttft_ms).toBeGreaterThan(0);
      const c = JSON.parse(lockstep(['lpu', 'compile', stories(), '--dump-ir', '--json'], dataDir));
      expect(c.chips).toBe(1);
      expect(Object.keys(c.ir)).toEqual(['lower', 'quantize', 'partition', 'sync', 'planMemory', 'schedule', 'emit']);
      expect(c.barriers).toEqual({ decodeStep: 26, decodePerLayer: 5, prefillChunk: 48, prefillPerLayer: 9 }); // 5 layers of F32 weights
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
