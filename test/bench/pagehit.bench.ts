// npm run bench:pagehit -- --set ../shared/corpus/financebench-dev [--json] [--data-dir DIR] [--rm3] [--misses]
//   [--heading-weight W] [--context-weight W] [--routing-weight W] [--statement-weight W] [--lambda L] [--rerank lexical|model]
// Page-level retrieval over a FinanceBench-style set (questions.jsonl + pdfs/): ingests the filings (once per data
// folder), then asks every question through search() in BM25 mode, in a shared store (every filing) and in a single
// store (the question's own filing), and counts a hit at k when one of the top k passages covers a gold evidence page.
// The anchor, measured in the same run, is filing-hit@k: how often the right filing appears at all in the shared top k.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SearchHit } from '../../src/shared/contract/search';
import { createServices } from '../../src/main/services';
import { search } from '../../src/main/retrieve/index';
import { lexicalScorer } from '../../src/main/retrieve/rerank';

interface Question {
  financebench_id: string;
  question: string;
  doc_name: string;
  evidence: { doc_name: string; evidence_page_num: number }[];
}

interface HitsAtK {
  at1: number;
  at5: number;
  at10: number;
}

const { values } = parseArgs({
  options: {
    set: { type: 'string' },
    json: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    rm3: { type: 'boolean', default: false },
    misses: { type: 'boolean', default: false },
    // Tuning, for measuring one stage at a time: BM25 column weights, routing, statement boost, MMR trade-off, reranker.
    'heading-weight': { type: 'string' },
    'context-weight': { type: 'string' },
    'routing-weight': { type: 'string' },
    'statement-weight': { type: 'string' },
    lambda: { type: 'string' },
    rerank: { type: 'string' },
  },
});
if (!values.set) {
  process.stderr.write('Give the question set: npm run bench:pagehit -- --set ../shared/corpus/financebench-dev\n');
  process.exit(2);
}
const setDir = path.resolve(values.set);
const questions = readFileSync(path.join(setDir, 'questions.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Question);

const keptDataDir = values['data-dir'] ? path.resolve(values['data-dir']) : null;
const dataDir = keptDataDir ?? mkdtempSync(path.join(os.tmpdir(), 'lockstep-pagehit-'));
const log = (line: string) => process.stderr.write(line + '\n');

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
const round = (n: number, places = 3) => Math.round(n * 10 ** places) / 10 ** places;

/** 1-based rank of the first hit satisfying `good`, or Infinity. */
const firstRank = (hits: SearchHit[], good: (hit: SearchHit) => boolean) => {
  const index = hits.findIndex(good);
  return index < 0 ? Infinity : index + 1;
};

const share = (ranks: number[], k: number) => round(ranks.filter((r) => r <= k).length / ranks.length);
const atK = (ranks: number[]): HitsAtK => ({ at1: share(ranks, 1), at5: share(ranks, 5), at10: share(ranks, 10) });

async function main() {
  const services = createServices({ dataDir, mode: 'cli' });
  try {
    const ingestStarted = performance.now();
    const queue = services.ingest;
    queue.start();
    const { added } = await queue.addPaths([path.join(setDir, 'pdfs')]);
    await queue.whenSettled(added.map((file) => file.documentId));
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    const documents = services.db.prepare("SELECT id, path FROM documents WHERE status = 'indexed'").all() as { id: number; path: string }[];
    const idByName = new Map(documents.map((d) => [path.basename(d.path, path.extname(d.path)), d.id]));
    const pages = (services.db.prepare('SELECT COALESCE(SUM(page_count), 0) AS n FROM documents').get() as { n: number }).n;
    log(`${documents.length} filings, ${pages} pages indexed (${ingestSeconds.toFixed(1)} s)`);

    // --rerank lexical | model (the installed catalog reranker); none by default, so figures never depend on what is installed.
    const chooseReranker = async (name: string | undefined) => {
      if (name === undefined) return null;
      if (name === 'lexical') return lexicalScorer;
      const installed = name === 'model' ? await services.reranker() : undefined;
      if (!installed) throw new Error(name === 'model' ? 'No reranker is installed: lockstep models pull Xenova/ms-marco-MiniLM-L-6-v2' : `--rerank takes lexical or model, not ${name}`);
      return installed;
    };
    const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
    const options = {
      keyword: {
        feedback: values.rm3 ? ('rm3' as const) : null,
        headingWeight: number(values['heading-weight']),
        contextWeight: number(values['context-weight']),
        routingWeight: number(values['routing-weight']),
        statementWeight: number(values['statement-weight']),
      },
      reranker: await chooseReranker(values.rerank),
    };
    const lambda = number(values.lambda);
    const ask = (query: string, documentIds?: number[]) => search(services, { query, k: 10, mode: 'bm25', documentIds, lambda }, options);
    // One untimed query warms SQLite's page cache and the statement cache.
    await ask(questions[0].question);

    const shared: number[] = [];
    const single: number[] = [];
    const filing: number[] = [];
    const latencies: number[] = [];
    const misses: string[] = [];
    for (const q of questions) {
      const gold = new Set(q.evidence.map((e) => `${idByName.get(e.doc_name)}:${e.evidence_page_num + 1}`));
      const ownId = idByName.get(q.doc_name);
      if (ownId === undefined) throw new Error(`${q.doc_name} is not in ${setDir}/pdfs`);
      const covers = (hit: SearchHit) => {
        for (let page = hit.pages.start; page <= hit.pages.end; page++) if (gold.has(`${hit.document.id}:${page}`)) return true;
        return false;
      };
      const started = performance.now();
      const sharedHits = (await ask(q.question)).hits;
      latencies.push(performance.now() - started);
      const singleStarted = performance.now();
      const singleHits = (await ask(q.question, [ownId])).hits;
      latencies.push(performance.now() - singleStarted);
      shared.push(firstRank(sharedHits, covers));
      single.push(firstRank(singleHits, covers));
      filing.push(firstRank(sharedHits, (hit) => hit.document.id === ownId));
      if (values.misses) {
        const goldPages = q.evidence.map((e) => e.evidence_page_num + 1).join(',');
        const top = (hits: SearchHit[]) => hits.slice(0, 5).map((h) => `${path.basename(h.document.path, '.pdf')}:${h.pages.start}`).join(' ');
        misses.push(
          `${q.financebench_id} ${q.doc_name} gold ${goldPages} | shared #${shared.at(-1)} single #${single.at(-1)} filing #${filing.at(-1)}\n  Q: ${q.question.slice(0, 200)}\n  shared: ${top(sharedHits)}\n  single: ${top(singleHits)}`,
        );
      }
    }
    latencies.sort((a, b) => a - b);
    const report = {
      questions: questions.length,
      shared: atK(shared),
      single: atK(single),
      filing: atK(filing),
      p50_ms: round(quantile(latencies, 0.5), 1),
      p95_ms: round(quantile(latencies, 0.95), 1),
    };
    if (values.misses) log(misses.join('\n'));
    if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
    else {
      const row = (name: string, h: HitsAtK) => `${name.padEnd(8)} @1 ${h.at1.toFixed(3)}  @5 ${h.at5.toFixed(3)}  @10 ${h.at10.toFixed(3)}`;
      process.stdout.write(
        [
          `page-hit over ${report.questions} questions (BM25${values.rm3 ? ' + RM3' : ''}${values.rerank ? ` + ${values.rerank} rerank` : ''})`,
          row('shared', report.shared),
          row('single', report.single),
          row('filing', report.filing),
          `search p50 ${report.p50_ms} ms · p95 ${report.p95_ms} ms`,
        ].join('\n') + '\n',
      );
    }
  } finally {
    await services.close();
    if (!keptDataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
