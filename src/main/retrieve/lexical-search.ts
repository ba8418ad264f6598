import { statementsNamedIn } from '../ingest/chunk-context';
import type { Db } from '../store/db';
import { expansionsFor } from './abbreviations';
import { pinnedDocuments, routeDocuments } from './document-index';
import { queryTerms } from './keyword-query';
import { keywordIndexVersion } from './bm25-postings';
import { matchChunks, rankedTerms, type KeywordHit, type KeywordTuning } from './keyword-search';
import { analyseQuery } from './query-analysis';
import { feedbackTerms } from './relevance-feedback';

// The keyword side of search, in stages: analyse the query (fold answer-form words, normalise periods, expand the
// library's own abbreviations), route it to documents, rank passages with BM25 over body, heading and context, and
// fuse each passage's score with its document's: a question naming a company and "FY2021" ranks that filing first.

export interface LexicalTuning extends KeywordTuning {
  /** Weight of the document score (normalised to the best document) added to the passage score (normalised likewise); 0 turns routing off. */
  routingWeight?: number;
  /** Added to the fused score of a passage from a financial statement the question names ("using the cash flow statement"). */
  statementWeight?: number;
  /** Pseudo-relevance feedback: 'rm3' adds the terms that best describe the first ranking's top passages. */
  feedback?: 'rm3' | null;
}

export interface LexicalOptions extends LexicalTuning {
  k: number;
  workspaceId?: number;
  documentIds?: number[];
}

export const DEFAULT_ROUTING_WEIGHT = 0.5;
export const DEFAULT_STATEMENT_WEIGHT = 0.5;
/** Passages fetched by BM25 before routing and the statement boost reorder them. */
export const CANDIDATE_POOL = 400;

/** The query's terms for ranking: folded and normalised, plus the words of the library's definitions of its short forms. */
export function lexicalTerms(db: Db, query: string): string[] {
  const { terms } = analyseQuery(query);
  const expansions = expansionsFor(db, query).flatMap((long) => queryTerms(long));
  return [...new Set([...terms, ...expansions])];
}

/** What ranking needs to know about the question beyond its terms. */
interface QueryFacts {
  periods: string[];
  statements: string[];
  /** The keyword index version, read once per search (keywordIndexVersion). */
  version: string;
}

export function lexicalSearch(db: Db, query: string, options: LexicalOptions): KeywordHit[] {
  const terms = lexicalTerms(db, query);
  const facts = { periods: analyseQuery(query).periods, statements: statementsNamedIn(query), version: keywordIndexVersion(db) };
  const first = rankPassages(db, terms, facts, options);
  if (options.feedback !== 'rm3' || first.length === 0) return first;
  const extra = feedbackTerms(db, first, new Set(terms));
  return extra.length > 0 ? rankPassages(db, [...terms, ...extra], facts, options) : first;
}

function rankPassages(db: Db, terms: string[], { periods, statements, version }: QueryFacts, options: LexicalOptions): KeywordHit[] {
  const ranked = rankedTerms(db, terms, options.maxTermShare, version);
  if (ranked.length === 0) return [];
  const filter = { workspaceId: options.workspaceId, documentIds: options.documentIds };
  const tuning = { headingWeight: options.headingWeight, contextWeight: options.contextWeight };
  const routingWeight = options.routingWeight ?? DEFAULT_ROUTING_WEIGHT;
  const routes = routingWeight > 0 && options.documentIds?.length !== 1 ? routeDocuments(db, terms, filter) : new Map<number, number>();

  // FTS5 scores every row the expression matches before it sorts, so one deep fetch costs about what a shallow one
  // does; routing and the statement boost then reorder that pool instead of issuing a query per document. A question
  // that names a filing's organisation and period is searched within the filings it pins, a few rowid ranges.
  const pinned = routingWeight > 0 && options.documentIds?.length !== 1 ? pinnedDocuments(db, terms, periods, filter) : null;
  const candidates = matchChunks(db, ranked, { k: Math.max(options.k, CANDIDATE_POOL), ...tuning, ...filter, documentIds: pinned ?? filter.documentIds }, version);
  const bestRoute = Math.max(0, ...routes.values());
  const statementWeight = options.statementWeight ?? DEFAULT_STATEMENT_WEIGHT;
  const inStatement = (hit: KeywordHit) => statements.some((name) => hit.context.includes(`(${name})`));
  const bestPassage = Math.max(0, ...candidates.map((hit) => hit.score));
  const fused = (hit: KeywordHit) =>
    (bestPassage > 0 ? hit.score / bestPassage : 0) +
    (bestRoute > 0 ? (routingWeight * (routes.get(hit.documentId) ?? 0)) / bestRoute : 0) +
    (inStatement(hit) ? statementWeight : 0);
  return candidates
    .map((hit) => ({ hit, score: fused(hit) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, options.k)
    .map(({ hit, score }) => ({ ...hit, score }));
}
