import type { Migration } from './migration';

// The process running a job: at start-up only jobs whose owner died are taken over, so the CLI and the app can
// share one library without stealing each other's running work.
export const jobOwner: Migration = {
  version: 3,
  name: 'job_owner',
  up: `ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;`,
};
