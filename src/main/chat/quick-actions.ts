import type { QuickAction } from '../../shared/contract/chat';
import type { ChatTurn } from '../providers/provider';

// Quick actions on fixed templates: the system turn and the opening of the user turn are identical for every
// document, so the emulator's prefix cache reuses their compiled prefill; only the document text differs.

export const QUICK_ACTION_SYSTEMS: Record<QuickAction, string> = {
  summarize:
    'You summarize documents faithfully. Write a concise summary of the document below in 4 to 6 sentences, in the language of the document. ' +
    'Cite the page sources in square brackets like [1].',
  key_points:
    'You extract key points from documents. List the 5 to 8 most important points of the document below as a bulleted list, ' +
    'in the language of the document. End each point with its page source in square brackets like [2].',
  translate:
    'You are a professional translator between English and Chinese. Translate the document below faithfully, keeping its structure. ' +
    'Output only the translation.',
};

export type TranslationTarget = 'en' | 'zh';

/** Mostly Chinese text is translated to English, everything else to Chinese. */
export function translationTarget(text: string): TranslationTarget {
  const letters = text.match(/[\p{L}]/gu)?.length ?? 0;
  const han = text.match(/[\u3400-\u9fff]/g)?.length ?? 0;
  return letters > 0 && han / letters > 0.3 ? 'en' : 'zh';
}

export function quickActionLabel(action: QuickAction, documentTitle: string, target?: TranslationTarget): string {
  if (action === 'summarize') return `Summarize “${documentTitle}”`;
  if (action === 'key_points') return `Key points of “${documentTitle}”`;
  return `Translate “${documentTitle}” into ${target === 'en' ? 'English' : 'Chinese'}`;
}

/** The fixed system turn plus a user turn that starts with the same words for every document. */
export function quickActionMessages(action: QuickAction, numberedSources: string, target: TranslationTarget): ChatTurn[] {
  const instruction =
    action === 'translate' ? `Translate into ${target === 'en' ? 'English' : 'Simplified Chinese'}.` : action === 'summarize' ? 'Summarize.' : 'List the key points.';
  return [
    { role: 'system', content: QUICK_ACTION_SYSTEMS[action] },
    { role: 'user', content: `Document:\n\n${numberedSources}\n\n${instruction}` },
  ];
}

/** The fixed prefix every quick action's prompt starts with: its system turn, whose KV is kept warm for hot workspaces. */
export function quickActionPrefixes(): ChatTurn[][] {
  return Object.values(QUICK_ACTION_SYSTEMS).map((content) => [{ role: 'system', content }]);
}

export function quickActionSystemPrompt(action: QuickAction): string {
  return QUICK_ACTION_SYSTEMS[action];
}
