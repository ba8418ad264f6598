import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES_OF_THREAD, THREADS_OF_WORKSPACE } from '../../../src/main/chat/threads';
import type { Services } from '../../../src/main/services';
import { openTestServices, tempDataDir } from './library';

let data: ReturnType<typeof tempDataDir>;
let services: Services;
beforeAll(() => {
  data = tempDataDir();
  services = openTestServices(data.dir);
});
afterAll(async () => {
  await services.close();
  data.remove();
});

const plan = (sql: string) =>
  (services.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1) as { detail: string }[]).map((row) => row.detail).join(' | ');

describe('thread queries', () => {
  it('list a workspace’s threads from threads_by_recent without sorting', () => {
    const detail = plan(THREADS_OF_WORKSPACE);
    expect(detail).toContain('USING INDEX threads_by_recent (workspace_id=?)');
    expect(detail).not.toContain('TEMP B-TREE');
  });

  it('open a thread through messages_by_thread', () => {
    const detail = plan(MESSAGES_OF_THREAD);
    expect(detail).toMatch(/^SEARCH messages USING INDEX messages_by_thread \(thread_id=\?\)$/);
  });
});
