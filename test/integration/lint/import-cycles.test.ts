import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The module-graph rules of eslint.config.js: no import cycle under src (import-x/no-cycle), and nothing below the
// composition root imports src/main/services.ts. A planted tree must fail them; the real src must pass.

const repo = path.resolve(import.meta.dirname, '../../..');
const config = path.join(repo, 'eslint.config.js');
const graphRules = new Set(['import-x/no-cycle', 'no-restricted-imports']);
const ruleFilter = ({ ruleId }: { ruleId: string }) => graphRules.has(ruleId);

let planted: string;
beforeAll(() => {
  planted = mkdtempSync(path.join(os.tmpdir(), 'lockstep-cycle-lint-'));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(planted, file)), { recursive: true });
    writeFileSync(path.join(planted, file), text);
  };
  // A three-module circle through an area's index, the shape issue 20 found (chat → retrieve → … → chat).
  write('src/main/chat/answer.ts', "import { search } from '../retrieve/index';\nexport const answer = (q: string) => search(q).length;\n");
  write('src/main/retrieve/index.ts', "export { search } from './search';\n");
  write('src/main/retrieve/search.ts', "import { answer } from '../chat/answer';\nexport const search = (q: string): string[] => (q ? [String(typeof answer)] : []);\n");
  // The composition root, imported from below it: no-cycle skips type-only imports, so the layering rule catches this.
  write('src/main/services.ts', "import { answer } from './chat/answer';\nexport interface Services { answer: typeof answer }\n");
  write('src/main/embed/index.ts', "import type { Services } from '../services';\nexport const embedder = (s: Services) => s.answer;\n");
  // The layer above may import it.
  write('src/main/handlers/chat.ts', "import type { Services } from '../services';\nexport const handle = (s: Services) => s.answer('q');\n");
  // No circle: a plain chain.
  write('src/main/text/plain.ts', "import { leaf } from './leaf';\nexport const plain = () => leaf();\n");
  write('src/main/text/leaf.ts', 'export const leaf = () => 1;\n');
});
afterAll(() => rmSync(planted, { recursive: true, force: true }));

const problems = (results: ESLint.LintResult[], root: string) =>
  results.flatMap((result) => result.messages.map((m) => `${path.relative(root, result.filePath)}:${m.line} ${m.ruleId}`)).sort();

describe('import-cycle lint', () => {
  it('fails a planted cycle and an import of services.ts from below it, and nothing else', async () => {
    const eslint = new ESLint({ cwd: planted, overrideConfigFile: config, ruleFilter });
    const results = await eslint.lintFiles(['src/**/*.ts']);
    expect(results.map((r) => path.relative(planted, r.filePath)).sort()).toHaveLength(8);
    expect(problems(results, planted)).toEqual([
      'src/main/chat/answer.ts:1 import-x/no-cycle',
      'src/main/embed/index.ts:1 no-restricted-imports',
      'src/main/retrieve/index.ts:1 import-x/no-cycle',
      'src/main/retrieve/search.ts:1 import-x/no-cycle',
    ]);
  });

  it('passes on the real src tree', async () => {
    const eslint = new ESLint({ cwd: repo, ruleFilter });
    const results = await eslint.lintFiles(['src/**/*.{ts,tsx}']);
    expect(results.length).toBeGreaterThan(300);
    expect(problems(results, repo)).toEqual([]);
  }, 240_000);
});
