import type { DownloadProgress } from '../../shared/contract/models';

// Download progress as users see it: bytes, a speed averaged over the last few seconds, and the time left.

export type { DownloadProgress };

const WINDOW_MS = 5_000;

export class SpeedMeter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Records the running byte count; bytes already on disk before the transfer started count as the baseline. */
  record(bytes: number): void {
    const at = this.now();
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1].at > WINDOW_MS) this.samples.shift();
  }

  bytesPerSecond(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = (last.at - first.at) / 1000;
    return seconds > 0 ? Math.max(0, (last.bytes - first.bytes) / seconds) : 0;
  }

  etaSeconds(bytesDone: number, bytesTotal: number | null): number | null {
    const speed = this.bytesPerSecond();
    if (bytesTotal === null || speed <= 0) return null;
    return Math.max(0, (bytesTotal - bytesDone) / speed);
  }
}

/** Calls `emit` at most every `intervalMs`, plus whenever `force` is set (phase changes, the end). */
export function throttle<T>(emit: (value: T) => void, intervalMs = 250): (value: T, force?: boolean) => void {
  let last = -Infinity;
  return (value, force = false) => {
    const now = performance.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    emit(value);
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.ceil((seconds % 3600) / 60)} min`;
}
