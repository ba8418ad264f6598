import type { LockstepHandlers } from '../../shared/contract/index';
import { AppError } from '../../shared/errors';
import { authoriseModelChoice, callerGrants } from '../access/caller';
import { ask, regenerate } from '../chat/answer';
import { exportFileName, threadToMarkdown } from '../chat/export-markdown';
import { runQuickAction } from '../chat/quick-answer';
import { warmQuickActions } from '../chat/quick-action-warmup';
import { groqError } from '../providers/groq';
import { locateChatModel } from '../providers/local-model';
import { OpenAiServers } from '../providers/openai-servers';
import { localApiToken } from '../server/local-api';
import type { Services } from '../services';

export function chatHandlers(services: Services): LockstepHandlers['chat'] {
  return {
    ask: async (request, emit, ctx) => {
      const model = await authoriseModelChoice(request.model, callerGrants(services, ctx));
      await ask(services.chat, { ...request, model }, emit, ctx.signal);
    },
    regenerate: async (request, emit, ctx) => {
      const model = await authoriseModelChoice(request.model, callerGrants(services, ctx));
      await regenerate(services.chat, { ...request, model }, emit, ctx.signal);
    },
    quickAction: async (request, emit, { signal }) => void (await runQuickAction(services.chat, request, emit, signal)),
    warmQuickActions: ({ workspaceId }) => {
      if (!services.db.prepare('SELECT 1 FROM workspaces WHERE id = ?').get(workspaceId)) throw new AppError('not_found', 'That workspace no longer exists.');
      return warmQuickActions(
        { tierOf: (id) => services.tiers.tierOf(id), floor: () => services.chat.degradationPolicy.state().floor, warmLocal: (prefixes, channel) => services.chat.providers.warmLocal(prefixes, channel) },
        workspaceId,
      );
    },
  };
}

export function threadHandlers(services: Services): LockstepHandlers['threads'] {
  const threads = () => services.chat.threads;
  return {
    list: ({ workspaceId }) => threads().list(workspaceId),
    search: ({ query, workspaceId }) => threads().search(query, workspaceId),
    get: ({ id }) => ({ thread: threads().thread(id), messages: threads().messages(id) }),
    rename: ({ id, title }) => threads().rename(id, title),
    remove: ({ id }) => ({ removed: threads().remove(id) }),
    exportMarkdown: ({ id }) => {
      const thread = threads().thread(id);
      return { fileName: exportFileName(thread), markdown: threadToMarkdown(thread, threads().messages(id)) };
    },
  };
}

/** Keys (Groq's, the servers') go in and never come back out: responses only say whether one is saved. */
export function providerHandlers(services: Services): LockstepHandlers['providers'] {
  const { chat } = services;
  const servers = new OpenAiServers({ settings: services.settings, secrets: chat.secrets });
  const savedKey = () => {
    const key = chat.secrets.get('groq.apiKey');
    if (!key) throw new AppError('groq_no_key', 'Add a Groq API key in Settings → Providers first.');
    return key;
  };
  return {
    status: async () => {
      const settings = services.settings.get();
      const local = settings.chatModelId ? await locateChatModel(services.dataDir, settings.chatModelId) : null;
      return {
        groq: { hasKey: chat.secrets.has('groq.apiKey'), model: settings.groqModel },
        lpu: { modelId: settings.chatModelId, available: local !== null },
      };
    },
    setGroqKey: async ({ apiKey }) => {
      chat.secrets.set('groq.apiKey', apiKey);
      // Choose the default model from what this key can use; a key Groq refuses is reported by "Test key".
      await chat.providers.chooseGroqModelForKey();
      return { hasKey: true as const };
    },
    clearGroqKey: () => {
      chat.secrets.delete('groq.apiKey');
      return { hasKey: false as const };
    },
    testGroqKey: async () => {
      try {
        const models = await chat.groqModels.list(savedKey(), chat.providers.groqBaseURL, true);
        return { ok: true, message: `The key works: ${models.length} models available.` };
      } catch (error) {
        const appError = groqError(error);
        return { ok: false, message: appError.message };
      }
    },
    localApi: () => ({ enabled: services.settings.get().localApiEnabled, url: chat.localApiUrl, token: localApiToken(services) }),
    groqModels: ({ refresh }) => chat.groqModels.list(savedKey(), chat.providers.groqBaseURL, refresh ?? false),
    openAiServers: () => servers.list(),
    openAiModels: (target, { signal }) => servers.models(target, signal),
    addOpenAiServer: (request) => servers.add(request),
    updateOpenAiServer: (request) => servers.update(request),
    removeOpenAiServer: ({ id }) => ({ removed: servers.remove(id) }),
    testOpenAiServer: ({ id }) => servers.test(id),
  };
}
