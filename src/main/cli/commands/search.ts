import { InvalidArgumentError, Option } from 'commander';
import type { SearchHit, SearchResult } from '../../../shared/contract/search';
import { AppError } from '../../../shared/errors';
import { search } from '../../retrieve/index';
import type { Services } from '../../services';
import type { CommandModule } from '../context';
import { evalRetrievalCommand } from './eval-retrieval';

// lockstep search "<query>" [--k 10] [--mode bm25|vector|hybrid] [--workspace W] [--documents 1,2] [--lambda 0.75]

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('Give a whole number of 1 or more.');
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

export const searchCommand: CommandModule = (program, cli) => {
  program
    .command('search <query...>')
    .description('search the indexed documents (keywords and meaning, fused)')
    .option('--k <n>', 'number of hits', positiveInt, 10)
    .addOption(new Option('--mode <mode>', 'bm25, vector or hybrid').choices(['bm25', 'vector', 'hybrid']).default('hybrid'))
    .option('--workspace <name or id>', 'search one workspace only')
    .option('--documents <ids>', 'comma-separated document ids to search within')
    .option('--lambda <0..1>', 'MMR trade-off: 1 = relevance order only, lower = more varied passages', unitInterval, 0.75)
    .action(async (words: string[], options: { k: number; mode: 'bm25' | 'vector' | 'hybrid'; workspace?: string; documents?: string; lambda: number }) => {
      const services = cli.services();
      const documentIds = options.documents?.split(',').map((id) => positiveInt(id.trim()));
      const result = await search(services, {
        query: words.join(' '),
        k: options.k,
        mode: options.mode,
        lambda: options.lambda,
        workspaceId: options.workspace ? resolveWorkspace(services, options.workspace) : undefined,
        documentIds,
      });
      cli.print(result, () => formatResult(result));
    });

  evalRetrievalCommand(program, cli);
};

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
      ...(hit.headingPath ? [`   ${hit.headingPath}`] : []),
      `   ${snippet.length > 220 ? snippet.slice(0, 219) + '…' : snippet}`,
      `   [${signalText(hit)}]`,
    );
  });
  lines.push('', `${result.mode} search, ${result.timings.totalMs.toFixed(1)} ms${result.embeddingModel ? ` (vectors: ${result.embeddingModel})` : ''}`);
  return lines.join('\n');
}
