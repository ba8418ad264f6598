import { InvalidArgumentError, Option } from 'commander';
import type { SearchHit, SearchMode, SearchResult } from '../../../shared/contract/search';
import { AppError } from '../../../shared/errors';
import { search } from '../../retrieve/index';
import type { Services } from '../../services';
import type { CommandModule } from '../context';
import { evaluateRetrieval, type EvalReport } from '../../retrieve/beir/evaluate';

// lockstep search "<query>" [--k 10] [--mode bm25|vector|hybrid] [--workspace W] [--documents 1,2] [--lambda 0.75]
// lockstep eval retrieval --beir <dir> [--split test] [--mode bm25|vector|hybrid] [--queries N]

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('Give a whole number of 1 or more.');
  return n;
};

const nonNegative = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 10)) throw new InvalidArgumentError('Give a number from 0 to 10.');
  return n;
};

const unitInterval = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('Give a number from 0 to 1.');
  return n;
};

/** A workspace given by id or by name (case-insensitive). */
export function resolveWorkspace(services: Services, nameOrId: string): number {
  const row = services.db.prepare('SELECT id FROM workspaces WHERE id = ? OR name = ? COLLATE NOCASE').get(Number(nameOrId) || -1, nameOrId) as
    | { id: number }
    | undefined;
  if (!row) throw new AppError('not_found', `There is no workspace "${nameOrId}". List them with: lockstep workspaces list`);
  return row.id;
}

const modeOption = () => new Option('--mode <mode>', 'bm25, vector or hybrid').choices(['bm25', 'vector', 'hybrid']);

export const searchCommand: CommandModule = (program, cli) => {
  program
    .command('search <query...>')
    .description('search the indexed documents (keywords and meaning, fused)')
    .option('--k <n>', 'number of hits', positiveInt, 10)
    .addOption(modeOption().default('hybrid'))
    .option('--workspace <name or id>', 'search one workspace only')
    .option('--documents <ids>', 'comma-separated document ids to search within')
    .option('--lambda <0..1>', 'MMR trade-off: 1 = relevance order only, lower = more varied passages', unitInterval, 0.75)
    .option('--vector-weight <w>', 'fusion weight of vector hits relative to keyword hits (default: the vectorSearchWeight setting)', nonNegative)
    .action(async (words: string[], options: { k: number; mode: SearchMode; workspace?: string; documents?: string; lambda: number; vectorWeight?: number }) => {
      const services = cli.services();
      const documentIds = options.documents?.split(',').map((id) => positiveInt(id.trim()));
      const result = await search(services, {
        query: words.join(' '),
        k: options.k,
        mode: options.mode,
        lambda: options.lambda,
        vectorWeight: options.vectorWeight,
        workspaceId: options.workspace ? resolveWorkspace(services, options.workspace) : undefined,
        documentIds,
      });
      cli.print(result, () => formatResult(result));
    });

  program
    .command('eval')
    .description('measure Lockstep against public benchmarks')
    .command('retrieval')
    .description('index a BEIR folder into a temporary library and report nDCG@10, Recall@10/100, MRR@10 and latency')
    .requiredOption('--beir <dir>', 'BEIR-format folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv')
    .option('--split <split>', 'qrels split to score', 'test')
    .addOption(modeOption().default('bm25'))
    .option('--queries <n>', 'score only the first n judged queries', positiveInt)
    .option('--heading-weight <w>', 'BM25 weight of the heading column relative to the body', nonNegative)
    .option('--vector-weight <w>', 'fusion weight of vector hits relative to keyword hits', nonNegative)
    .option('--max-term-share <share>', 'rank by terms found in at most this share of chunks (1 = all terms)', unitInterval)
    .action(async (options: { beir: string; split: string; mode: SearchMode; queries?: number; headingWeight?: number; maxTermShare?: number; vectorWeight?: number }) => {
      const settings = cli.services().settings.get();
      const report = await evaluateRetrieval({
        beirDir: options.beir,
        split: options.split,
        mode: options.mode,
        dataDir: cli.dataDir(),
        embedderId: settings.embedderId,
        chunkTokens: settings.chunkTokens,
        limitQueries: options.queries,
        search: { keyword: { headingWeight: options.headingWeight, maxTermShare: options.maxTermShare }, vectorWeight: options.vectorWeight },
        onProgress: (line) => cli.progress(line),
      });
      cli.print(report, () => formatReport(report));
    });
};

function formatReport(report: EvalReport): string {
  const { metrics, latencyMs } = report;
  return [
    `${report.mode} retrieval on ${report.dataset} (${report.split}): ${report.queries} queries over ${report.documents} documents (${report.chunks} chunks)${report.embeddingModel ? `, vectors: ${report.embeddingModel}` : ''}`,
    `nDCG@10 ${metrics.ndcgAt10.toFixed(4)} · Recall@10 ${metrics.recallAt10.toFixed(4)} · Recall@100 ${metrics.recallAt100.toFixed(4)} · MRR@10 ${metrics.mrrAt10.toFixed(4)}`,
    `query latency p50 ${latencyMs.p50} ms · p95 ${latencyMs.p95} ms · indexing took ${report.indexSeconds} s`,
  ].join('\n');
}

function pageText(hit: SearchHit): string {
  const { start, end, labelStart, labelEnd } = hit.pages;
  const numbers = start === end ? `p. ${start}` : `pp. ${start}–${end}`;
  const labels = labelStart && (labelStart !== String(start) || labelEnd !== String(end)) ? ` (printed ${labelStart === labelEnd ? labelStart : `${labelStart}–${labelEnd}`})` : '';
  return numbers + labels;
}

function signalText(hit: SearchHit): string {
  const parts: string[] = [];
  if (hit.signals.bm25) parts.push(`bm25 #${hit.signals.bm25.rank} ${hit.signals.bm25.score.toFixed(2)}`);
  if (hit.signals.vector) parts.push(`vector #${hit.signals.vector.rank} ${hit.signals.vector.similarity.toFixed(3)}`);
  return parts.join(' · ');
}

function formatResult(result: SearchResult): string {
  const lines: string[] = [];
  if (result.notice) lines.push(`Note: ${result.notice}`, '');
  if (result.hits.length === 0) lines.push('No passages match that search.');
  result.hits.forEach((hit, i) => {
    const snippet = hit.text.replace(/\s+/g, ' ').trim();
    lines.push(
      `${i + 1}. ${hit.document.title} — ${pageText(hit)} — ${hit.document.path}`,
      ...(hit.context ? [`   [${hit.context}]`] : []),
      ...(hit.headingPath ? [`   ${hit.headingPath}`] : []),
      `   ${snippet.length > 220 ? snippet.slice(0, 219) + '…' : snippet}`,
      `   [${signalText(hit)}]`,
    );
  });
  lines.push('', `${result.mode} search, ${result.timings.totalMs.toFixed(1)} ms${result.embeddingModel ? ` (vectors: ${result.embeddingModel})` : ''}`);
  return lines.join('\n');
}
