// Lockstep's side of the RAG scenario: one thread, so the follow-up resumes from the thread's KV snapshot.
import { loadLpuModel } from '../../../src/main/lpu';
import { runRagEngineProcess } from './rag-run';

await runRagEngineProcess('lockstep', async (request) => {
  const model = await loadLpuModel(request.modelPath, { bucket: request.contextTokens, threads: request.threads });
  const timed = async (prompt: string, maxTokens: number) => {
    const start = performance.now();
    let ttftMs = 0;
    const result = await model.generate({ prompt, maxTokens, sampling: { temperature: 0 }, thread: 'rag-bench' }, () => {
      if (ttftMs === 0) ttftMs = performance.now() - start;
    });
    return { result, ttftMs };
  };
  return {
    name: `lockstep (${model.info.weights}, ${model.info.chips} chips, ${request.threads} threads, ${model.info.kernels})`,
    kernels: model.info.kernels,
    async first(prompt, count) {
      const { result, ttftMs } = await timed(prompt, count);
      return { promptTokens: result.promptTokens, ttftMs, text: result.text };
    },
    async followUp(prompt) {
      const { result, ttftMs } = await timed(prompt, 1);
      return { promptTokens: result.promptTokens, cachedTokens: result.cachedPromptTokens, ttftMs };
    },
    dispose: () => model.dispose(),
  };
});
