import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDocument, HANDBOOK, openTestServices, tempDataDir } from './library';
import { corpusFile, itWithCorpus } from '../../support/corpus';

// `lockstep ask` as users run it: a real process over a real library.

const run = promisify(execFile);
const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const stories = () => corpusFile(STORIES);
let data: ReturnType<typeof tempDataDir>;

beforeAll(async () => {
  data = tempDataDir();
  const services = openTestServices(data.dir);
  addDocument(services.db, 'Handbook', HANDBOOK);
  await services.close();
});
afterAll(() => data.remove());

const ask = async (...args: string[]) => {
  const { stdout } = await run('node', ['bin/lockstep.mjs', '--data-dir', data.dir, '--json', 'ask', ...args], { env: { ...process.env, LOCKSTEP_LOG: 'silent' } });
  return JSON.parse(stdout);
};

describe('lockstep ask --json', () => {
  it('answers extractively with page-accurate cited sources when no model is installed', async () => {
    const result = await ask('How many days of paid annual leave do employees receive?');
    expect(result).toMatchObject({ provider: 'extractive', status: 'complete', uncited: false, meters: { provider: 'extractive' } });
    expect(result.answer).toMatch(/^- Every employee receives 25 days of paid annual leave per calendar year\. \[1\]/);
    expect(result.sources[0]).toEqual({
      ordinal: 1,
      document: 'Handbook',
      path: '/library/Handbook.pdf',
      page: 2,
      pageEnd: 2,
      label: null,
      passage: HANDBOOK[1].text,
      cited: true,
    });
  });

  itWithCorpus([STORIES], 'streams from the LPU emulator with stories260K and reports its meters', async () => {
    const result = await ask('How are travel expenses reimbursed?', '--model', stories(), '--provider', 'lpu');
    expect(result).toMatchObject({ provider: 'lpu', model: 'stories260K', status: 'complete', meters: { provider: 'lpu', chips: 1 } });
    expect(result.meters.cycles.perDecodeToken).toBeGreaterThan(0);
    expect(result.sources[0]).toMatchObject({ document: 'Handbook', page: 4 });
    expect(result.answer.length).toBeGreaterThan(20);
  });

  it('says a missing workspace plainly, as one JSON error', async () => {
    await expect(ask('anything', '--workspace', 'Nope')).rejects.toMatchObject({
      stdout: expect.stringContaining('There is no workspace \\"Nope\\"'),
    });
  });
});
