import { describe, expect, it } from 'vitest';
import { isIgnored, parseIgnoreRules } from '../../../src/main/ingest/ignore-file';

describe('.lockstepignore', () => {
  const rules = parseIgnoreRules(['# drafts and build output', '*.log', 'drafts/', '/private/notes.md', 'archive/**/old-*.pdf', 'scan?.png', ''].join('\n'));
  const cases: [string, boolean][] = [
    ['server.log', true],
    ['deep/inside/server.log', true],
    ['server.log.txt', false],
    ['drafts/a.md', true],
    ['work/drafts/b.md', true],
    ['drafts', false], // a file named like the folder pattern is not a folder
    ['private/notes.md', true],
    ['other/private/notes.md', false], // anchored at the library folder
    ['archive/old-1.pdf', true],
    ['archive/2019/q1/old-2.pdf', true],
    ['archive/2019/new-2.pdf', false],
    ['scan1.png', true],
    ['scan12.png', false],
    ['report.pdf', false],
  ];
  it.each(cases)('%s → ignored: %s', (file, ignored) => expect(isIgnored(rules, file)).toBe(ignored));

  it('ignores nothing without rules', () => expect(isIgnored(parseIgnoreRules('\n# only a comment\n'), 'a/b.pdf')).toBe(false));
});
