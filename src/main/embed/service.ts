import { EventEmitter } from 'node:events';
import type { SearchNoticeReason } from '../../shared/contract/search';
import { AppError } from '../../shared/errors';
import type { SettingsStore } from '../settings/settings';
import type { Db } from '../store/db';
import { log } from '../platform/log';
import { Embedder } from './embedder';
import { embedderCatalogEntry, locateEmbedder, type EmbedderModel } from './models';
import { reembedChunks, type ReembedProgress } from './reembed';
import { suggestedEmbedder } from './suggest';
import { createVectorSet, findVectorSet, searchableVectorSet, writeVectorsToSet, type VectorSet } from './vector-store';

const LOCATE_CACHE_MS = 3000;

/** What ingestion uses to embed new chunks and store their vectors in the same transaction as the chunk rows. */
export interface ActiveEmbedding {
  modelId: string;
  dimension: number;
  /** onProgress hears passages embedded of all, after each batch (ingestion's per-file progress). */
  embedPassages(texts: string[], signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<Float32Array[]>;
  /** Synchronous so it can run inside the transaction that writes the chunk rows. */
  writeVectors(chunkIds: number[], vectors: Float32Array[]): void;
}

/** A search query embedded for the newest complete set; valid until the caller next yields to the event loop. */
export interface QueryVector {
  set: VectorSet;
  vector: Float32Array;
}

export interface EmbeddingStatus {
  /** The set searches use, or null while none is complete. */
  searchable: { modelId: string; dimension: number; chunkCount: number; completedAt: number | null } | null;
  /** The model new vectors are made with (the chosen one when installed), or null when no embedder is installed. */
  target: { modelId: string; dimension: number } | null;
  /** The background re-embedding in progress, if any. */
  reembed: (ReembedProgress & { state: 'running' | 'failed'; error: string | null }) | null;
  /** Why semantic search is off or partial, in a sentence for users; null when all is well. */
  notice: string | null;
  /** A catalog embedder better suited to this library (the multilingual one when most documents are not English). */
  suggestedModelId: string | null;
}

/** Owns the embedding workers (one per model) and the background re-embedding when the model changes. */
export class EmbeddingService {
  private readonly embedders = new Map<string, Embedder>();
  private readonly located = new Map<string, { at: number; model: Promise<EmbedderModel | null> }>();
  private readonly events = new EventEmitter();
  private reembedRun: { modelId: string; abort: AbortController; done: Promise<void> } | undefined;
  private reembedState: EmbeddingStatus['reembed'] = null;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: { dataDir: string; db: Db; settings: SettingsStore }) {
    this.unsubscribe = deps.settings.onChange((_next, patch) => {
      if (patch.embedderId === undefined) return;
      this.located.clear();
      if (this.reembedState?.state === 'failed') this.reembedState = null;
      void this.active().catch((error) => log.warn('could not switch the embedding model', error));
    });
  }

  /** The model new chunks are embedded with: the chosen one when installed and working, else the searchable set's. */
  async targetModel(): Promise<EmbedderModel | null> {
    const chosenId = this.deps.settings.get().embedderId;
    const chosenFailed = this.reembedState?.state === 'failed' && this.reembedState.modelId === chosenId;
    const chosen = chosenFailed ? null : await this.locate(chosenId);
    if (chosen) return chosen;
    const searchable = searchableVectorSet(this.deps.db);
    return searchable ? this.locate(searchable.modelId) : null;
  }

  /** The embedding ingestion should use, or null when no embedder is installed. Starts re-embedding if the set is new. */
  async active(): Promise<ActiveEmbedding | null> {
    const model = await this.targetModel();
    if (!model) return null;
    const { db } = this.deps;
    const set = findVectorSet(db, model.id, model.dimension) ?? createVectorSet(db, model.id, model.dimension);
    if (set.status === 'building') this.startReembed(model, set);
    const embedder = this.embedder(model);
    return {
      modelId: model.id,
      dimension: model.dimension,
      embedPassages: (texts, signal, onProgress) => embedder.embedPassages(texts, signal, onProgress),
      writeVectors: (chunkIds, vectors) => {
        const current = findVectorSet(db, model.id, model.dimension);
        // The set was replaced (model switched back and forth) meanwhile: the re-embedding fills these chunks in.
        if (current) writeVectorsToSet(db, current, chunkIds, vectors);
      },
    };
  }

