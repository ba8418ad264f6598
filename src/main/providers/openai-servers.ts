import { randomBytes } from 'node:crypto';
import type { OpenAiModel, OpenAiServerInfo } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import type { OpenAiServerConfig } from '../../shared/openai-servers';
import type { Settings, SettingsPatch } from '../../shared/settings';
import { openAiKeyName, type SecretStore } from '../secrets/secret-store';
import { listOpenAiModels, serverLabel } from './openai-compatible';

// The user's OpenAI-compatible servers: their address, name, model and context window in settings, their keys
// encrypted with the other secrets. Only these addresses (or one being added, as typed) are ever contacted.

export interface OpenAiServerDeps {
  settings: { get(): Settings; update(patch: SettingsPatch): unknown };
  secrets: SecretStore;
}

export class OpenAiServers {
  constructor(private readonly deps: OpenAiServerDeps) {}

  list(): { servers: OpenAiServerInfo[]; activeId: string } {
    const settings = this.deps.settings.get();
    return { servers: settings.openAiServers.map((s) => this.info(s)), activeId: settings.openAiServerId };
  }

  /** The models a saved server lists (with its saved key), or a server being added (with the key as typed). */
  models(target: { serverId: string } | { baseURL: string; apiKey?: string }, signal?: AbortSignal): Promise<OpenAiModel[]> {
    if ('serverId' in target) {
      const server = this.find(target.serverId);
      return listOpenAiModels(server.baseURL, this.deps.secrets.get(openAiKeyName(server.id)), { signal });
    }
    return listOpenAiModels(target.baseURL, target.apiKey || null, { signal });
  }

  /** Saves the server and makes it the active one; its context window comes from the listing when the server says. */
  async add(request: { name: string; baseURL: string; apiKey?: string; model: string }): Promise<OpenAiServerInfo> {
    const listed = await listOpenAiModels(request.baseURL, request.apiKey || null).catch(() => null);
    const id = `${request.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 28) || 'server'}-${randomBytes(3).toString('hex')}`;
    const server: OpenAiServerConfig = {
      id,
      name: request.name,
      baseURL: request.baseURL,
      model: request.model,
      contextTokens: listed?.find((m) => m.id === request.model)?.contextWindow ?? null,
    };
    if (request.apiKey) this.deps.secrets.set(openAiKeyName(id), request.apiKey);
    this.deps.settings.update({ openAiServers: [...this.deps.settings.get().openAiServers, server], openAiServerId: id });
    return this.info(server);
  }

  async update(request: { id: string; model?: string; active?: true }): Promise<OpenAiServerInfo> {
    const current = this.find(request.id);
    let next = current;
    if (request.model && request.model !== current.model) {
      const listed = await this.models({ serverId: current.id }).catch(() => null);
      next = { ...current, model: request.model, contextTokens: listed?.find((m) => m.id === request.model)?.contextWindow ?? null };
    }
    const servers = this.deps.settings.get().openAiServers.map((s) => (s.id === next.id ? next : s));
    this.deps.settings.update({ openAiServers: servers, ...(request.active ? { openAiServerId: next.id } : {}) });
    return this.info(next);
  }

  /** Forgets the server and its key; answering with 'openai' then uses the next server, or none. */
  remove(id: string): boolean {
    const settings = this.deps.settings.get();
    const servers = settings.openAiServers.filter((s) => s.id !== id);
    if (servers.length === settings.openAiServers.length) return false;
    this.deps.secrets.delete(openAiKeyName(id));
    this.deps.settings.update({ openAiServers: servers, openAiServerId: settings.openAiServerId === id ? (servers[0]?.id ?? '') : settings.openAiServerId });
    return true;
  }

  /** The health check Groq's "Test key" also is: list the models with the saved key; the chosen one must be among them. */
  async test(id: string): Promise<{ ok: boolean; message: string }> {
    const server = this.find(id);
    try {
      const models = await this.models({ serverId: id });
      if (!models.some((m) => m.id === server.model)) {
        return { ok: false, message: `${serverLabel(server.baseURL)} answers, but does not list ${server.model} any more. Pick one of its ${models.length} models.` };
      }
      return { ok: true, message: `${serverLabel(server.baseURL)} answers and serves ${server.model} (${models.length} model${models.length === 1 ? '' : 's'} listed).` };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, message: error.message };
      throw error;
    }
  }

  private find(id: string): OpenAiServerConfig {
    const server = this.deps.settings.get().openAiServers.find((s) => s.id === id);
    if (!server) throw new AppError('not_found', 'That server is no longer in your list. Add it again in Settings → Providers.');
    return server;
  }

  private info(server: OpenAiServerConfig): OpenAiServerInfo {
    return { ...server, hasKey: this.deps.secrets.has(openAiKeyName(server.id)) };
  }
}
