import path from 'node:path';
import type { Block, Converter } from '../document';
import { problems } from '../outcome';
import { unzipGuarded, utf8Text } from '../zip';
import { rowsToTableBlocks } from './table';

// PowerPoint: slides in presentation order (sldIdLst → relationships); per slide the title, body text, tables and
// speaker notes. Parsed leniently with patterns over the XML so one malformed shape does not lose the deck.

const decodeXml = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, '&');

/** Paragraph texts (<a:p>) inside an XML fragment. */
function paragraphsOf(xml: string): string[] {
  return [...xml.matchAll(/<a:p\b[^>]*>([\s\S]*?)<\/a:p>/g)]
    .map(([, p]) => decodeXml([...p.matchAll(/<a:t(?:\s[^>]*)?>([^<]*)<\/a:t>|<a:br\b[^>]*\/>/g)].map((m) => m[1] ?? ' ').join('')).trim())
    .filter(Boolean);
}

function relationships(xml: string, baseDir: string): Map<string, string> {
  const rels = new Map<string, string>();
  for (const [rel] of xml.matchAll(/<Relationship\b[^>]*>/g)) {
    const id = /\bId="([^"]+)"/.exec(rel)?.[1];
    const target = /\bTarget="([^"]+)"/.exec(rel)?.[1];
    if (id && target) rels.set(id, target.startsWith('/') ? target.slice(1) : path.posix.normalize(path.posix.join(baseDir, target)));
  }
  return rels;
}

const relsPathOf = (part: string) => path.posix.join(path.posix.dirname(part), '_rels', `${path.posix.basename(part)}.rels`);

/** Table rows of a graphic frame's <a:tbl>, cell texts in order. */
function tableRows(xml: string): string[][] {
  return [...xml.matchAll(/<a:tr\b[^>]*>([\s\S]*?)<\/a:tr>/g)].map(([, row]) =>
    [...row.matchAll(/<a:tc\b[^>]*>([\s\S]*?)<\/a:tc>/g)].map(([, cell]) => paragraphsOf(cell).join(' ')),
  );
}

function slideBlocks(slideXml: string, notesXml: string | undefined): Block[] {
  let title: string | null = null;
  const body: Block[] = [];
  for (const [shape] of slideXml.matchAll(/<p:sp\b[\s\S]*?<\/p:sp>/g)) {
    const placeholder = /<p:ph\b[^>]*>/.exec(shape)?.[0] ?? '';
    const type = /\btype="([^"]+)"/.exec(placeholder)?.[1];
    if (type === 'sldNum') continue;
    const texts = paragraphsOf(shape);
    if (texts.length === 0) continue;
    if (!title && (type === 'title' || type === 'ctrTitle')) title = texts.join(' ');
    else body.push({ kind: texts.length > 1 ? 'list' : 'paragraph', text: texts.join('\n'), headingPath: [] });
  }
  for (const [frame] of slideXml.matchAll(/<a:tbl\b[\s\S]*?<\/a:tbl>/g)) body.push(...rowsToTableBlocks(tableRows(frame), []));
  const notes = notesXml
    ? [...notesXml.matchAll(/<p:sp\b[\s\S]*?<\/p:sp>/g)]
        .filter(([shape]) => !/<p:ph\b[^>]*type="(?:sldImg|sldNum|hdr|ftr|dt)"/.test(shape))
        .flatMap(([shape]) => paragraphsOf(shape))
    : [];
  const headingPath = title ? [title] : [];
  const blocks: Block[] = title ? [{ kind: 'heading', text: title, headingPath }] : [];
  for (const block of body) blocks.push({ ...block, headingPath });
  if (notes.length) blocks.push({ kind: 'paragraph', text: `Speaker notes: ${notes.join(' ')}`, headingPath });
  return blocks;
}

export const convertPptx: Converter = async function* (input) {
  const files = unzipGuarded(input.bytes, input.limits, 'PowerPoint presentation', (name) => name.endsWith('.xml') || name.endsWith('.rels'));
  const presentation = utf8Text(files.get('ppt/presentation.xml'));
  if (!presentation) throw problems.corruptDocument('PowerPoint presentation', 'its slide list (ppt/presentation.xml) is missing');
  const rels = relationships(utf8Text(files.get('ppt/_rels/presentation.xml.rels')), 'ppt');
  const slidePaths = [...presentation.matchAll(/<p:sldId\b[^>]*r:id="([^"]+)"/g)].map(([, id]) => rels.get(id)).filter((p): p is string => !!p && files.has(p));
  const title = /<dc:title>([^<]*)<\/dc:title>/.exec(utf8Text(files.get('docProps/core.xml')))?.[1]?.trim() || null;
  input.onProgress(0, slidePaths.length);
  for (const [index, slidePath] of slidePaths.entries()) {
    const slideRels = relationships(utf8Text(files.get(relsPathOf(slidePath))), path.posix.dirname(slidePath));
    const notesPath = [...slideRels.values()].find((target) => /notesSlides\/notesSlide\d+\.xml$/.test(target));
    yield { number: index + 1, label: null, blocks: slideBlocks(utf8Text(files.get(slidePath)), notesPath ? utf8Text(files.get(notesPath)) : undefined) };
    input.onProgress(index + 1, slidePaths.length);
  }
  return { title: title ? decodeXml(title) : null, pageCount: slidePaths.length, pagesWithoutText: [], garbledPages: [] };
};
