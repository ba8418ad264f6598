import { createHash } from 'node:crypto';
import { AppError } from '../../shared/errors';

// Every tool result fits a token budget (assistants' context windows are shared with everything else the user does);
// what does not fit is continued with an opaque cursor bound to the tool and the arguments it was issued for.

/** About 4k tokens: a page of text, eight passages, or a screenful of document rows. */
export const DEFAULT_BUDGET_TOKENS = 4000;

/** Tokens as assistants count them, roughly: four characters each (the local API counts the same way). */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/** Tokens a structured result costs once serialised, which is what a client hands its model. */
export const resultTokens = (value: unknown): number => estimateTokens(JSON.stringify(value));

const argsKey = (tool: string, args: Record<string, unknown>) => {
  const stable = Object.keys(args)
    .filter((key) => key !== 'cursor' && args[key] !== undefined)
    .sort()
    .map((key) => [key, args[key]]);
  return createHash('sha256').update(JSON.stringify([tool, stable])).digest('base64url').slice(0, 12);
};

/** A cursor that continues `tool` called with `args` from `position`. */
export function encodeCursor(tool: string, args: Record<string, unknown>, position: number): string {
  return Buffer.from(JSON.stringify({ k: argsKey(tool, args), p: position })).toString('base64url');
}

/** The position a cursor continues from (0 without one); a cursor from another call is refused, not reinterpreted. */
export function decodeCursor(tool: string, args: Record<string, unknown> & { cursor?: string }): number {
  if (args.cursor === undefined) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(args.cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const { k, p } = (parsed ?? {}) as { k?: unknown; p?: unknown };
  if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 0 || typeof k !== 'string') {
    throw new AppError('invalid_cursor', 'That cursor is not one Lockstep issued. Pass back the nextCursor of the previous result unchanged.');
  }
  if (k !== argsKey(tool, args)) {
    throw new AppError('invalid_cursor', `That cursor continues a different ${tool} call. Repeat the call with the same arguments and its nextCursor.`);
  }
  return p;
}

/**
 * The longest prefix of `text` from `start` that stays within `maxChars`, ended at a word boundary when one is
 * near, so a page continued by cursor never splits a word.
 */
export function sliceText(text: string, start: number, maxChars: number): { text: string; end: number } {
  if (text.length - start <= maxChars) return { text: text.slice(start), end: text.length };
  let end = start + maxChars;
  const space = text.lastIndexOf(' ', end - 1);
  if (space > start + maxChars * 0.8) end = space + 1;
  return { text: text.slice(start, end), end };
}
