import type { Migration } from './migration';

// A cached answer keeps how it was first served (the degradation channel and why), so its replay can say "answered
// on the single-worker CPU channel because …" beside "Cached · age". Rows cached before this have NULL: no note.
export const answerCacheServed: Migration = {
  version: 12,
  name: 'answer_cache_served',
  up: `ALTER TABLE answer_cache ADD COLUMN served_json TEXT;`,
};
