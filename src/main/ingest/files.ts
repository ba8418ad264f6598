import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

// Finding the files behind dropped paths, and the content hash that makes the same file one document.

/**
 * Files under the given paths, in a stable order; folders are walked recursively, hidden entries and symlinked folders
 * skipped (a link back up would loop). A symlinked file is followed; a link to nothing is reported missing.
 */
export async function expandPaths(paths: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = async (folder: string) => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push(full);
      else if (entry.isSymbolicLink()) {
        const target = await stat(full).catch(() => null);
        if (!target) missing.push(full);
        else if (target.isFile()) files.push(full);
      }
    }
  };
  for (const given of paths) {
    const absolute = path.resolve(given);
    const info = await stat(absolute).catch(() => null);
    if (!info) missing.push(absolute);
    else if (info.isDirectory()) await walk(absolute);
    else files.push(absolute);
  }
  return { files: [...new Set(files)], missing };
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
