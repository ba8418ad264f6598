import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

// Per-window grants (Electron): the preload turns files the user dropped or picked into paths with
// webUtils.getPathForFile, which only knows files that really came from the OS; main records them per window.

/** Adds each real file or folder to the window's grant set; returns the granted real path, or null, per candidate. */
export async function grantPaths(grantSet: Set<string>, candidates: unknown): Promise<(string | null)[]> {
  if (!Array.isArray(candidates)) return [];
  const granted: (string | null)[] = [];
  for (const candidate of candidates.slice(0, 10_000)) {
    if (typeof candidate !== 'string' || !candidate || candidate.includes('\0') || !path.isAbsolute(candidate)) {
      granted.push(null);
      continue;
    }
    const real = await realpath(candidate).catch(() => null);
    const info = real ? await stat(real).catch(() => null) : null;
    if (!real || !(info?.isFile() || info?.isDirectory())) {
      granted.push(null);
      continue;
    }
    grantSet.add(real);
    granted.push(real);
  }
  return granted;
}