  /**
   * The query's vector in the newest complete set, or a notice saying why search runs on keywords alone.
   * If a re-embedding completes (and drops the old set) while the query is being embedded, it is embedded again.
   */
  async embedQuery(text: string, signal?: AbortSignal): Promise<{ query: QueryVector | null; notice: string | null; noticeReason?: SearchNoticeReason }> {
    await this.active().catch((error) => log.warn('could not prepare the embedding model', error));
    const notice = await this.notice();
    const said = notice ? { notice: notice.message, noticeReason: notice.reason } : { notice: null };
    for (let attempt = 0; attempt < 3; attempt++) {
      const set = searchableVectorSet(this.deps.db);
      if (!set) return { query: null, ...said };
      const model = await this.locate(set.modelId);
      if (!model) return { query: null, ...said };
      let vector: Float32Array;
      try {
        vector = await this.embedder(model).embedQuery(text, signal);
      } catch (error) {
        // A model that cannot run makes this search keyword-only; it never fails the search itself.
        if (signal?.aborted) throw error;
        log.warn(`embedding a query with ${model.id} failed`, error);
        const reason = error instanceof AppError ? error.message : 'The embedding model failed; the details are in the log.';
        return { query: null, notice: `${reason} These results use keywords only.`, noticeReason: 'embedder_failed' };
      }
      if (searchableVectorSet(this.deps.db)?.id === set.id) return { query: { set, vector }, ...said };
    }
    return { query: null, notice: 'The semantic index changed while searching; these results use keywords only. Search again.', noticeReason: 'index_changed' };
  }

  async status(): Promise<EmbeddingStatus> {
    const reembed = this.reembedState; // as of the call: progress events must not be overtaken by what happens next
    // A model chosen before this service existed (it starts on first use) gets its re-embedding started here.
    if (!this.reembedRun) await this.active().catch((error) => log.warn('could not prepare the embedding model', error));
    const searchable = searchableVectorSet(this.deps.db);
    const target = await this.targetModel();
    return {
      searchable: searchable
        ? { modelId: searchable.modelId, dimension: searchable.dimension, chunkCount: searchable.chunkCount, completedAt: searchable.completedAt }
        : null,
      target: target ? { modelId: target.id, dimension: target.dimension } : null,
      reembed,
      notice: (await this.notice())?.message ?? null,
      suggestedModelId: suggestedEmbedder(this.deps.db, target?.id ?? null),
    };
  }

  onStatus(listener: (status: EmbeddingStatus) => void): () => void {
    this.events.on('status', listener);
    return () => this.events.off('status', listener);
  }

  /** Resolves when the current re-embedding (if any) has finished, failed or stopped. */
  async whenIdle(): Promise<void> {
    while (this.reembedRun) await this.reembedRun.done;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    this.reembedRun?.abort.abort();
    await this.reembedRun?.done;
    await Promise.all([...this.embedders.values()].map((embedder) => embedder.close()));
    this.embedders.clear();
  }

  /** Why search cannot use the current semantic index as it stands, with the sentence that says so; null when it can. */
  private async notice(): Promise<{ reason: SearchNoticeReason; message: string } | null> {
    const { db, settings } = this.deps;
    const searchable = searchableVectorSet(db);
    const chosenId = settings.get().embedderId;
    if (!searchable) {
      if (this.reembedState?.state === 'running') {
        const { done, total } = this.reembedState;
        return { reason: 'index_building', message: `The semantic index is being built (${done} of ${total} passages); results use keywords only until it is ready.` };
      }
      if (!(await this.locate(chosenId))) {
        const name = embedderCatalogEntry(chosenId)?.name ?? chosenId;
        // The catalog name carries its own brackets ("(English, default)"): it goes in a sentence of its own, not in brackets.
        return { reason: 'no_embedder', message: `No embedding model is installed, so search uses keywords only. Install ${name} under Settings → Models for semantic search.` };
      }
      return null;
    }
    if (this.reembedState?.state === 'failed') {
      return { reason: 'reindex_failed', message: `Re-indexing with ${this.reembedState.modelId} stopped: ${this.reembedState.error} Search keeps using ${searchable.modelId}.` };
    }
    if (!(await this.locate(searchable.modelId))) {
      return { reason: 'index_model_missing', message: `The embedding model ${searchable.modelId} that built the semantic index is not installed, so search uses keywords only. Reinstall it or pick another model.` };
    }
    if (this.reembedState?.state === 'running') {
      const { modelId, done, total } = this.reembedState;
      return { reason: 'reindexing', message: `Re-indexing with ${modelId} (${done} of ${total} passages); results use ${searchable.modelId} until it finishes.` };
    }
    return null;
  }

