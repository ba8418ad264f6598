// llama.cpp (node-llama-cpp's prebuilt CPU binary) as the benchmark's anchor, run in its own process.
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { runEngineProcess } from './engine-run';

await runEngineProcess('llama.cpp', async (request) => {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: request.threads });
  const model = await llama.loadModel({ modelPath: request.modelPath });
  const context = await model.createContext({
    contextSize: 1024, batchSize: 512, threads: { ideal: request.threads, min: request.threads }, sequences: 1,
  });
  const sequence = context.getSequence();
  return {
    name: `llama.cpp (${llama.gpu === false ? 'cpu' : llama.gpu}, ${context.currentThreads} threads)`,
    async generate(prompt, count, onToken) {
      await sequence.clearHistory();
      const tokens = model.tokenize(prompt);
      let produced = 0;
      // yieldEogToken keeps random-weight generation going past an end-of-generation token
      for await (const _token of sequence.evaluate(tokens, { temperature: 0, yieldEogToken: true })) {
        onToken();
        if (++produced >= count) break;
      }
      return tokens.length;
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
});
