// Loads a TypeScript worker under tsx when running from source (Node 20 workers ignore --import).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__lockstepWorkerEntry);
