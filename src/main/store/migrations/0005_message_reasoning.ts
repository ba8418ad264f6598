import type { Migration } from './migration';

// What a reasoning model thought before answering, kept apart from the answer text so it is never cited or
// mistaken for the answer, and exported as a collapsed block.
export const messageReasoning: Migration = {
  version: 5,
  name: 'message_reasoning',
  up: `ALTER TABLE messages ADD COLUMN reasoning TEXT;`,
};
