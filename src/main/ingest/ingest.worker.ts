import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../../shared/errors';
import { parseFile } from './parse';
import type { IngestWorkerData, IngestWorkerReply, ParseJobRequest } from './protocol';
import { estimatedTokenCounter, loadTokenCounter, type TokenCounter } from './tokens';

// Parsing and chunking off the main thread; one file at a time. The queue terminates this worker to cancel a file.

const config = workerData as IngestWorkerData;
let counter: Promise<TokenCounter> | undefined;

function tokenCounter(): Promise<TokenCounter> {
  counter ??= config.tokenizerFolder
    ? loadTokenCounter(config.tokenizerFolder).catch((error: unknown) => {
        process.stderr.write(`[lockstep ingest worker] tokenizer ${config.tokenizerFolder} unusable, estimating tokens: ${String(error)}\n`);
        return estimatedTokenCounter;
      })
    : Promise.resolve(estimatedTokenCounter);
  return counter;
}

const reply = (message: IngestWorkerReply) => parentPort!.postMessage(message);

parentPort!.on('message', ({ seq, request }: ParseJobRequest) => {
  (async () => {
    const result = await parseFile(request, await tokenCounter(), (stage, pagesDone, pagesTotal) => reply({ seq, type: 'progress', stage, pagesDone, pagesTotal }));
    reply({ seq, type: 'result', result });
  })().catch((error: unknown) => {
    process.stderr.write(`[lockstep ingest worker] ${error instanceof Error ? error.stack : String(error)}\n`);
    reply({ seq, type: 'error', error: toWireError(error) });
  });
});
