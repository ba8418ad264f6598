import { replaceCitationMarkers } from './citations';
import type { MessageRecord, ThreadSummary } from '../../shared/contract/chat';
import { pageText } from './prompt';
import { userFacingPath } from '../../shared/file-names';

// A thread as Markdown: each answer's [n] markers become footnotes [^a-n] (unique per answer) that name
// the document, the page and quote the exact passage. A reasoning model's thinking comes first as a collapsed
// <details> block, quoted as plain text: its [n] markers are not citations.

const quote = (text: string) =>
  text
    .trim()
    .split(/\r?\n/)
    .map((line) => `    > ${line}`)
    .join('\n');

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function thinkingBlock(message: MessageRecord): string[] {
  if (!message.reasoning?.trim()) return [];
  const meters = message.meters?.provider === 'groq' || message.meters?.provider === 'openai' ? message.meters : null;
  const facts = [
    meters?.reasoningTokens ? `${meters.reasoningTokens} tokens` : null,
    meters?.reasoningMs ? `${(meters.reasoningMs / 1000).toFixed(1)} s` : null,
  ].filter(Boolean);
  const lines = escapeHtml(message.reasoning.trim()).split(/\r?\n/).map((line) => `> ${line}`.trimEnd());
  return ['<details>', `<summary>Thinking${facts.length ? ` (${facts.join(', ')})` : ''}</summary>`, '', ...lines, '', '</details>', ''];
}

export function exportFileName(thread: ThreadSummary): string {
  const slug = thread.title.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'conversation';
  return `${slug}.md`;
}

export function threadToMarkdown(thread: ThreadSummary, messages: MessageRecord[]): string {
  const out: string[] = [`# ${thread.title}`, '', `_Exported from Lockstep on ${new Date().toISOString().slice(0, 10)}._`, ''];
  let answerIndex = 0;
  for (const message of messages) {
    if (message.role === 'user') {
      out.push(`## ${message.content.replace(/\s+/g, ' ').trim()}`, '');
      continue;
    }
    answerIndex++;
    const footnote = (ordinal: number) => `[^${answerIndex}-${ordinal}]`;
    const cited = message.sources.filter((s) => s.cited);
    const body = replaceCitationMarkers(message.content, (marker, ordinals) =>
      ordinals.every((n) => cited.some((s) => s.ordinal === n)) ? ordinals.map(footnote).join('') : marker,
    );
    out.push(...thinkingBlock(message), body.trim(), '');
    // An extractive answer's provider and model are both 'extractive': say it once.
    const by = [...new Set([message.provider, message.model].filter(Boolean))].join(' · ');
    const notes = [by && `answered by ${by}`, message.status !== 'complete' && message.status, message.uncited && 'cites no source'].filter(Boolean);
    if (notes.length) out.push(`_${notes.join(' — ')}_`, '');
    for (const source of cited) {
      out.push(`${footnote(source.ordinal)}: ${source.documentTitle}, ${pageText(source)}${source.ocr ? ' (read by OCR from a scan)' : ''} (${userFacingPath(source.documentPath)})`, '', quote(source.passage), '');
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
