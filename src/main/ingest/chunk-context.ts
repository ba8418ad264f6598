import type { PlacedBlock, PageText } from './pages';

// The context a chunk cannot carry in its own words: which financial statement its page is, and for a table its
// title and header row. A statement's later chunks (rows far below the title) are then still found by
// "cash flow statement"; a table split by rows names its title in every piece.

/** Titles of the primary financial statements as printed, and the name questions use for each. */
const STATEMENTS: { title: RegExp; name: string }[] = [
  { title: /\bstatements?\s+of\s+(?:consolidated\s+)?cash\s+flows?\b|\bcash\s+flows?\s+statements?\b/i, name: 'cash flow statement' },
  { title: /\bbalance\s+sheets?\b|\bstatements?\s+of\s+(?:consolidated\s+)?financial\s+(?:position|condition)\b/i, name: 'balance sheet' },
  {
    title: /\bstatements?\s+of\s+(?:consolidated\s+)?(?:comprehensive\s+)?(?:income|operations|earnings|(?:net\s+)?loss)\b|\bincome\s+statements?\b/i,
    name: 'income statement',
  },
  {
    title: /\bstatements?\s+of\s+(?:changes\s+in\s+)?(?:consolidated\s+)?(?:(?:stock|share)(?:holders|owners)['’]?\s+)?(?:equity|deficit)\b/i,
    name: 'statement of equity',
  },
];

/** How questions name each statement ("the P&L", "statement of financial position"), by the names contexts give them. */
const STATEMENT_MENTIONS: { mention: RegExp; name: string }[] = [
  { mention: /\bcash[\s-]+flows?\b/i, name: 'cash flow statement' },
  { mention: /\bbalance\s+sheets?\b|\bstatements?\s+of\s+financial\s+(?:position|condition)\b/i, name: 'balance sheet' },
  { mention: /\bincome\s+statements?\b|\bstatements?\s+of\s+(?:comprehensive\s+)?(?:income|operations|earnings)\b|\bP\s*&\s*L\b|\bprofit\s+and\s+loss\b/i, name: 'income statement' },
  { mention: /\bstatements?\s+of\s+(?:changes\s+in\s+)?(?:(?:stock|share)(?:holders|owners)['’]?\s+)?equity\b|\bequity\s+statements?\b/i, name: 'statement of equity' },
];

/** The statements a question names, as contexts name them ("cash flow statement"). */
export const statementsNamedIn = (query: string) => STATEMENT_MENTIONS.filter((s) => s.mention.test(query)).map((s) => s.name);

/** A title starts with the statement's name ("Consolidated Balance Sheets"), not a sentence or a note that mentions one. */
const STATEMENT_START = /^(?:(?:condensed|consolidated|combined|consolidating|interim|unaudited)\s+)*(?:statements?\s+of|balance\s+sheets?|income\s+statements?|cash\s+flows?\s+statements?)/i;

/** A statement's title sits in the page's first few blocks, on a short line of its own. */
const TITLE_BLOCKS = 6;
const MAX_TITLE_CHARS = 120;
const CONTINUED = /\(?\bcontinued\b\)?/i;

/** "Consolidated Statements of Cash Flows (cash flow statement)" when the block is a statement's title, else null. */
export function statementTitle(text: string): string | null {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length > MAX_TITLE_CHARS || !STATEMENT_START.test(line) || /\bnotes?\s+to\b|\d{2,}\s*$|[.:;]$/i.test(line)) return null;
  for (const statement of STATEMENTS) if (statement.title.test(line)) return `${line.replace(CONTINUED, '').trim()} (${statement.name})`;
  return null;
}

/**
 * The statement a page belongs to: a title among its first blocks, else the previous page's statement when this page
 * says it continues; null otherwise.
 */
export function pageContext(page: PageText, previous: string | null): string | null {
  const top = page.blocks.slice(0, TITLE_BLOCKS);
  for (const block of top) {
    const title = statementTitle(block.text);
    if (title) return title;
  }
  return previous && top.some((block) => block.text.length <= MAX_TITLE_CHARS && CONTINUED.test(block.text)) ? previous : null;
}

/** A table's title (the short line just above it) and its header row. */
export function tableContext(blocks: PlacedBlock[], index: number): string | null {
  const table = blocks[index];
  const above = blocks[index - 1];
  const title = above && above.kind !== 'table' && above.text.length <= MAX_TITLE_CHARS ? above.text.replace(/\s+/g, ' ').trim() : null;
  const header = (table.tableHeader ?? table.text).split('\n')[0].replace(/[|]+/g, ' ').replace(/\s+/g, ' ').trim();
  return [title, header].filter(Boolean).join(' › ') || null;
}
