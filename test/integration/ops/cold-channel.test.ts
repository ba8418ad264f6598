import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../../src/shared/contract/chat';
import { ask } from '../../../src/main/chat/answer';
import type { AnswerDeps } from '../../../src/main/chat/respond';
import { tagChannel } from '../../../src/main/ops/degrade-route';
import type { Services } from '../../../src/main/services';
import { addDocument, HANDBOOK, openTestServices, tempDataDir, testChatService } from '../chat/library';
import { ScriptedProvider } from '../chat/scripted-provider';

// A cold workspace (its vectors only on disk) answers on the single-worker CPU channel, and says so; a hot one on
// the channel chosen; without a local model to run the CPU channel, a cold workspace keeps the chosen provider.

let data: ReturnType<typeof tempDataDir>;
let services: Services;
beforeEach(() => {
  data = tempDataDir('lockstep-cold-');
  services = openTestServices(data.dir);
  addDocument(services.db, 'Handbook', HANDBOOK);
});
afterEach(async () => {
  await services.close();
  data.remove();
});

function deps(tier: 'hot' | 'cold', withLocal = true) {
  const full = tagChannel(new ScriptedProvider('Twenty-five days [1].', 'local-model'), 'lpu');
  const single = tagChannel(new ScriptedProvider('Twenty-five days [1].', 'local-model'), 'lpu_single');
  const asked: string[] = [];
  const service = testChatService(services);
  const answerDeps: AnswerDeps = {
    ...service,
    tierOf: () => tier,
    providers: {
      choose: async () => full,
      local: async (_model, channel) => {
        asked.push(channel ?? 'lpu');
        return withLocal ? (channel === 'lpu_single' ? single : full) : null;
      },
    },
  };
  return { answerDeps, full, single, asked };
}

const run = async (answerDeps: AnswerDeps, question: string) => {
  const events: ChatEvent[] = [];
  const record = await ask(answerDeps, { question }, (e) => events.push(e), new AbortController().signal);
  return { record, notices: events.filter((e): e is Extract<ChatEvent, { type: 'notice' }> => e.type === 'notice') };
};

describe('cold workspaces on the CPU channel', () => {
  it('answers a cold workspace on the single-worker channel and explains why', async () => {
    const { answerDeps, full, single, asked } = deps('cold');
    const { record, notices } = await run(answerDeps, 'How many days of annual leave?');
    expect(asked).toEqual(['lpu_single']);
    expect(single.prompts).toHaveLength(1);
    expect(full.prompts).toHaveLength(0);
    expect(record.served).toMatchObject({ channel: 'lpu_single', reason: 'this workspace is cold (its knowledge is kept on disk, not in memory)' });
    expect(notices.find((n) => n.kind === 'degraded')).toMatchObject({ channel: 'lpu_single' });
  });

  it('leaves a hot workspace on the chosen channel', async () => {
    const { answerDeps, full, asked } = deps('hot');
    const { record } = await run(answerDeps, 'How many days of annual leave?');
    expect(asked).toEqual([]);
    expect(full.prompts).toHaveLength(1);
    // Served on the chosen channel: no channel note (the answer's notices are stored beside it).
    expect(record.served?.channel).toBeUndefined();
    expect(record.served?.reason).toBeUndefined();
  });

  it('keeps the chosen provider for a cold workspace when no local model can run the CPU channel', async () => {
    const { answerDeps, full } = deps('cold', false);
    const { record } = await run(answerDeps, 'How many days of annual leave?');
    expect(full.prompts).toHaveLength(1);
    // Served on the chosen channel: no channel note (the answer's notices are stored beside it).
    expect(record.served?.channel).toBeUndefined();
    expect(record.served?.reason).toBeUndefined();
  });
});
