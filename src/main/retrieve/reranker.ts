import type { Settings } from '../../shared/settings';
import { RERANKER_ID } from '../models/catalog';
import { findInstalled, type Env } from '../models/registry';
import { log } from '../platform/log';
import { CrossEncoderScorer } from './cross-encoder';
import { lexicalScorer, type PassageScorer } from './rerank';

// Which scorer the rerank stage uses: the catalog's cross-encoder when it is installed and "Rerank with" is on, none
// otherwise (BM25 + vectors keep their fused order, as measured in docs/retrieval.md). A model that fails to load or
// crashes is replaced by the lexical scorer, with one log line, so a broken folder never fails a search.

export interface RerankerHost {
  dataDir: string;
  settings: { get(): Pick<Settings, 'rerankEnabled'> };
  env?: Env;
}

export class RerankerChoice {
  private loaded: { key: string; model: CrossEncoderScorer; scorer: PassageScorer } | undefined;

  constructor(private readonly host: RerankerHost) {}

  /** The scorer for the next search, or undefined when no reranker is installed or reranking is off. */
  async current(): Promise<PassageScorer | undefined> {
    if (!this.host.settings.get().rerankEnabled) return undefined;
    const installed = await findInstalled(this.host.dataDir, RERANKER_ID, this.host.env);
    if (!installed || installed.kind !== 'reranker') return undefined;
    // A reinstall writes a new manifest, so a model that failed before is tried again.
    const key = `${installed.dir}\n${installed.installedAt}`;
    if (this.loaded?.key !== key) {
      void this.loaded?.model.close();
      const model = new CrossEncoderScorer(installed.dir, installed.id);
      this.loaded = { key, model, scorer: withLexicalFallback(model) };
    }
    return this.loaded.scorer;
  }

  async close(): Promise<void> {
    await this.loaded?.model.close();
    this.loaded = undefined;
  }
}

/** The model's scores while it works; the lexical scorer's from its first failure on (a cancelled search is no failure). */
export function withLexicalFallback(model: PassageScorer, fallback: PassageScorer = lexicalScorer): PassageScorer {
  let failed = false;
  return {
    get name() {
      return failed ? fallback.name : model.name;
    },
    async score(query, passages, signal) {
      if (!failed) {
        try {
          return await model.score(query, passages, signal);
        } catch (error) {
          if (signal?.aborted) throw error;
          failed = true;
          log.warn(`reranker ${model.name} failed, reranking with the ${fallback.name} scorer until it is reinstalled: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return fallback.score(query, passages, signal);
    },
  };
}
