import { openStore, type Db } from './store/db';
import { SettingsStore } from './settings/settings';
import { createEmbeddingService, type EmbeddingService } from './embed/index';
import { createChatService, type ChatService } from './chat/service';
import { retrievalPassageSource } from './chat/passages';
import type { SecretStore } from './secrets/secret-store';
import { createIngestQueue, type IngestQueue } from './ingest/index';
import { WorkspaceTiers } from './embed/tiers';
import { cancelArenaLoads, warmHotArenas } from './embed/hot-vectors';
import { searchableVectorSet } from './embed/vector-store';
import { createOps, type Ops } from './ops/index';
import { search } from './retrieve/index';
import { warmKeywordIndex } from './retrieve/bm25-postings';
import type { PassageScorer } from './retrieve/rerank';
import { RerankerChoice } from './retrieve/reranker';
import { ask } from './chat/answer';
import { chatModelInstalled } from './providers/local-model';
import type { McpBackends } from './mcp/tools';

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
  /** Prometheus metrics and the Health view's history (recorded by the answer path). */
  readonly ops: Ops;
  /** What the MCP server reads through: the store, hybrid search and answering. */
  readonly mcp: McpBackends;
  /** Hot and cold workspaces: where each one's vectors live, and the background moves between them. */
  readonly tiers: WorkspaceTiers;
  /** The rerank stage's model: the installed cross-encoder while "Rerank with" is on; its worker starts on first use. */
  reranker(): Promise<PassageScorer | undefined>;
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
  let tiers: WorkspaceTiers | undefined;
  let ops: Ops | undefined;
  let rerankers: RerankerChoice | undefined;
  const services: Services = {
    dataDir: options.dataDir,
    db,
    settings: new SettingsStore(db),
    get embeddings() {
      return (embeddings ??= createEmbeddingService(services));
    },
    get chat() {
      if (!chat) {
        chat = createChatService({
          dataDir: options.dataDir,
          db,
          settings: services.settings,
          secrets: options.secrets,
          passages: retrievalPassageSource(services),
          answerTap: services.ops.tapAnswer,
          tierOf: (id) => services.tiers.tierOf(id),
          degradation: {
            onWorkerCrash: (channel) => services.ops.metrics.recordWorkerCrash(`lpu:${channel}`),
            localModel: { installed: () => chatModelInstalled(options.dataDir, services.settings.get().chatModelId) },
          },
        });
        cleanups.push(() => chat?.close());
      }
      return chat;
    },
    get ingest() {
      return (ingest ??= createIngestQueue(services));
    },
    get tiers() {
      if (!tiers) {
        tiers = new WorkspaceTiers(db);
        cleanups.push(() => tiers?.close());
      }
      return tiers;
    },
    get ops() {
      if (!ops) {
        ops = createOps(db);
        cleanups.push(() => ops?.close());
      }
      return ops;
    },
    get mcp(): McpBackends {
      return {
        db,
        search: (request, signal) => search(services, request, { signal }),
        async answer({ question, workspaceId }, signal) {
          const record = await ask(services.chat, { question, workspaceId, mode: 'documents' }, () => {}, signal);
          // An assistant's question is logged as an MCP call, not kept as one of the user's conversations.
          services.chat.threads.remove(record.threadId);
          return record;
        },
      };
    },
    reranker() {
      if (!rerankers) {
        rerankers = new RerankerChoice({ dataDir: options.dataDir, settings: services.settings });
        cleanups.push(() => rerankers?.close());
      }
      return rerankers.current();
    },
    onClose: (cleanup) => void cleanups.push(cleanup),
    async close() {
      if (closed) return;
      closed = true;
      for (const cleanup of cleanups.reverse()) await cleanup();
      db.close();
    },
  };
  // The hot vectors' arena loads in the background from the start, so the first searches need not wait for it.
  const searchable = searchableVectorSet(db);
  warmHotArenas(db, searchable ? [searchable] : []);
  void warmKeywordIndex(db); // BM25's row lengths likewise (bm25-postings.ts); a close ends it between slices
  cleanups.push(() => cancelArenaLoads(db));
  return services;
}
