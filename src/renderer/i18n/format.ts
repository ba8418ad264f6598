import type { Translate } from './translate';

const units = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(seconds: number, t: Translate): string {
  if (seconds < 90) return t('time.seconds', { n: Math.max(1, Math.round(seconds)) });
  return t('time.minutes', { n: Math.round(seconds / 60) });
}

/** Large counts with thousands separators; cycles run into the billions. */
export const formatCount = (value: number) => Math.round(value).toLocaleString('en-US');

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export const formatRate = (perSecond: number | null | undefined) =>
  perSecond === null || perSecond === undefined || !Number.isFinite(perSecond) ? '—' : perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(1);
