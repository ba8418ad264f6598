import type { Block } from '../document';

// Turns an HTML DOM (linkedom; from mammoth, EPUB chapters or Readability output) into blocks:
// headings open heading paths, lists and tables become Markdown, <pre> stays code.

interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
  getAttribute?(name: string): string | null;
}

const ELEMENT = 1;
const TEXT = 3;
const skipped = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'HEAD', 'NAV', 'BUTTON', 'IFRAME', 'OBJECT']);
const blockLevel = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'ASIDE', 'HEADER', 'FOOTER', 'BLOCKQUOTE', 'FIGURE', 'FIGCAPTION', 'DL', 'DT', 'DD', 'ADDRESS', 'BODY', 'HTML', 'CENTER', 'FORM', 'FIELDSET', 'DETAILS', 'SUMMARY']);

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();
const children = (node: DomNode) => Array.from(node.childNodes);

/** Inline text of a node: collapses whitespace, keeps line breaks from <br>, uses alt text for images and math. */
function inlineText(node: DomNode): string {
  if (node.nodeType === TEXT) return node.textContent ?? '';
  if (node.nodeType !== ELEMENT || skipped.has(node.nodeName)) return '';
  if (node.nodeName === 'BR') return '\n';
  if (node.nodeName === 'IMG') return node.getAttribute?.('alt') ? ` ${node.getAttribute('alt')} ` : '';
  if (node.nodeName === 'MATH') return ` ${node.getAttribute?.('alttext') ?? node.textContent ?? ''} `;
  const inner = children(node).map(inlineText).join('');
  return blockLevel.has(node.nodeName) || node.nodeName === 'LI' || node.nodeName === 'TR' ? `${inner} ` : inner;
}

const cellText = (cell: DomNode) => collapse(inlineText(cell)).replace(/\|/g, '\\|');

/** A table as Markdown: the first row is the header; colspans repeat the cell so columns line up; nested tables are flattened into their cell. */
function tableToMarkdown(table: DomNode): { header: string; rows: string[] } | null {
  const rows: string[][] = [];
  const visit = (node: DomNode) => {
    for (const child of children(node)) {
      if (child.nodeType !== ELEMENT) continue;
      if (child.nodeName === 'TR') {
        const cells: string[] = [];
        for (const cell of children(child)) {
          if (cell.nodeType !== ELEMENT || (cell.nodeName !== 'TD' && cell.nodeName !== 'TH')) continue;
          const span = Math.min(20, Math.max(1, Number(cell.getAttribute?.('colspan') ?? 1) || 1));
          const text = cellText(cell);
          for (let i = 0; i < span; i++) cells.push(text);
        }
        if (cells.some((c) => c)) rows.push(cells);
      } else if (child.nodeName !== 'TABLE') visit(child);
    }
  };
  visit(table);
  if (rows.length === 0) return null;
  const width = Math.max(...rows.map((r) => r.length));
  const line = (cells: string[]) => `| ${[...cells, ...Array(width - cells.length).fill('')].join(' | ')} |`;
  const header = `${line(rows[0])}\n|${' --- |'.repeat(width)}`;
  return { header, rows: rows.slice(1).map(line) };
}

function listToMarkdown(list: DomNode, depth = 0): string {
  const ordered = list.nodeName === 'OL';
  const lines: string[] = [];
  let n = 1;
  for (const item of children(list)) {
    if (item.nodeType !== ELEMENT || item.nodeName !== 'LI') continue;
    const nested = children(item).filter((c) => c.nodeType === ELEMENT && (c.nodeName === 'UL' || c.nodeName === 'OL'));
    const own = collapse(children(item).filter((c) => !nested.includes(c)).map(inlineText).join(''));
    lines.push(`${'  '.repeat(depth)}${ordered ? `${n++}.` : '-'} ${own}`);
    for (const sub of nested) lines.push(listToMarkdown(sub, depth + 1));
  }
  return lines.filter((l) => l.trim()).join('\n');
}

/** The open headings by level; one stack spans a whole document (e.g. all EPUB chapters). */
export class HeadingStack {
  private readonly open: { level: number; text: string }[] = [];
  enter(level: number, text: string): string[] {
    while (this.open.length && this.open.at(-1)!.level >= level) this.open.pop();
    this.open.push({ level, text });
    return this.path();
  }
  path(): string[] {
    return this.open.map((h) => h.text);
  }
}

/** Walks a DOM subtree into blocks. */
export function htmlToBlocks(root: DomNode, stack = new HeadingStack()): Block[] {
  const blocks: Block[] = [];
  let inline = '';
  const flushInline = () => {
    const text = collapse(inline);
    inline = '';
    if (text) blocks.push({ kind: 'paragraph', text, headingPath: stack.path() });
  };
  const walk = (node: DomNode) => {
    if (node.nodeType === TEXT) {
      inline += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== ELEMENT || skipped.has(node.nodeName)) return;
    const name = node.nodeName;
    const heading = /^H([1-6])$/.exec(name);
    if (heading) {
      flushInline();
      const text = collapse(inlineText(node));
      if (!text) return;
      blocks.push({ kind: 'heading', text, headingPath: stack.enter(Number(heading[1]), text) });
    } else if (name === 'TABLE') {
      flushInline();
      const table = tableToMarkdown(node);
      if (table) blocks.push({ kind: 'table', text: [table.header, ...table.rows].join('\n'), tableHeader: table.header, headingPath: stack.path() });
    } else if (name === 'UL' || name === 'OL') {
      flushInline();
      const text = listToMarkdown(node);
      if (text) blocks.push({ kind: 'list', text, headingPath: stack.path() });
    } else if (name === 'PRE') {
      flushInline();
      const text = (node.textContent ?? '').replace(/\s+$/, '');
      if (text.trim()) blocks.push({ kind: 'code', text, headingPath: stack.path() });
    } else if (blockLevel.has(name) || name === 'LI') {
      flushInline();
      children(node).forEach(walk);
      flushInline();
    } else if (name === 'BR') {
      inline += ' ';
    } else {
      inline += inlineText(node);
    }
  };
  walk(root);
  flushInline();
  return blocks;
}
