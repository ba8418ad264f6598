import { marked, type Token, type Tokens } from 'marked';
import type { Block, Converter } from '../document';
import { decodeText } from '../../text/decode';
import { HeadingStack } from './html-blocks';

// Markdown through marked's lexer: headings open heading paths, fenced code stays code, tables keep their header.

const stripInline = (text: string) =>
  text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();

function tableBlock(token: Tokens.Table): { header: string; rows: string[] } {
  const line = (cells: string[]) => `| ${cells.map((c) => stripInline(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  const header = `${line(token.header.map((h) => h.text))}\n|${' --- |'.repeat(token.header.length)}`;
  return { header, rows: token.rows.map((row) => line(row.map((cell) => cell.text))) };
}

export function markdownBlocks(source: string): Block[] {
  const blocks: Block[] = [];
  const headings = new HeadingStack();
  const visit = (tokens: Token[]) => {
    for (const token of tokens) {
      const path = headings.path();
      switch (token.type) {
        case 'heading': {
          const text = stripInline(token.text);
          if (text) blocks.push({ kind: 'heading', text, headingPath: headings.enter(token.depth, text) });
          break;
        }
        case 'code':
          if (token.text.trim()) blocks.push({ kind: 'code', text: token.text, headingPath: path });
          break;
        case 'table': {
          const table = tableBlock(token as Tokens.Table);
          blocks.push({ kind: 'table', text: [table.header, ...table.rows].join('\n'), tableHeader: table.header, headingPath: path });
          break;
        }
        case 'list': {
          const text = stripInline(token.raw.trim());
          if (text) blocks.push({ kind: 'list', text, headingPath: path });
          break;
        }
        case 'blockquote':
          visit((token as Tokens.Blockquote).tokens);
          break;
        case 'paragraph':
        case 'html':
        case 'text': {
          const text = stripInline(token.type === 'paragraph' ? token.text : token.raw);
          if (text) blocks.push({ kind: 'paragraph', text, headingPath: path });
          break;
        }
        default:
          break;
      }
    }
  };
  visit(marked.lexer(source));
  return blocks;
}

export const convertMarkdown: Converter = async function* (input) {
  input.onProgress(0, 1);
  const blocks = markdownBlocks(decodeText(input.bytes).text);
  input.onProgress(1, 1);
  yield { number: 1, label: null, blocks };
  return { title: blocks.find((b) => b.kind === 'heading')?.text ?? null, pageCount: 1, pagesWithoutText: [], garbledPages: [] };
};
