import type { ChatMessage, Notice } from './reducer';

// Notices about a standing condition (no chat model, no embedder) say the same thing on every answer until it is
// fixed: only the latest answer carrying one shows it.
const STANDING: ReadonlySet<Notice['kind']> = new Set(['extractive', 'keyword_only']);

/** The notices of message `id` worth showing: a standing one is dropped when a later message repeats it. */
export function visibleNotices(messageIds: number[], messages: Record<number, ChatMessage>, id: number): Notice[] {
  const message = messages[id];
  if (!message) return [];
  const later = messageIds.slice(messageIds.indexOf(id) + 1).map((laterId) => messages[laterId]);
  return message.notices.filter((notice) => !STANDING.has(notice.kind) || !later.some((m) => m?.notices.some((n) => n.kind === notice.kind)));
}
