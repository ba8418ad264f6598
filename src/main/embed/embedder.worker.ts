import { parentPort, workerData } from 'node:worker_threads';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { AppError, toWireError } from '../../shared/errors';
import type { EmbedderWorkerData, EmbedReply, EmbedRequest } from './protocol';

// One embedding model per worker: transformers.js feature extraction on onnxruntime-node, offline only.
const config = workerData as EmbedderWorkerData;
env.allowRemoteModels = false;
env.allowLocalModels = true;

let loading: Promise<FeatureExtractionPipeline> | undefined;

function loadPipeline(): Promise<FeatureExtractionPipeline> {
  loading ??= (async () => {
    try {
      // An absolute folder is not a hub id, so transformers.js reads every file from it directly.
      const extractor = (await pipeline('feature-extraction', config.modelFolder, {
        dtype: config.dtype,
        device: 'cpu',
        session_options: { intraOpNumThreads: config.threads, interOpNumThreads: 1 },
      })) as FeatureExtractionPipeline;
      return extractor;
    } catch (cause) {
      loading = undefined; // a reinstalled model is picked up by the next request
      throw new AppError(
        'embedder_load_failed',
        `The embedding model in ${config.modelFolder} could not be loaded. Reinstall it from the Models page.`,
        cause,
      );
    }
  })();
  return loading;
}

async function embed(request: EmbedRequest): Promise<EmbedReply> {
  const extractor = await loadPipeline();
  const output = await extractor(request.texts, { pooling: config.pooling, normalize: config.normalize });
  const [rows, dimension] = output.dims as [number, number];
  if (rows !== request.texts.length) throw new Error(`embedder returned ${rows} rows for ${request.texts.length} texts`);
  return { seq: request.seq, ok: true, dimension, vectors: new Float32Array(output.data as Float32Array) };
}

parentPort!.on('message', (request: EmbedRequest) => {
  embed(request).then(
    (reply) => parentPort!.postMessage(reply, reply.ok ? [reply.vectors.buffer as ArrayBuffer] : []),
    (error: unknown) => {
      // The cause goes back with the reply so the main process logs it through its one logger (tests assert it there).
      const cause = error instanceof AppError ? error.cause : error;
      const detail = cause ? (cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)) : undefined;
      parentPort!.postMessage({ seq: request.seq, ok: false, error: toWireError(error), detail } satisfies EmbedReply);
    },
  );
});