  /** Installed-model lookups scan folders, so answers are reused briefly (search calls this several times per query). */
  private locate(id: string): Promise<EmbedderModel | null> {
    const cached = this.located.get(id);
    if (cached && Date.now() - cached.at < LOCATE_CACHE_MS) return cached.model;
    const model = locateEmbedder(this.deps.dataDir, id);
    this.located.set(id, { at: Date.now(), model });
    return model;
  }

  private embedder(model: EmbedderModel): Embedder {
    let embedder = this.embedders.get(model.id);
    if (!embedder || embedder.model.folder !== model.folder) {
      void embedder?.close();
      embedder = new Embedder(model);
      this.embedders.set(model.id, embedder);
    }
    return embedder;
  }

  private startReembed(model: EmbedderModel, set: VectorSet) {
    if (this.closed || this.reembedRun?.modelId === model.id) return;
    // A failed switch is retried when the user picks a model again (or on the next start), not on every search.
    if (this.reembedState?.state === 'failed' && this.reembedState.modelId === model.id) return;
    this.reembedRun?.abort.abort();
    const abort = new AbortController();
    const run = { modelId: model.id, abort, done: Promise.resolve() };
    run.done = this.runReembed(model, set, abort.signal)
      // A database failure outside the run's own error handling (e.g. a long lock) must not become an unhandled rejection.
      .catch((error) => log.error(`re-embedding with ${model.id} failed`, error))
      .finally(async () => {
        if (this.reembedRun === run) this.reembedRun = undefined;
        await this.emitStatus(); // listeners hear the final state before whenIdle() resolves
      });
    this.reembedRun = run;
  }

  private async runReembed(model: EmbedderModel, set: VectorSet, signal: AbortSignal) {
    const { db } = this.deps;
    const now = Date.now();
    // A process that stopped mid-way (quit, crash) left its job 'running'; this run continues its work.
    db.prepare(`UPDATE jobs SET state = 'cancelled', updated_at = ? WHERE kind = 'reembed' AND state = 'running'`).run(now);
    // The job id belongs to this run: an aborted earlier run finishing late must not mark the new run's job.
    const jobId = Number(
      db
        .prepare(`INSERT INTO jobs (kind, payload_json, state, created_at, updated_at) VALUES ('reembed', ?, 'running', ?, ?)`)
        .run(JSON.stringify({ modelId: model.id, dimension: model.dimension, setId: set.id }), now, now).lastInsertRowid,
    );
    const finishJob = (state: 'done' | 'failed' | 'cancelled', error: string | null) =>
      db.prepare('UPDATE jobs SET state = ?, error = ?, updated_at = ? WHERE id = ?').run(state, error, Date.now(), jobId);
    try {
      await reembedChunks(
        db,
        set,
        this.embedder(model),
        (progress) => {
          this.reembedState = { ...progress, state: 'running', error: null };
          db.prepare('UPDATE jobs SET progress_json = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(progress), Date.now(), jobId);
          void this.emitStatus();
        },
        signal,
      );
      finishJob('done', null);
      this.reembedState = null;
    } catch (error) {
      if (signal.aborted) {
        finishJob('cancelled', null);
        this.reembedState = null;
        return;
      }
      const message = error instanceof AppError ? error.message : 'Re-indexing with the new embedding model failed; the details are in the log.';
      log.error(`re-embedding with ${model.id} failed`, error);
      finishJob('failed', message);
      if (this.reembedState) this.reembedState = { ...this.reembedState, state: 'failed', error: message };
    }
  }

  private async emitStatus(): Promise<void> {
    if (this.events.listenerCount('status') === 0) return;
    await this.status().then(
      (status) => this.events.emit('status', status),
      (error) => log.warn('could not read the embedding status', error),
    );
  }
}
