import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../../../shared/errors';
import { compile } from '../compiler/pipeline';
import { storedTypesOf } from '../compiler/passes/quantize';
import { openModel } from '../loader';
import { compilePreset, programTimeline } from './timeline';

// One compile per worker: a 70B preset takes seconds, which must not stall the main process's IPC.
const job = workerData as { preset: string; chips?: number } | { modelPath: string; chips?: number };
try {
  let program;
  if ('preset' in job) program = compilePreset(job.preset, job.chips);
  else {
    const source = openModel(job.modelPath);
    program = compile(source.config, { chips: job.chips, weights: 'native', storedTypes: storedTypesOf(source.weights) }, source.hash).program;
  }
  parentPort!.postMessage({ ok: true, timeline: programTimeline(program) });
} catch (error) {
  parentPort!.postMessage({ ok: false, error: toWireError(error) });
}
