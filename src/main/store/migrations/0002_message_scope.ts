import type { Migration } from './migration';

// What a question asked over (mode and selected documents, or a quick action on one document), so that
// regenerating an answer asks the same thing again.
export const messageScope: Migration = {
  version: 2,
  name: 'message_scope',
  up: `ALTER TABLE messages ADD COLUMN scope_json TEXT;`,
};
