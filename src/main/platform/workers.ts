import { Worker, type WorkerOptions } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

// Workers run from TypeScript source under tsx (CLI, tests, browser mode) and from the electron-vite
// bundle in the packaged app (out/main/<name>.js), so callers name a worker, never a file.
const here = path.dirname(fileURLToPath(import.meta.url));
const runningFromSource = import.meta.url.endsWith('.ts');

/**
 * Starts a worker thread from a source path relative to src/main (e.g. 'ingest/ingest.worker.ts').
 * From source it loads through tsx; from the bundle it loads out/main/<basename>.js.
 * Worker code reads its own data from workerData as usual (one extra key is reserved).
 */
export function startWorker(sourcePathFromMain: string, options: WorkerOptions = {}): Worker {
  if (runningFromSource) {
    const entry = pathToFileURL(path.resolve(here, '..', sourcePathFromMain)).href;
    const bootstrap = path.join(here, 'ts-worker-bootstrap.mjs');
    const workerData = { ...(options.workerData ?? {}), __lockstepWorkerEntry: entry };
    return counted(new Worker(bootstrap, { ...options, workerData }));
  }
  const built = path.resolve(here, path.basename(sourcePathFromMain).replace(/\.ts$/, '.js'));
  if (!existsSync(built)) throw new Error(`Worker bundle missing: ${built}`);
  return counted(new Worker(built, options));
}

let running = 0;

/** Worker threads started here that have not exited yet (the metrics' worker gauge). */
export function runningWorkerCount(): number {
  return running;
}

const crashListeners = new Set<(worker: string) => void>();

/** The owner of a worker saw it die unexpectedly (an 'error' event, or an exit it did not ask for). */
export function reportWorkerCrash(worker: string): void {
  for (const listener of crashListeners) listener(worker);
}

/** Hears every reported worker crash in this process (the metrics' crash counter and the Health history). */
export function onWorkerCrash(listener: (worker: string) => void): () => void {
  crashListeners.add(listener);
  return () => void crashListeners.delete(listener);
}

function counted(worker: Worker): Worker {
  running++;
  worker.once('exit', () => running--);
  return worker;
}
