import { openStore, type Db } from './store/db';
import { SettingsStore } from './settings/settings';
import { createEmbeddingService, type EmbeddingService } from './embed/index';
import { createChatService, type ChatService } from './chat/service';
import { retrievalPassageSource } from './chat/passages';
import type { SecretStore } from './secrets/secret-store';
import { createIngestQueue, type IngestQueue } from './ingest/index';

/**
 * Everything a handler, the CLI or a server needs, created once per process for one data folder.
 * Areas add their service here; heavy ones start lazily on first use.
 */
export interface Services {
  dataDir: string;
  db: Db;
  settings: SettingsStore;
  /** Embedding workers and the vector index; started on first use. */
  readonly embeddings: EmbeddingService;
  /** Answering: threads, providers (LPU emulator, Groq), secrets; the local model loads on first use. */
  readonly chat: ChatService;
  /** Document ingestion: the persistent job queue and its parser worker (started on first use). */
  readonly ingest: IngestQueue;
  /** Runs on close in reverse order of registration. */
  onClose(cleanup: () => void | Promise<void>): void;
  close(): Promise<void>;
}

export function createServices(options: { dataDir: string; mode?: 'electron' | 'browser' | 'cli' | 'test'; secrets?: SecretStore }): Services {
  const db = openStore(options.dataDir);
  const cleanups: (() => void | Promise<void>)[] = [];
  let closed = false;
  let embeddings: EmbeddingService | undefined;
  let chat: ChatService | undefined;
  let ingest: IngestQueue | undefined;
  const services: Services = {
    dataDir: options.dataDir,
    db,
    settings: new SettingsStore(db),
    get embeddings() {
      return (embeddings ??= createEmbeddingService(services));
    },
    get chat() {
      if (!chat) {
        chat = createChatService({ dataDir: options.dataDir, db, settings: services.settings, secrets: options.secrets, passages: retrievalPassageSource(services) });
        cleanups.push(() => chat?.close());
      }
      return chat;
    },
    get ingest() {
      return (ingest ??= createIngestQueue(services));
    },
    onClose: (cleanup) => void cleanups.push(cleanup),
    async close() {
      if (closed) return;
      closed = true;
      for (const cleanup of cleanups.reverse()) await cleanup();
      db.close();
    },
  };
  return services;
}
