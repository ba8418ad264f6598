import type { Block, SourcePage } from './document';

// A page's stored text is its blocks joined by blank lines; each block remembers where it sits in that text,
// so chunks can point back to exact character ranges of a page.

export interface PlacedBlock extends Block {
  start: number;
  end: number;
}

export interface PageText {
  number: number;
  label: string | null;
  text: string;
  blocks: PlacedBlock[];
}

export const BLOCK_SEPARATOR = '\n\n';

export function placeBlocks(page: SourcePage): PageText {
  let text = '';
  const blocks: PlacedBlock[] = [];
  for (const block of page.blocks) {
    const body = block.text.trim();
    if (!body) continue;
    if (text) text += BLOCK_SEPARATOR;
    blocks.push({ ...block, text: body, start: text.length, end: text.length + body.length });
    text += body;
  }
  return { number: page.number, label: page.label, text, blocks };
}
