import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { warmQuickActions } from '../../../src/main/chat/quick-action-warmup';
import { QUICK_ACTION_SYSTEMS } from '../../../src/main/chat/quick-actions';
import type { Services } from '../../../src/main/services';
import { writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';
import { connectClient } from './contract-client';
import { openTestServices, tempDataDir } from './library';

// Opening a hot workspace loads the local model with the quick actions' system turns in its prefix cache; a cold
// workspace, or a chain stepped down to extractive answers, warms nothing.

let data: ReturnType<typeof tempDataDir>;
let services: Services;
beforeEach(() => {
  data = tempDataDir('lockstep-warmup-');
  services = openTestServices(data.dir);
});
afterEach(async () => {
  await services.close();
  data.remove();
});

describe('quick-action warm-up', () => {
  it('loads the local model of a hot workspace with each quick action system turn cached, so a quick action resumes after it', async () => {
    const modelPath = writeTinyLlamaFile(data.dir);
    services.settings.update({ chatModelId: modelPath });
    const { client } = connectClient(services);
    const warmed = await client.chat.warmQuickActions({ workspaceId: 1 });
    expect(warmed).toMatchObject({ warmed: true });
    expect(warmed.tokens).toBeGreaterThan(Object.keys(QUICK_ACTION_SYSTEMS).length * 10);
    // Already cached: warming again costs nothing and reports the same prefixes.
    expect(await client.chat.warmQuickActions({ workspaceId: 1 })).toEqual(warmed);

    const model = await services.chat.lpuModels.get(modelPath);
    const system = QUICK_ACTION_SYSTEMS.summarize;
    const result = await model.generate({ messages: [{ role: 'system', content: system }, { role: 'user', content: 'Document:\n\n[1] p. 1\nText.\n\nSummarize.' }], maxTokens: 1, sampling: { greedy: true, temperature: 0 } });
    // Snapshots are found by 16-token blocks and the turn's closing tokens differ: all but its last two blocks are reused.
    const systemTokens = model.tokenizer.encode(model.tokenizer.applyChatTemplate([{ role: 'system', content: system }]), { addBos: false }).length;
    expect(result.cachedPromptTokens).toBeGreaterThan(systemTokens - 32);
    await expect(client.chat.warmQuickActions({ workspaceId: 99 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('warms nothing for a cold workspace, a chain at extractive answers, or without a local model', async () => {
    const warmed: string[] = [];
    const deps = (tier: 'hot' | 'cold', floor: 'groq' | 'lpu_single' | 'extractive', tokens = 42) => ({
      tierOf: () => tier,
      floor: () => floor,
      warmLocal: async (prefixes: unknown[], channel: string) => {
        warmed.push(`${prefixes.length}@${channel}`);
        return tokens;
      },
    });
    expect(await warmQuickActions(deps('cold', 'groq'), 1)).toEqual({ warmed: false, reason: 'cold_workspace' });
    expect(await warmQuickActions(deps('hot', 'extractive'), 1)).toEqual({ warmed: false, reason: 'degraded_to_extractive' });
    expect(await warmQuickActions(deps('hot', 'groq', 0), 1)).toEqual({ warmed: false, reason: 'no_local_model' });
    expect(await warmQuickActions(deps('hot', 'lpu_single'), 1)).toEqual({ warmed: true, tokens: 42 });
    expect(warmed).toEqual(['3@lpu', '3@lpu_single']);
  });
});
