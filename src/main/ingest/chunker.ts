import type { BlockKind, TableRows } from './document';
import { headingPathText } from './document';
import type { PageText, PlacedBlock } from './pages';
import type { TokenCounter } from './tokens';
import { splitSentences } from '../text/segment';
import { pageContext, tableContext } from './chunk-context';

// Structure-aware chunking: a heading starts a new chunk; blocks are packed whole while they fit the token budget;
// a table that does not fit is split by rows with its header repeated; long prose is split at sentence boundaries
// (Intl.Segmenter, so CJK is split by sentences, not spaces); consecutive chunks of one section overlap by a few sentences.

export interface Chunk {
  ordinal: number;
  text: string;
  tokenCount: number;
  pageStart: number;
  pageEnd: number;
  labelStart: string | null;
  labelEnd: string | null;
  /** Offset into the text of pageStart where the chunk begins, and into the text of pageEnd where it ends. */
  charStart: number;
  charEnd: number;
  headingPath: string;
  /**
   * The chunk's contextual header, indexed in its own column and shown with citations: what the document is (entity,
   * form, period), the financial statement its page belongs to, a table's title and header row.
   */
  context: string;
  kind: BlockKind | 'mixed';
}

export interface ChunkOptions {
  /** Upper bound on tokens per chunk. */
  maxTokens: number;
  /** Tokens of trailing sentences repeated at the start of the next chunk within a section. */
  overlapTokens: number;
  counter: TokenCounter;
  /** Names the document in every chunk's context ("General Mills, Inc. · 10-K · FY2022"); empty when unknown. */
  documentLabel?: string;
}

/** Room left for the embedder's special tokens and passage prefix ("passage: ", [CLS], [SEP]). */
export const RESERVED_TOKENS = 8;

export function chunkOptionsFor(chunkTokens: number, counter: TokenCounter): ChunkOptions {
  const maxTokens = Math.max(32, chunkTokens - RESERVED_TOKENS);
  return { maxTokens, overlapTokens: Math.floor(maxTokens * 0.15), counter };
}

/** The smallest piece the packer moves around: a whole block, a sentence, a group of table rows. */
interface Unit {
  text: string;
  tokens: number;
  page: PageText;
  start: number;
  end: number;
  kind: BlockKind;
  headingPath: string[];
  /** True for a piece of a larger block (sentence, row group): eligible for overlap. */
  partial: boolean;
  /** Joins this unit to the previous one in chunk text. */
  joiner: string;
  /** The statement, table title and header row this unit belongs to (chunk-context.ts). */
  context: string;
  /** For a piece of a split table: the body rows it holds, out of the table's total. */
  rows?: TableRows;
}

function hardSplit(text: string, tokens: number, maxTokens: number): { text: string; start: number }[] {
  // One "sentence" over budget (a log line, a CJK run without punctuation): cut at whitespace near the proportional length.
  const parts = Math.ceil(tokens / maxTokens) + 1;
  const target = Math.ceil(text.length / parts);
  const pieces: { text: string; start: number }[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + target);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start + target / 2) end = space + 1;
    }
    pieces.push({ text: text.slice(start, end), start });
    start = end;
  }
  return pieces;
}

function unitsOfBlock(block: PlacedBlock, page: PageText, options: ChunkOptions, context: string): Unit[] {
  const { counter, maxTokens } = options;
  const tokens = counter.count(block.text);
  const base = { page, kind: block.kind, headingPath: block.headingPath, context };
  if (tokens <= maxTokens) return [{ ...base, text: block.text, tokens, start: block.start, end: block.end, partial: false, joiner: '\n\n', ...(block.tableRows ? { rows: block.tableRows } : {}) }];

  const header = block.kind === 'table' && block.tableHeader && block.text.startsWith(block.tableHeader) ? block.tableHeader : null;
  const headerTokens = header ? counter.count(header) : 0;
  // A header too wide to repeat (dozens of columns) would crowd out the rows: such tables are split like prose.
  if (header && headerTokens <= maxTokens / 2) {
    const units: Unit[] = [];
    const bodyRows = block.text.slice(header.length + 1).split('\n');
    const firstRow = block.tableRows?.first ?? 1;
    const total = block.tableRows?.total ?? bodyRows.length;
    let rows: string[] = [];
    let rowIndex = 0;
    let rowsStart = block.start + header.length + 1;
    let cursor = rowsStart;
    let rowTokens = headerTokens;
    const flush = () => {
      if (rows.length === 0) return;
      const text = `${header}\n${rows.join('\n')}`;
      const held = { first: firstRow + rowIndex - rows.length, last: firstRow + rowIndex - 1, total };
      units.push({ ...base, text, tokens: counter.count(text), start: rowsStart, end: cursor - 1, partial: true, joiner: '\n\n', rows: held });
      rows = [];
      rowTokens = headerTokens;
      rowsStart = cursor;
    };
    for (const row of bodyRows) {
      const t = counter.count(row) + 1;
      if (rows.length && rowTokens + t > maxTokens) flush();
      rows.push(row);
      rowIndex++;
      rowTokens += t;
      cursor += row.length + 1;
    }
    flush();
    return units;
  }

  const units: Unit[] = [];
  let first = true;
  for (const sentence of splitSentences(block.text)) {
    const sentenceTokens = counter.count(sentence.text);
    const pieces = sentenceTokens <= maxTokens ? [{ text: sentence.text, start: 0 }] : hardSplit(sentence.text, sentenceTokens, maxTokens);
    for (const piece of pieces) {
      const start = block.start + sentence.start + piece.start;
      const text = piece.text;
      units.push({ ...base, text, tokens: pieces.length === 1 ? sentenceTokens : counter.count(text), start, end: start + text.length, partial: true, joiner: first ? '\n\n' : '' });
      first = false;
    }
  }
  return units;
}

