import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snippetAround } from '../../../src/main/chat/threads';
import type { ChatService } from '../../../src/main/chat/service';
import type { Services } from '../../../src/main/services';
import { openTestServices, tempDataDir, testChatService } from './library';

// Searching conversations: thread titles and message text, Latin case-insensitive and Chinese substrings, scoped
// to a workspace, with LIKE wildcards taken literally.

let data: ReturnType<typeof tempDataDir>;
let services: Services;
let chat: ChatService;
beforeEach(() => {
  data = tempDataDir();
  services = openTestServices(data.dir);
  chat = testChatService(services);
});
afterEach(async () => {
  await services.close();
  data.remove();
});

describe('conversation search', () => {
  it('finds thread titles and messages, newest first, with the text around the match', () => {
    const leave = chat.threads.create(1, 'Annual leave');
    chat.threads.addMessage(leave.id, { role: 'user', content: 'How many days of annual leave do I get?' });
    const answerId = chat.threads.addMessage(leave.id, { role: 'assistant', content: `${'Background. '.repeat(30)}Every employee receives 25 days of paid annual leave per calendar year.${' More.'.repeat(40)}` });
    const expenses = chat.threads.create(1, '报销流程');
    const zhId = chat.threads.addMessage(expenses.id, { role: 'user', content: '差旅费用多久可以报销？' });

    const hits = chat.threads.search('ANNUAL LEAVE');
    expect(hits.map((h) => [h.threadId, h.messageId])).toEqual(expect.arrayContaining([[leave.id, null], [leave.id, answerId]]));
    expect(hits).toHaveLength(3);
    const answer = hits.find((h) => h.messageId === answerId)!;
    expect(answer).toMatchObject({ role: 'assistant', threadTitle: 'Annual leave' });
    expect(answer.snippet).toMatch(/^….*25 days of paid annual leave.*…$/);
    expect(answer.snippet.length).toBeLessThanOrEqual(162);

    expect(chat.threads.search('报销').map((h) => h.messageId).sort()).toEqual([zhId, null].sort());
    expect(chat.threads.search('50%_off')).toEqual([]);
    expect(chat.threads.search('%')).toEqual([]);
    // Another workspace sees none of it.
    expect(chat.threads.search('leave', 999)).toEqual([]);
    expect(chat.threads.search('leave', 1).length).toBe(3);
  });

  it('cuts snippets on word boundaries around the match', () => {
    expect(snippetAround('short text', 'text')).toBe('short text');
    const long = `${'alpha '.repeat(50)}needle ${'omega '.repeat(50)}`;
    const snippet = snippetAround(long, 'needle');
    expect(snippet).toContain('needle');
    expect(snippet).toMatch(/^…alpha/);
    expect(snippet).toMatch(/…$/);
  });
});
