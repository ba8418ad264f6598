import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../../../shared/errors';
import { compilePreset, programTimeline } from './timeline';

// One compile per worker: a 70B preset takes seconds, which must not stall the main process's IPC.
const { preset, chips } = workerData as { preset: string; chips?: number };
try {
  parentPort!.postMessage({ ok: true, timeline: programTimeline(compilePreset(preset, chips)) });
} catch (error) {
  parentPort!.postMessage({ ok: false, error: toWireError(error) });
}
