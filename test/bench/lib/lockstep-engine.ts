// Lockstep's LPU emulator runtime through its public API (loadLpuModel), run in its own process.
import { loadLpuModel } from '../../../src/main/lpu';
import { runEngineProcess } from './engine-run';

await runEngineProcess('lockstep', async (request) => {
  // default kernels: native where the addon loads; LOCKSTEP_KERNELS=wasm measures the WebAssembly ones
  const model = await loadLpuModel(request.modelPath, { bucket: 1024, threads: request.threads });
  return {
    name: `lockstep (${model.info.weights}, ${model.info.chips} chips, ${request.threads} threads, ${model.info.kernels})`,
    async generate(prompt, count, onToken) {
      // The sampler is greedy; an EOS sampled from random weights ends a run early and shows up as fewer intervals.
      let seen = -1;
      const result = await model.generate({ prompt, maxTokens: count, sampling: { temperature: 0 } }, (event) => {
        if (event.index > seen) { seen = event.index; onToken(); } // a final text flush repeats the last index
      });
      if (result.tokens.length < count) throw new Error(`generation stopped after ${result.tokens.length} of ${count} tokens (${result.stopReason})`);
      return result.promptTokens;
    },
    dispose: () => model.dispose(),
  };
});
