import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
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

/** src's import graph with type-only imports too (what no-cycle skips): each file and the files it names. */
function importGraph(root: string): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) files.push(file);
    }
  };
  walk(root);
  const resolve = (from: string, spec: string) =>
    [spec, `${spec}.ts`, `${spec}.tsx`, path.join(spec, 'index.ts')].map((s) => path.resolve(path.dirname(from), s)).find((f) => existsSync(f) && statSync(f).isFile());
  return new Map(
    files.map((file) => {
      const imports = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((i) => i.fileName).filter((s) => s.startsWith('.'));
      return [file, [...new Set(imports.map((spec) => resolve(file, spec)).filter((f): f is string => f !== undefined))]];
    }),
  );
}

/** Tarjan's strongly connected components with more than one file: each is an import circle. */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('import circles through type-only imports', () => {
  it('finds the planted circle', () => {
    const found = circles(importGraph(path.join(planted, 'src'))).map((c) => c.map((f) => path.relative(planted, f)));
    expect(found).toEqual([['src/main/chat/answer.ts', 'src/main/retrieve/index.ts', 'src/main/retrieve/search.ts']]);
  });

  it('finds none in src: areas name each other through narrow interfaces, not through a circle of types', () => {
    expect(circles(importGraph(path.join(repo, 'src'))).map((c) => c.map((f) => path.relative(repo, f)))).toEqual([]);
  });
});