/** Each distinct unit context once; a split table's names the rows the chunk holds ("rows 26–50 of 80"). */
function unitContexts(units: Unit[]): string[] {
  const held = new Map<string, TableRows | null>();
  for (const { context, rows } of units) {
    const known = held.get(context) ?? null;
    const split = rows && rows.last - rows.first + 1 < rows.total ? rows : null;
    held.set(context, known && split ? { first: Math.min(known.first, split.first), last: Math.max(known.last, split.last), total: split.total } : (known ?? split));
  }
  return [...held].map(([context, rows]) => (rows ? [context, `rows ${rows.first}–${rows.last} of ${rows.total}`].filter(Boolean).join(' › ') : context)).filter(Boolean);
}

function buildChunk(units: Unit[], ordinal: number, documentLabel: string): Chunk {
  const text = units.map((u, i) => (i === 0 ? u.text : u.joiner + u.text)).join('').trim();
  const first = units[0];
  const last = units.at(-1)!;
  const kinds = new Set(units.filter((u) => u.kind !== 'heading').map((u) => u.kind));
  const deepest = units.reduce((best, u) => (u.headingPath.length > best.length ? u.headingPath : best), first.headingPath);
  return {
    ordinal,
    text,
    // WordPiece splits at whitespace and punctuation first, so the units add up (exactly, unless a word was hard-split).
    tokenCount: units.reduce((sum, u) => sum + u.tokens, 0),
    pageStart: first.page.number,
    pageEnd: last.page.number,
    labelStart: first.page.label,
    labelEnd: last.page.label,
    charStart: first.start,
    charEnd: last.end,
    headingPath: headingPathText(units.find((u) => u.kind !== 'heading')?.headingPath ?? deepest),
    context: [documentLabel, ...unitContexts(units)].filter(Boolean).join(' › '),
    kind: kinds.size === 1 ? [...kinds][0] : kinds.size === 0 ? 'heading' : 'mixed',
  };
}

/**
 * Cuts chunks from pages handed over in reading order, one at a time: a long document streams through it, and it holds
 * only the units of the chunk being filled (and the pages they sit on).
 */
export class DocumentChunker {
  private current: Unit[] = [];
  private currentTokens = 0;
  private ordinal = 0;
  private statement: string | null = null;

  constructor(private readonly options: ChunkOptions) {}

  /** Adds the next page; returns the chunks it completed. */
  addPage(page: PageText): Chunk[] {
    const done: Chunk[] = [];
    this.statement = pageContext(page, this.statement);
    page.blocks.forEach((block, index) => {
      const context = [this.statement, block.kind === 'table' ? tableContext(page.blocks, index) : null].filter(Boolean).join(' › ');
      for (const unit of unitsOfBlock(block, page, this.options, context)) {
        if (unit.kind === 'heading' && this.current.some((u) => u.kind !== 'heading')) this.flush(false, done);
        else if (this.currentTokens + unit.tokens > this.options.maxTokens) {
          this.flush(true, done);
          // An overlap that leaves no room for the next unit is dropped.
          if (this.currentTokens + unit.tokens > this.options.maxTokens) {
            this.current = [];
            this.currentTokens = 0;
          }
        }
        this.current.push(unit);
        this.currentTokens += unit.tokens;
      }
    });
    return done;
  }

  /** Ends the document; returns its last chunk, if any. */
  finish(): Chunk[] {
    const done: Chunk[] = [];
    this.flush(false, done);
    return done;
  }

  /** Page numbers the chunk being filled still refers to. */
  get pagesHeld(): number[] {
    return [...new Set(this.current.map((u) => u.page.number))];
  }

  private flush(withOverlap: boolean, done: Chunk[]): void {
    if (!this.current.some((u) => u.kind !== 'heading')) return; // a heading alone waits for its section's text
    done.push(buildChunk(this.current, this.ordinal++, this.options.documentLabel ?? ''));
    const carried: Unit[] = [];
    let carriedTokens = 0;
    if (withOverlap) {
      for (let i = this.current.length - 1; i > 0; i--) {
        const unit = this.current[i];
        if (!unit.partial || unit.kind === 'table' || carriedTokens + unit.tokens > this.options.overlapTokens) break;
        carried.unshift(unit);
        carriedTokens += unit.tokens;
      }
    }
    this.current = carried;
    this.currentTokens = carriedTokens;
  }
}

/** Splits a document's pages into chunks in reading order. */
export function chunkDocument(pages: PageText[], options: ChunkOptions): Chunk[] {
  const chunker = new DocumentChunker(options);
  return [...pages.flatMap((page) => chunker.addPage(page)), ...chunker.finish()];
}
