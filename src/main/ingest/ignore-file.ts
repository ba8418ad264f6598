import { readFile } from 'node:fs/promises';
import path from 'node:path';

// `.lockstepignore` at the top of a library folder: gitignore-style patterns, one a line ('#' comments; `*`, `?`, `**`;
// a trailing `/` for folders only; a pattern with a `/` is anchored at the folder, one without matches any name).

export const IGNORE_FILE = '.lockstepignore';

interface Rule {
  regex: RegExp;
  anchored: boolean;
  foldersOnly: boolean;
}

const globToRegex = (glob: string) =>
  new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/?|\*|\?/g, (m) => (m.startsWith('**') ? '(?:.*/)?' : m === '*' ? '[^/]*' : '[^/]'))}$`);

export function parseIgnoreRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const foldersOnly = line.endsWith('/');
    if (foldersOnly) line = line.replace(/\/+$/, '');
    const anchored = line.includes('/');
    line = line.replace(/^\//, '');
    if (line) rules.push({ regex: globToRegex(line), anchored, foldersOnly });
  }
  return rules;
}

/** Whether a file (its path relative to the library folder, '/'-separated) is ignored: itself or any folder above it. */
export function isIgnored(rules: Rule[], relative: string): boolean {
  const parts = relative.split('/');
  return rules.some((rule) =>
    parts.some((part, i) => {
      const isFolder = i < parts.length - 1;
      if (rule.foldersOnly && !isFolder) return false;
      return rule.regex.test(rule.anchored ? parts.slice(0, i + 1).join('/') : part);
    }),
  );
}

/** The folder's rules; none when it has no ignore file. */
export async function readIgnoreRules(folder: string): Promise<Rule[]> {
  const text = await readFile(path.join(folder, IGNORE_FILE), 'utf8').catch(() => '');
  return parseIgnoreRules(text);
}
