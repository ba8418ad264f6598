import type { ControlledEvaluateInputItem, Token } from 'node-llama-cpp';
import { AppError } from '../../../shared/errors';

// llama.cpp as the oracle, through node-llama-cpp (a devDependency, imported only when a parity check runs).

export interface LlamaCppRun {
  /** llama.cpp's description: backend and version. */
  name: string;
  /** Token ids llama.cpp's own tokenizer gives the text. */
  tokenize(text: string, specialTokens?: boolean): number[];
  /** Full logits after each of `tokens`, evaluated from an empty context. */
  logitsPerPosition(tokens: number[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

type NodeLlamaCpp = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;

/** One llama.cpp runtime per process and thread count: starting one costs seconds, models come and go on it. */
const runtimes = new Map<number, Promise<Llama>>();

async function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  try {
    return await import('node-llama-cpp');
  } catch (cause) {
    throw new AppError('parity_unavailable', 'The parity check runs llama.cpp through the node-llama-cpp package, which is not installed. Run npm install --save-dev node-llama-cpp and try again.', cause);
  }
}

/** Loads `file` into llama.cpp (CPU, `threads` threads) with a context big enough for `maxTokens`. */
export async function openLlamaCpp(file: string, maxTokens: number, threads = 1): Promise<LlamaCppRun> {
  const { getLlama, LlamaLogLevel } = await importNodeLlamaCpp();
  let runtime = runtimes.get(threads);
  if (!runtime) {
    runtime = getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: threads });
    runtimes.set(threads, runtime);
    runtime.catch(() => runtimes.delete(threads));
  }
  const llama = await runtime;
  try {
    // CPU only and no memory estimate: node-llama-cpp's resource simulation costs seconds on a large vocabulary
    const model = await llama.loadModel({ modelPath: file, gpuLayers: 0, ignoreMemorySafetyChecks: true });
    const context = await model.createContext({
      contextSize: Math.max(256, maxTokens), batchSize: Math.max(64, maxTokens), threads: { ideal: threads, min: threads }, sequences: 1, ignoreMemorySafetyChecks: true,
    });
    const sequence = context.getSequence();
    return {
      name: `llama.cpp (node-llama-cpp, ${llama.gpu === false ? 'cpu' : llama.gpu}, ${context.currentThreads} thread${context.currentThreads === 1 ? '' : 's'})`,
      tokenize: (text, specialTokens = false) => [...model.tokenize(text, specialTokens)],
      async logitsPerPosition(tokens) {
        await sequence.clearHistory();
        const input: ControlledEvaluateInputItem[] = tokens.map((t) => [t as Token, { generateNext: { logits: true } }]);
        const results = await sequence.controlledEvaluate(input);
        return results.map((r, i) => {
          const map = r?.next.logits;
          if (!map) throw new Error(`llama.cpp returned no logits at position ${i}`);
          const out = new Float32Array(map.size);
          for (const [token, logit] of map) out[token] = logit;
          return out;
        });
      },
      async dispose() {
        await context.dispose();
        await model.dispose();
      },
    };
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError('parity_llama_cpp_failed', `llama.cpp could not load ${file}: ${(cause as Error).message}`, cause);
  }
}
