import path from 'node:path';
import type { ScheduleTimeline } from '../../../shared/contract/lpu';
import { AppError, fromWireError, type WireError } from '../../../shared/errors';
import { startWorker } from '../../platform/workers';

/** A preset's shape, or a model file (the active chat model's). */
export type ScheduleJob = { preset: string } | { modelPath: string };

type Reply = { ok: true; timeline: ScheduleTimeline } | { ok: false; error: WireError };

/** Compiles a preset's timeline in a worker thread; the last few are kept, as the view switches back and forth. */
export function createScheduleRunner(keep = 4) {
  const cache = new Map<string, Promise<ScheduleTimeline>>();
  const compileInWorker = (job: ScheduleJob, chips?: number) => new Promise<ScheduleTimeline>((resolve, reject) => {
    const what = 'preset' in job ? job.preset : path.basename(job.modelPath);
    const worker = startWorker('lpu/timing/schedule.worker.ts', { workerData: { ...job, chips } });
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      if (reply.ok) resolve(reply.timeline); else reject(fromWireError(reply.error));
    });
    worker.once('error', (cause) => { settled = true; reject(new AppError('schedule_failed', `The ${what} program could not be compiled.`, cause)); });
    worker.once('exit', (code) => {
      if (!settled) reject(new AppError('schedule_failed', `The compiler stopped (exit ${code}) before the ${what} program was ready.`));
    });
  });
  return {
    schedule(job: ScheduleJob, chips?: number): Promise<ScheduleTimeline> {
      const key = `${'preset' in job ? job.preset : job.modelPath}/${chips ?? ''}`;
      let pending = cache.get(key);
      if (!pending) {
        pending = compileInWorker(job, chips);
        pending.catch(() => cache.delete(key));
        cache.set(key, pending);
        while (cache.size > keep) cache.delete(cache.keys().next().value!);
      }
      return pending;
    },
  };
}
