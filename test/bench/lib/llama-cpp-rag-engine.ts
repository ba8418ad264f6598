// llama.cpp's side of the RAG scenario: the follow-up keeps the sequence's context up to the longest common token
// prefix and evaluates only the rest, as llama.cpp's own servers reuse a slot's cache.
import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { runRagEngineProcess } from './rag-run';

await runRagEngineProcess('llama.cpp', async (request) => {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: request.threads });
  const model = await llama.loadModel({ modelPath: request.modelPath });
  const context = await model.createContext({
    contextSize: request.contextTokens, batchSize: 512, threads: { ideal: request.threads, min: request.threads }, sequences: 1,
  });
  const sequence = context.getSequence();
  /** Evaluates `tokens` after what the sequence holds; resolves with the ms to the first of `count` generated tokens. */
  const generate = async (tokens: Token[], count: number, start = performance.now()) => {
    let ttftMs = 0, produced = 0;
    const pieces: Token[] = [];
    // yieldEogToken keeps random-weight generation going past an end-of-generation token
    for await (const token of sequence.evaluate(tokens, { temperature: 0, yieldEogToken: true })) {
      if (ttftMs === 0) ttftMs = performance.now() - start;
      pieces.push(token);
      if (++produced >= count) break;
    }
    return { ttftMs, pieces };
  };
  return {
    name: `llama.cpp (${llama.gpu === false ? 'cpu' : llama.gpu}, ${context.currentThreads} threads)`,
    async first(prompt, count) {
      await sequence.clearHistory();
      const start = performance.now();
      const tokens = model.tokenize(prompt);
      const { ttftMs, pieces } = await generate(tokens, count, start);
      return { promptTokens: tokens.length, ttftMs, text: model.detokenize(pieces) };
    },
    async followUp(prompt) {
      const start = performance.now();
      const tokens = model.tokenize(prompt);
      const held = sequence.contextTokens;
      let common = 0;
      while (common < held.length && common < tokens.length - 1 && held[common] === tokens[common]) common++;
      if (common < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: common, end: sequence.nextTokenIndex }]);
      const { ttftMs } = await generate(tokens.slice(common), 1, start); // from before tokenizing, as Lockstep's
      return { promptTokens: tokens.length, cachedTokens: common, ttftMs };
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
});
