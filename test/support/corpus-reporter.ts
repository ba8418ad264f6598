import type { Reporter, TestModule } from 'vitest/node';
import { FETCH_CORPUS_COMMAND } from '../../scripts/lib/test-corpus';

// Ends the run with one line when tests were skipped for want of corpus files (test/support/corpus.ts marks them):
// how many, which files, and the command that brings them in. Silent when nothing was skipped for that reason.
export default class CorpusSkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let skipped = 0;
    const files = new Set<string>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const missing = test.meta().corpusMissing;
        if (!missing || test.result().state !== 'skipped') continue;
        skipped++;
        for (const file of missing) files.add(file);
      }
    }
    if (skipped === 0) return;
    const named = [...files].sort();
    const shown = named.length > 3 ? `${named.slice(0, 3).join(', ')} and ${named.length - 3} more` : named.join(', ');
    process.stdout.write(`\n${skipped} corpus test${skipped > 1 ? 's' : ''} skipped: ${named.length} test corpus file${named.length > 1 ? 's are' : ' is'} missing (${shown}). Run \`${FETCH_CORPUS_COMMAND}\` to fetch them (LOCKSTEP_REQUIRE_CORPUS=1 makes this an error).\n`);
  }
}
