import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

// Finding the files behind dropped paths, and the content hash that makes the same file one document.

/** Where a symlink met in a folder leads: the file path to add, null when it leads nowhere, undefined to leave it out. */
export type LinkTarget = (link: string) => Promise<string | null | undefined>;

const followFileLinks: LinkTarget = async (link) => {
  const target = await stat(link).catch(() => null);
  return !target ? null : target.isFile() ? link : undefined;
};

/**
 * Files under the given paths, in a stable order; folders are walked recursively, hidden entries and symlinked folders
 * skipped (a link back up would loop). A symlinked file is followed (or as `linkTarget` decides); a link to nothing is reported missing.
 */
export async function expandPaths(paths: string[], linkTarget: LinkTarget = followFileLinks): Promise<{ files: string[]; missing: string[] }> {
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
        const target = await linkTarget(full);
        if (target === null) missing.push(full);
        else if (target !== undefined) files.push(target);
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
