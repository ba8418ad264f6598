import { parentPort, workerData } from 'node:worker_threads';
import { AutoModelForSequenceClassification, AutoTokenizer, env, type PreTrainedModel, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';
import { AppError, toWireError } from '../../shared/errors';
import type { CrossEncoderWorkerData, ScoreReply, ScoreRequest } from './cross-encoder-protocol';

// One cross-encoder per worker: transformers.js sequence classification on onnxruntime-node, offline only.
const config = workerData as CrossEncoderWorkerData;
env.allowRemoteModels = false;
env.allowLocalModels = true;

interface Loaded {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
}

let loading: Promise<Loaded> | undefined;

function load(): Promise<Loaded> {
  loading ??= (async () => {
    try {
      // An absolute folder is not a hub id, so transformers.js reads every file from it directly.
      const tokenizer = await AutoTokenizer.from_pretrained(config.modelFolder);
      const model = await AutoModelForSequenceClassification.from_pretrained(config.modelFolder, {
        dtype: 'q8',
        device: 'cpu',
        session_options: { intraOpNumThreads: config.threads, interOpNumThreads: 1 },
      });
      return { tokenizer, model };
    } catch (cause) {
      loading = undefined; // a reinstalled model is picked up by the next request
      throw new AppError('reranker_load_failed', `The reranking model in ${config.modelFolder} could not be loaded. Reinstall it from the Models page.`, cause);
    }
  })();
  return loading;
}

async function score(request: ScoreRequest): Promise<ScoreReply> {
  const { tokenizer, model } = await load();
  // Query and passage as one BERT pair ([CLS] query [SEP] passage [SEP]), cut to the tokenizer's model_max_length.
  const inputs = tokenizer(
    request.passages.map(() => request.query),
    { text_pair: request.passages, padding: true, truncation: true },
  );
  const { logits } = (await model(inputs)) as { logits: Tensor };
  const [rows, width] = logits.dims as [number, number];
  if (rows !== request.passages.length) throw new Error(`reranker returned ${rows} rows for ${request.passages.length} passages`);
  const data = logits.data as Float32Array;
  // One logit is relevance (ms-marco, bge-reranker); with two labels the second is the "relevant" class.
  const scores = Float32Array.from({ length: rows }, (_, row) => data[row * width + width - 1]);
  return { seq: request.seq, ok: true, scores };
}

parentPort!.on('message', (request: ScoreRequest) => {
  score(request).then(
    (reply) => parentPort!.postMessage(reply, reply.ok ? [reply.scores.buffer as ArrayBuffer] : []),
    (error: unknown) => {
      const cause = error instanceof AppError ? error.cause : error;
      const detail = cause ? (cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)) : undefined;
      parentPort!.postMessage({ seq: request.seq, ok: false, error: toWireError(error), detail } satisfies ScoreReply);
    },
  );
});
