import type { z } from 'zod';

// JSON columns (meters, served, sources) are read back through their schema: a row written by an older or newer
// version, or damaged on disk, must read as "absent" rather than throw in the middle of a thread or cache lookup.

/** The column's value as `schema` describes it, or null when it is empty, not JSON or no longer of that shape. */
export function readJsonColumn<S extends z.ZodType>(text: string | null | undefined, schema: S): z.output<S> | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** NULL for an absent value, so "not set" stays distinguishable from an empty object. */
export function jsonColumn(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
