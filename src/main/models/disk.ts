import { stat, statfs } from 'node:fs/promises';
import { AppError } from '../../shared/errors';
import { formatBytes } from './progress';

/** Room kept free beyond the download itself, so the disk never fills to the last byte. */
export const DISK_HEADROOM_BYTES = 256 * 1024 * 1024;

export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

/** Fails before any byte is written when `needed` bytes (plus headroom) do not fit in the folder's file system. */
export async function ensureFreeSpace(dir: string, needed: number, what: string): Promise<void> {
  if (needed <= 0) return;
  const free = await freeBytes(dir);
  if (free < needed + DISK_HEADROOM_BYTES) {
    throw new AppError(
      'disk_full',
      `Not enough disk space for ${what}: it needs ${formatBytes(needed)} more and ${dir} has ${formatBytes(free)} free. Free some space, or keep Lockstep's data on a larger disk (--data-dir or LOCKSTEP_DATA_DIR).`,
    );
  }
}

/** A file's size, or 0 when it does not exist. */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
